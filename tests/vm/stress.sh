#!/bin/sh
# 200 bind/unbind cycles of an igb VF through vfio-pci while another loop
# loads and unloads the vendor module.  After every bind the VF must be
# bound to vfio-pci with exactly one of: the vendor driver, or none.  The VM
# harness fails the run on any splat, and init's kmemleak scan on any leak.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

CYCLES=${CYCLES:-200}
VENDOR_MOD=igbvf_vfio
VENDOR_NAME=igbvf-vfio

t_run "create 1 VF" sriov_create_vfs 1
vf=$(igb_vfs | head -n 1)
t_run "vfio-pci loaded" modprobe vfio-pci

# The module churner stops when /tmp/stop appears; it is bounded anyway.
rm -f /tmp/stop
(
	i=0
	while [ ! -e /tmp/stop ] && [ $i -lt 100000 ]; do
		modprobe "$VENDOR_MOD" 2>/dev/null
		rmmod "$VENDOR_MOD" 2>/dev/null
		i=$((i + 1))
	done
	echo "$i" > /tmp/churns
) &
churner=$!

bad=0 vendor=0 plain=0 n=0
while [ $n -lt "$CYCLES" ]; do
	n=$((n + 1))
	if ! vfio_bind "$vf" > /tmp/bind.err 2>&1; then
		bad=$((bad + 1)); t_note "cycle $n: bind failed: $(cat /tmp/bind.err)"
		pci_unbind "$vf" 2>/dev/null
		continue
	fi
	case "$(cat "$PCI/$vf/vfio_vendor_driver")" in
	"$VENDOR_NAME") vendor=$((vendor + 1)) ;;
	none) plain=$((plain + 1)) ;;
	*) bad=$((bad + 1)); t_note "cycle $n: vendor driver '$(cat "$PCI/$vf/vfio_vendor_driver")'" ;;
	esac
	pci_unbind "$vf" || { bad=$((bad + 1)); t_note "cycle $n: unbind failed"; }
done
touch /tmp/stop
wait "$churner"

t_note "cycles=$n vendor=$vendor plain=$plain module-churns=$(cat /tmp/churns)"
t_eq "$CYCLES bind/unbind cycles, each bound to exactly one driver" "$bad" 0
t_run "the vendor driver was used" test "$vendor" -gt 0
t_eq "VF unbound at the end" "$(pci_driver "$vf")" ""
rmmod "$VENDOR_MOD" 2>/dev/null
t_run_fails "vendor module unloads at the end" grep -q "^$VENDOR_MOD " /proc/modules
t_run "unload vfio-pci" mod_unload vfio_pci
t_run "remove VFs" sriov_remove_vfs
t_end
