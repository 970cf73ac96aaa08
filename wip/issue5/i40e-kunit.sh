#!/bin/sh
# The i40e VF migration KUnit suite (codec, handle, the PF's queue and IRQ
# copy, fake PF/VF back end), run as a module; every test case becomes an
# ok/not ok line.  Needs CONFIG_I40E=m and
# CONFIG_I40E_VF_MIGRATION_KUNIT_TEST=m (issue 5, branch h4), which
# vm/kernel.config does not have yet.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

mod=i40e_vf_mig_test
suite=i40e-vf-mig
res=/sys/kernel/debug/kunit/$suite/results

t_run "$mod: load" modprobe "$mod"
if [ ! -r "$res" ]; then
	t_begin "$suite: results"; t_fail "no $res"
else
	sed 's/^/# /' "$res"
	# KTAP: test cases are indented "ok N name" / "not ok N name".
	sed -n 's/^ *ok [0-9]* \([^ #]*\).*/ok \1/p; s/^ *not ok [0-9]* \([^ #]*\).*/fail \1/p' "$res" |
		grep -v " $suite\$" > /tmp/cases
	t_run "$suite: has test cases" test -s /tmp/cases
	while read -r status name; do
		t_begin "$suite: $name"
		case "$status" in
		ok) t_pass ;;
		*) t_fail "see the KTAP above" ;;
		esac
	done < /tmp/cases
	t_run "$mod: unload" rmmod "$mod"
fi
t_end
