#!/bin/sh
# Run the series' KUnit suites as modules and report each test case.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

# suite MODULE SUITE: load MODULE (its suites run at load), report SUITE.
suite() {
	res=/sys/kernel/debug/kunit/$2/results
	t_run "$1: load" modprobe "$1"
	if [ ! -r "$res" ]; then
		t_begin "$2: results"; t_fail "no $res"; return
	fi
	sed 's/^/# /' "$res"
	# KTAP: test cases are indented "ok N name" / "not ok N name".
	sed -n 's/^ *ok [0-9]* \([^ #]*\).*/ok \1/p; s/^ *not ok [0-9]* \([^ #]*\).*/fail \1/p' "$res" |
		grep -v " $2\$" > /tmp/cases
	t_run "$2: has test cases" test -s /tmp/cases
	while read -r status name; do
		t_begin "$2: $name"
		case "$status" in
		ok) t_pass ;;
		*) t_fail "see the KTAP above" ;;
		esac
	done < /tmp/cases
	t_run "$1: unload" rmmod "$1"
}

suite vfio_pci_vendor_test vfio-pci-vendor
t_end
