#!/bin/sh
# Device dirty tracking of the 82576 VF sample (igbvf_vfio): runs the
# series' kselftest vfio_pci_dirty_test (tools/testing/selftests/vfio/,
# built into the initramfs by vm/mkinitramfs) on two igb VFs and turns each
# of its KTAP results into an ok/not ok line here (a skip for a skipped
# test).  VF A transmits, VF B receives A's frames through the PF's
# VF to VF loopback; the VFs do real DMA, so the PF's igb interface is
# brought up first (TCTL.EN, RCTL.EN, and the PF's mailbox interrupt, which
# the VFs need to be given their queues).  The selftest's whole output goes
# to the console as "# " lines.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

SELFTEST=vfio_pci_dirty_test

t_run "create 2 VFs" sriov_create_vfs 2
pf=$(igb_pf)
netdev=
for n in "$PCI/$pf/net/"*; do
	[ -e "$n" ] && netdev=${n##*/}
done
t_begin "the PF has a network interface"
if [ -n "$netdev" ]; then t_pass; else t_fail "no $PCI/$pf/net/*"; fi
t_run "PF interface $netdev up" ip link set "$netdev" up
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vf0=$1 vf1=$2
t_eq "2 VFs present" "$#" 2
grep -q '^igbvf_vfio ' /proc/modules && mod_unload igbvf_vfio
t_run "vf0: bind to vfio-pci" vfio_bind "$vf0"
t_run "vf1: bind to vfio-pci" vfio_bind "$vf1"
t_eq "vendor driver of vf0" "$(cat "$PCI/$vf0/vfio_vendor_driver" 2>/dev/null)" igbvf-vfio
selftest igb-dirty "$vf0" "$vf1"
t_run "vf0: unbind" pci_unbind "$vf0"
t_run "vf1: unbind" pci_unbind "$vf1"
t_run "unload the vendor module" mod_unload igbvf_vfio
t_run "PF interface $netdev down" ip link set "$netdev" down
t_run "remove VFs" sriov_remove_vfs

t_end
