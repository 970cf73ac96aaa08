# In-VM test helpers (busybox sh).  Source it from a test script:
#   . /tests/vm/lib.sh
#   t_begin "name"; if something; then t_pass; else t_fail "why"; fi
#   t_run "name" cmd args...      # pass iff cmd exits 0
#   t_skip "why"                  # instead of t_pass/t_fail: did not run
#   t_figure "what: value"        # a measurement: printed, not a test
#   ...
#   t_end                         # prints "N passed, N failed, N skipped",
#                                 # returns 0 iff none failed or skipped
# Results are TAP lines: "ok N - name" / "not ok N - name # msg"
# ("ok N - name # SKIP why" from t_skip, counted as a skip, not a pass).
# shellcheck shell=sh

T_N=0 T_PASSED=0 T_FAILED=0 T_SKIPPED=0 T_NAME='' T_OPEN=0

t_begin() {
	[ "$T_OPEN" = 0 ] || t_fail "no result"
	T_N=$((T_N + 1)) T_NAME=$1 T_OPEN=1
}

t_pass() {
	echo "ok $T_N - $T_NAME"
	T_PASSED=$((T_PASSED + 1)) T_OPEN=0
}

# t_skip REASON: the open test did not run: a skip, not a pass.
t_skip() {
	echo "ok $T_N - $T_NAME # SKIP ${1:-skipped}"
	T_SKIPPED=$((T_SKIPPED + 1)) T_OPEN=0
}

t_fail() {
	echo "not ok $T_N - $T_NAME # ${1:-failed}"
	T_FAILED=$((T_FAILED + 1)) T_OPEN=0
}

# t_run NAME CMD...: one test that passes iff CMD succeeds.
t_run() {
	t_begin "$1"; shift
	if "$@"; then t_pass; else t_fail "exit $?: $*"; fi
}

# t_run_fails NAME CMD...: one test that passes iff CMD fails.
t_run_fails() {
	t_begin "$1"; shift
	if "$@"; then t_fail "unexpected success: $*"; else t_pass; fi
}

# t_eq NAME GOT WANT
t_eq() {
	t_begin "$1"
	if [ "$2" = "$3" ]; then t_pass; else t_fail "got '$2', want '$3'"; fi
}

t_end() {
	[ "$T_OPEN" = 0 ] || t_fail "no result"
	echo "1..$T_N"
	echo "$T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
	[ "$T_FAILED" = 0 ] && [ "$T_SKIPPED" = 0 ] && [ "$T_N" -gt 0 ]
}

# Log a message as a TAP comment.
t_note() { echo "# $*"; }

# t_figure TEXT: a measurement, printed as a figure of the run (tools/test
# lists them), never a pass condition.
t_figure() { echo "# figure: $*"; }

# kunit_suite MODULE SUITE: load MODULE (a KUnit test module: its suites
# run at load), print SUITE's KTAP as comments (kept in /tmp/kunit-results),
# report every test case as an ok/not ok line, then unload MODULE.
kunit_suite() {
	res=/sys/kernel/debug/kunit/$2/results
	t_run "$1: load" modprobe "$1"
	if [ ! -r "$res" ]; then
		t_begin "$2: results"; t_fail "no $res"; return
	fi
	cp "$res" /tmp/kunit-results
	sed 's/^/# /' "$res"
	# KTAP: test cases are indented "ok N name" / "not ok N name".
	sed -n 's/^ *ok [0-9]* \([^ #]*\) # SKIP\(.*\)/skip \1\2/p; t
		s/^ *ok [0-9]* \([^ #]*\).*/ok \1/p; s/^ *not ok [0-9]* \([^ #]*\).*/fail \1/p' "$res" |
		grep -v "^[a-z]* $2\$" > /tmp/kunit-cases
	t_run "$2: has test cases" test -s /tmp/kunit-cases
	while read -r status name why; do
		t_begin "$2: $name"
		case "$status" in
		ok) t_pass ;;
		skip) t_skip "${why:-skipped}" ;;
		*) t_fail "see the KTAP above" ;;
		esac
	done < /tmp/kunit-cases
	t_run "$1: unload" rmmod "$1"
}

# mod_unload MODULE...: rmmod each (in order), after the modules that hold
# it, and check it is gone.  (busybox "modprobe -r" fails when a dependency
# it tries to remove is still in use.)
mod_unload() {
	for m in "$@"; do
		grep -q "^$m " /proc/modules || continue
		for h in "/sys/module/$m/holders"/*; do
			[ -e "$h" ] || continue
			(mod_unload "${h##*/}") || return 1	# subshell: keeps $m
		done
		rmmod "$m" || return 1
		! grep -q "^$m " /proc/modules || { echo "$m still loaded"; return 1; }
	done
}

# --- PCI helpers ---------------------------------------------------------

PCI=/sys/bus/pci/devices

# pci_find VENDOR DEVICE: BDFs of the matching functions (hex, no 0x), sorted.
# (Shell builtins only: every fork is slow in a TCG guest with debug options.)
pci_find() {
	for d in "$PCI"/*; do
		if read -r v < "$d/vendor" && read -r i < "$d/device" &&
			[ "$v:$i" = "0x$1:0x$2" ]; then
			echo "${d##*/}"
		fi
	done
}

# pci_driver BDF: name of the bound driver, empty if none.
pci_driver() {
	if [ -e "$PCI/$1/driver" ]; then
		l=$(readlink "$PCI/$1/driver") && echo "${l##*/}"
	fi
	return 0
}

# igb_pf: BDF of the first igb (82576) PF.
igb_pf() { pci_find 8086 10c9 | head -n 1; }

# igb_vfs: BDFs of the igb VFs.
igb_vfs() { pci_find 8086 10ca; }

# sriov_create_vfs [N]: create N (default 2) VFs on the igb PF, without
# probing drivers for them.
sriov_create_vfs() {
	pf=$(igb_pf)
	[ -n "$pf" ] || { echo "no igb PF (8086:10c9)"; return 1; }
	[ -n "$(pci_driver "$pf")" ] || modprobe igb || return 1
	echo 0 > "$PCI/$pf/sriov_drivers_autoprobe" &&
		echo 0 > "$PCI/$pf/sriov_numvfs" &&
		echo "${1:-2}" > "$PCI/$pf/sriov_numvfs"
}

# sriov_remove_vfs: remove all VFs of the igb PF.
sriov_remove_vfs() {
	pf=$(igb_pf)
	[ -n "$pf" ] && echo 0 > "$PCI/$pf/sriov_numvfs"
}

# pci_unbind BDF: unbind from its driver (if any) and clear driver_override.
pci_unbind() {
	if [ -e "$PCI/$1/driver" ]; then
		echo "$1" > "$PCI/$1/driver/unbind" || return 1
	fi
	echo > "$PCI/$1/driver_override"
}

# vfio_bind BDF [DRIVER]: bind to DRIVER (default vfio-pci) through
# driver_override + drivers_probe.
vfio_bind() {
	drv=${2:-vfio-pci}
	[ -d "/sys/bus/pci/drivers/$drv" ] || modprobe "$drv" || return 1
	if [ -e "$PCI/$1/driver" ]; then
		echo "$1" > "$PCI/$1/driver/unbind" || return 1
	fi
	echo "$drv" > "$PCI/$1/driver_override" &&
		echo "$1" > /sys/bus/pci/drivers_probe || return 1
	[ "$(pci_driver "$1")" = "$drv" ] || {
		echo "$1: bound to '$(pci_driver "$1")', not $drv"
		return 1
	}
}

# A kselftest that runs longer than this is stuck (each takes under a
# minute in the test VM; the harness' own per-test timeouts end a test
# stuck in user space): it is killed and fails, after its tasks' kernel
# stacks and those of every blocked task are printed, so that a test stuck
# in the kernel is reported as where it is stuck rather than as a VM timeout.
SELFTEST_LIMIT=${SELFTEST_LIMIT:-180}

# watch_pid PID SECONDS: wait for PID to end; 1 if it is still running after
# SECONDS.
watch_pid() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		[ "$n" -lt "$2" ] || return 1
		sleep 1
		n=$((n + 1))
	done
}

# tree_pids PID: PID and its descendants (a kselftest forks one child per test).
tree_pids() {
	echo "$1"
	for st in /proc/[0-9]*/stat; do
		read -r p _ _ pp _ < "$st" 2>/dev/null || continue
		[ "$pp" = "$1" ] && tree_pids "$p"
	done
}

# dump_tasks PID: state, wait channel and kernel stack of PID's tasks and of
# every task in uninterruptible sleep ("D").
dump_tasks() {
	pids=" $(tree_pids "$1" | tr '\n' ' ')"
	for d in /proc/[0-9]*; do
		read -r p comm st _ < "$d/stat" 2>/dev/null || continue
		case $pids in *" $p "*) ;; *) [ "$st" = D ] || continue ;; esac
		t_note "task $p $comm state $st wchan $(cat "$d/wchan" 2>/dev/null)"
		sed 's/^/#   /' "$d/stack" 2>/dev/null
	done
}

# kill_tree PID: SIGKILL PID and its descendants; wait (up to 10 s) for them.
# A task that does not die (stuck in the kernel) is left behind.
kill_tree() {
	pids=$(tree_pids "$1")
	# shellcheck disable=SC2086  # one word per PID
	kill -9 $pids 2>/dev/null
	n=0
	for p in $pids; do
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 10 ]; do
			sleep 1
			n=$((n + 1))
		done
	done
	kill -0 "$1" 2>/dev/null || wait "$1" 2>/dev/null
}

# selftest LABEL DEV_A DEV_B [PROGRAM [ARG...]]: run a kselftest of the
# series (default $SELFTEST) with VFIO_SELFTEST_DEV_A/B (and
# VFIO_SELFTEST_IRQ_DEV) naming the devices and ARGs (the harness' own
# filters: "-T fixture.test" leaves out a test that is not for these
# devices), its whole output on the console as "# " lines, and one ok/not
# ok line here per KTAP result (a skip for a skipped test), plus one for
# the whole plan.
selftest() {
	label=$1 out=/tmp/selftest-$1.out prog=${4:-$SELFTEST}
	dev_a=$2 dev_b=$3
	shift 3
	[ $# = 0 ] || shift
	t0=$(date +%s)
	VFIO_SELFTEST_DEV_A=$dev_a VFIO_SELFTEST_DEV_B=$dev_b VFIO_SELFTEST_IRQ_DEV=$dev_a \
		"$prog" "$@" > "$out" 2>&1 &
	pid=$!
	if watch_pid "$pid" "$SELFTEST_LIMIT"; then
		wait "$pid"
		rc=$?
	else
		t_note "$label: $prog still running after ${SELFTEST_LIMIT}s:" \
			"the tasks of the test and every blocked task"
		dump_tasks "$pid"
		kill_tree "$pid"
		rc=124
	fi
	t_note "$label: $prog exited $rc after $(($(date +%s) - t0))s; its output:"
	sed 's/^/# /' "$out"
	[ "$rc" != 124 ] || {
		t_begin "$label: $prog ends within ${SELFTEST_LIMIT}s"
		t_fail "killed; task stacks above"
	}
	plan='' n=0 detail='' more=0
	while IFS= read -r line; do
		case $line in
		'#  RUN '*)
			detail='' more=0 ;;
		'# '*.c:[0-9]*:*)
			# "FILE:LINE:TEST:MSG": the first failed check and the
			# message the test logs right after it
			msg=${line#*.c:[0-9]*:*:}
			case $msg in
			Expected*)
				[ -n "$detail" ] || { detail=$msg more=1; } ;;
			*)
				[ "$more" = 0 ] || detail="$msg ($detail)"
				more=0 ;;
			esac ;;
		1..*)
			plan=${line#1..} ;;
		'ok '*|'not ok '*)
			n=$((n + 1))
			res=${line%% *}
			[ "$res" = not ] && rest=${line#not ok } || rest=${line#ok }
			rest=${rest#* }			# drop the number
			name=${rest%% # *}
			t_begin "$label: $name"
			case $rest in
			*' # SKIP '*) t_skip "${rest#* # SKIP }" ;;
			*) if [ "$res" = ok ]; then t_pass; else t_fail "${detail:-see the log}"; fi ;;
			esac
			detail='' ;;
		esac
	done < "$out"
	t_begin "$label: $prog ran its whole plan"
	if [ -n "$plan" ] && [ "$n" = "$plan" ] && [ "$rc" -le 1 ]; then
		t_pass
	else
		t_fail "plan '$plan', $n results, exit $rc"
	fi
}
