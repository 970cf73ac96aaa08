#!/bin/sh
# The i40e VF live migration code, without XL710 hardware (none is
# available to this project: nothing here touches an XL710).
#  - the PF side's KUnit suite (i40e-vf-mig): the stream codec, the
#    migration handle over a fake PF/VF back end, the PF's copy of a VF's
#    queue and IRQ configuration, admin-setting mismatches, the restore's
#    VF reset, and over 10,000 malformed, truncated, oversized and mutated
#    streams rejected with nothing applied; it prints the stream sizes for
#    4 and 16 queue pairs (a measurement, not a pass condition);
#  - the vendor driver i40e_vf_migration: modinfo shows its
#    vfio-pci:8086-154c alias; it loads (pulling in i40e and vfio-pci) and
#    unloads; with it loaded, neither an igb VF (8086:10ca) nor QEMU's edu
#    device (1234:11e8, another vendor) bound to vfio-pci reaches its probe
#    (plain vfio-pci, the module not pinned, never named in the log);
#  - the vendor driver's KUnit suites over the same fake back end: the v2
#    state machine (i40e-vfio-sm) and the dirty tracking (i40e-vfio-log).
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

MOD=i40e_vf_migration
NAME=i40e-vf-migration

loaded() { grep -q "^$1 " /proc/modules; }
vendor_of() { cat "$PCI/$1/vfio_vendor_driver" 2>/dev/null || echo "(no attribute)"; }

kunit_suite i40e_vf_mig_test i40e-vf-mig
# The suite's figures (sizes: a measurement, not a pass condition).
grep -h 'queue pairs:\|streams rejected\|random mutations' /tmp/kunit-results |
	sed 's/^ *# [a-z_]*: *//' > /tmp/figures
while read -r l; do t_figure "i40e-vf-mig: $l"; done < /tmp/figures

t_eq "modinfo: $MOD declares its alias" \
	"$(modinfo -F alias "$MOD")" "vfio-pci:8086-154c"
t_run "modprobe $MOD" modprobe "$MOD"
t_run "$MOD pulled in i40e" loaded i40e
t_run "$MOD pulled in vfio_pci" loaded vfio_pci

t_run "create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vf0=$1
dmesg -c > /dev/null
t_run "igb VF: bind to vfio-pci with $MOD loaded" vfio_bind "$vf0"
t_run_fails "igb VF: not driven by $NAME" \
	sh -c "[ \"$(vendor_of "$vf0")\" = $NAME ]"
t_eq "igb VF: $MOD not pinned" "$(cat /sys/module/$MOD/refcnt)" 0
t_run_fails "igb VF: the log never names $NAME" sh -c "dmesg | grep -qF $NAME"
t_run "igb VF: unbind" pci_unbind "$vf0"
t_run "remove VFs" sriov_remove_vfs
# A device of another vendor: QEMU's edu (1234:11e8).
edu=$(pci_find 1234 11e8)
dmesg -c > /dev/null
t_run "edu: bind to vfio-pci with $MOD loaded" vfio_bind "$edu"
t_run_fails "edu: not driven by $NAME" \
	sh -c "[ \"$(vendor_of "$edu")\" = $NAME ]"
t_eq "edu: $MOD not pinned" "$(cat /sys/module/$MOD/refcnt)" 0
t_run_fails "edu: the log never names $NAME" sh -c "dmesg | grep -qF $NAME"
t_run "edu: unbind" pci_unbind "$edu"

kunit_suite i40e_vfio_sm_test i40e-vfio-sm
kunit_suite i40e_vfio_log_test i40e-vfio-log
t_run "rmmod $MOD" mod_unload "$MOD"
t_end
