#!/bin/sh
# The i40e VF migration vendor driver without XL710 hardware (issue 5,
# branch h4; not wired into tools/test yet).  Needs CONFIG_I40E=m,
# CONFIG_I40E_VF_MIGRATION=m and CONFIG_I40E_VF_MIGRATION_KUNIT_TEST=m,
# which vm/kernel.config does not have yet.
#  - modinfo shows the vfio-pci:8086-154c alias; the module loads (pulling
#    in i40e and vfio-pci) and unloads;
#  - with it loaded, an igb VF (8086:10ca) bound to vfio-pci never goes to
#    it: its id table does not match, so its probe is never called;
#  - the state machine's KUnit suite (i40e-vfio-sm) and the dirty
#    tracking's (i40e-vfio-log), one line per case.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

MOD=i40e_vf_migration
NAME=i40e-vf-migration
TEST_MOD=i40e_vfio_sm_test
SUITE=i40e-vfio-sm

loaded() { grep -q "^$1 " /proc/modules; }
vendor_of() { cat "$PCI/$1/vfio_vendor_driver" 2>/dev/null || echo "(no attribute)"; }
refcnt() { cat "/sys/module/$1/refcnt"; }

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
t_eq "igb VF: $MOD not pinned" "$(refcnt "$MOD")" 0
t_run_fails "igb VF: the log never names $NAME" sh -c "dmesg | grep -qF $NAME"
t_run "igb VF: unbind" pci_unbind "$vf0"

# One KUnit module per suite; every test case becomes an ok/not ok line.
run_suite() {
	test_mod=$1 suite=$2
	res=/sys/kernel/debug/kunit/$suite/results
	t_run "$test_mod: load" modprobe "$test_mod"
	if [ ! -r "$res" ]; then
		t_begin "$suite: results"; t_fail "no $res"
		return
	fi
	sed 's/^/# /' "$res"
	sed -n 's/^ *ok [0-9]* \([^ #]*\).*/ok \1/p; s/^ *not ok [0-9]* \([^ #]*\).*/fail \1/p' "$res" |
		grep -v " $suite\$" > /tmp/sm-cases
	t_run "$suite: has test cases" test -s /tmp/sm-cases
	while read -r status name; do
		t_begin "$suite: $name"
		case "$status" in
		ok) t_pass ;;
		*) t_fail "see the KTAP above" ;;
		esac
	done < /tmp/sm-cases
	t_run "$test_mod: unload" rmmod "$test_mod"
}

run_suite "$TEST_MOD" "$SUITE"
run_suite i40e_vfio_log_test i40e-vfio-log
t_run "rmmod $MOD" rmmod "$MOD"
t_end
