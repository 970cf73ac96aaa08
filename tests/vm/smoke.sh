#!/bin/sh
# Smoke test, good for the unpatched base kernel and any later one: igb VFs
# and the edu device through vfio-pci, over the legacy container and the
# iommufd cdev paths, with vfio_check.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

# modalias_resolves BDF MODULE: modprobe maps the device's modalias to MODULE.
modalias_resolves() { modprobe -D "$(cat "$PCI/$1/modalias")" | grep -q "/$2.ko"; }

# vfio_check_to FILE ARGS...: run vfio_check, summary into FILE.
vfio_check_to() { out=$1; shift; vfio_check "$@" > "$out"; }

# same_summary A B: the summaries agree, apart from the path= line.
same_summary() {
	grep -v '^path=' "$1" > "$1.cmp" && grep -v '^path=' "$2" > "$2.cmp" &&
		diff "$1.cmp" "$2.cmp"
}

# check NAME BDF: vfio_check on both paths into /tmp/NAME.{legacy,cdev}.
check() {
	t_run "$1: vfio_check legacy" vfio_check_to "/tmp/$1.legacy" "$2"
	t_run "$1: vfio_check --cdev" vfio_check_to "/tmp/$1.cdev" --cdev "$2"
	t_run "$1: legacy and cdev summaries agree" same_summary "/tmp/$1.legacy" "/tmp/$1.cdev"
}

t_run "load vfio-pci" modprobe vfio-pci
pf=$(igb_pf)
t_run "igb PF (8086:10c9) present" test -n "$pf"
t_eq "igb PF bound to igb (coldplug)" "$(pci_driver "$pf")" igb
t_run "modprobe resolves the PF's modalias to igb" modalias_resolves "$pf" igb
t_run "create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
t_eq "2 VFs (8086:10ca) present" "$#" 2
vf0=$1 vf1=$2
t_eq "VF not autoprobed" "$(pci_driver "$vf0")" ""
edu=$(pci_find 1234 11e8)
t_run "edu device present" test -n "$edu"
e1000e=$(pci_find 8086 10d3)
t_run "e1000e device present" test -n "$e1000e"

t_run "vf0: bind to vfio-pci" vfio_bind "$vf0"
check vf0 "$vf0"
t_note "vfio_check summary of an igb VF:"
sed 's/^/# /' /tmp/vf0.legacy

t_run "vf1: bind to vfio-pci" vfio_bind "$vf1"
check vf1 "$vf1"
t_run "vf0 and vf1 summaries are identical" diff /tmp/vf0.legacy /tmp/vf1.legacy

t_run "edu: bind to vfio-pci" vfio_bind "$edu"
check edu "$edu"
t_note "vfio_check summary of edu:"
sed 's/^/# /' /tmp/edu.legacy

t_run_fails "vfio_check fails on a device not bound to vfio" vfio_check "$e1000e"

t_run "vf0: unbind" pci_unbind "$vf0"
t_run "vf1: unbind" pci_unbind "$vf1"
t_run "edu: unbind" pci_unbind "$edu"
t_eq "vf0 has no driver" "$(pci_driver "$vf0")" ""
t_run "remove VFs" sriov_remove_vfs
t_eq "no VFs left" "$(igb_vfs)" ""
t_run "unload vfio_pci and vfio_pci_core" mod_unload vfio_pci vfio_pci_core

t_end
