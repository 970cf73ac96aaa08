#!/bin/sh
# Not part of tools/test: a reproducer for guest stalls under TCG, for
# vm/soak.  For STALL_SECS (default 240) it opens, resets and closes two
# 82576 VFs bound to vfio-pci over and over (vfio_check on each, which is
# what every kselftest fixture does: open, DMA map, config space, BAR0,
# VFIO_DEVICE_RESET), the moment at which guest stalls were seen.  The
# guest idles in every FLR wait (pcie_flr() sleeps 100 ms), so the loop
# makes many idle periods on both vCPUs.  A stall shows as a VM timeout
# with a quiet console (vm/run takes QEMU's view of the vCPUs).
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

secs=$(sed -n 's/.*stall_secs=\([0-9]*\).*/\1/p' /proc/cmdline)
secs=${secs:-240}
t_run "create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vf0=$1 vf1=$2
t_run "vf0: bind to vfio-pci" vfio_bind "$vf0"
t_run "vf1: bind to vfio-pci" vfio_bind "$vf1"
t0=$(date +%s) n=0 bad=0
while [ $(($(date +%s) - t0)) -lt "$secs" ]; do
	n=$((n + 1))
	vfio_check "$vf0" > /dev/null 2>&1 || bad=$((bad + 1))
	vfio_check "$vf1" > /dev/null 2>&1 || bad=$((bad + 1))
	[ $((n % 10)) != 0 ] || t_note "$n rounds, $(($(date +%s) - t0))s"
done
t_note "$n rounds of opening and resetting both VFs in ${secs}s"
t_eq "every open and reset succeeded" "$bad" 0
t_run "vf0: unbind" pci_unbind "$vf0"
t_run "vf1: unbind" pci_unbind "$vf1"
t_run "remove VFs" sriov_remove_vfs
t_end
