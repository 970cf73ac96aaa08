# Helpers for in-VM tests that run QEMU inside the test VM (L2): start and
# stop L2 QEMUs, reach a passthrough device through qtest and QMP, migrate.
# Source it after lib.sh; such a test needs "vm-needs: qemu" in its header.
# shellcheck shell=sh

L2_DEV_ADDR=4			# the device's slot on the L2's pcie.0
CF8_DEV=$((0x80000000 | (L2_DEV_ADDR << 11)))
MIG_DOWNTIME_MS=60000		# see migrate()

# --- L2 QEMU helpers ---------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	read -r _ _ st _ < "/proc/$1/stat" 2>/dev/null && [ "$st" != Z ]
}

# qemu_start NAME DEVICE [QEMU-ARGS...]: start an L2 QEMU with DEVICE on
# 00:04.0, QMP on /tmp/NAME.qmp, qtest on /tmp/NAME.qt, SeaBIOS's debug
# console in /tmp/NAME.bios, stdout/stderr in /tmp/NAME.log.  Returns once
# QMP answers (QEMU realized its devices), 1 if QEMU exited first.
qemu_start() {
	_n=$1 _d=$2; shift 2
	rm -f "/tmp/$_n.qmp" "/tmp/$_n.qt" "/tmp/$_n.bios"
	qemu-system-x86_64 -machine q35 -accel tcg -nodefaults -display none \
		-m 64M -qmp "unix:/tmp/$_n.qmp,server=on,wait=off" \
		-qtest "unix:/tmp/$_n.qt,server=on,wait=off" -qtest-log none \
		-chardev "file,id=bios,path=/tmp/$_n.bios" \
		-device isa-debugcon,iobase=0x402,chardev=bios \
		-device "$_d,bus=pcie.0,addr=$L2_DEV_ADDR" "$@" \
		> "/tmp/$_n.log" 2>&1 &
	eval "pid_$_n=$!"
	while [ ! -S "/tmp/$_n.qmp" ]; do
		alive "$(eval echo "\$pid_$_n")" || break
		sleep 0.1
	done
	qmp -t 60 "/tmp/$_n.qmp" query-status > "/tmp/$_n.status" 2>&1
}

# qemu_wait NAME: reap QEMU NAME (after it quit or failed); its exit status.
qemu_wait() {
	eval "_p=\${pid_$1:-}"
	[ -n "$_p" ] || return 0
	eval "pid_$1="
	wait "$_p"
}

# qemu_stop NAME: quit QEMU NAME (kill it if QMP does not work) and reap it.
qemu_stop() {
	eval "_p=\${pid_$1:-}"
	[ -n "$_p" ] || return 0
	if alive "$_p"; then
		qmp -t 20 "/tmp/$1.qmp" quit > /dev/null 2>&1 || kill -9 "$_p"
	fi
	qemu_wait "$1"
}

# qemu_log NAME: QEMU's own output, as TAP comments.
qemu_log() { sed "s/^/# $1: /" "/tmp/$1.log"; }

# bios_done NAME: SeaBIOS finished POST (BARs assigned), wait up to 120 s.
bios_done() {
	_i=0
	while ! grep -q 'No bootable device' "/tmp/$1.bios" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -le 1200 ] || { echo "$1: SeaBIOS did not finish"; return 1; }
		sleep 0.1
	done
}

# cfg_rd NAME REG / cfg_wr NAME REG VAL: config dword of the L2's 00:04.0.
cfg_rd() {
	qtest "/tmp/$1.qt" "outl 0xcf8 $(printf 0x%x $((CF8_DEV | $2)))" "inl 0xcfc"
}
cfg_wr() {
	qtest "/tmp/$1.qt" "outl 0xcf8 $(printf 0x%x $((CF8_DEV | $2)))" "outl 0xcfc $3"
}

# bar_addr NAME BAR: the address SeaBIOS gave BAR (0-5) of 00:04.0; also
# turns on I/O and memory decoding in COMMAND if SeaBIOS left them off.
bar_addr() {
	_reg=$((0x10 + 4 * $2))
	_lo=$(cfg_rd "$1" $_reg) || return 1
	if [ $((_lo & 1)) = 1 ]; then
		_a=$((_lo & ~3))
	elif [ $((_lo & 6)) = 4 ]; then
		_hi=$(cfg_rd "$1" $((_reg + 4))) || return 1
		_a=$(((_hi << 32) | (_lo & ~0xf)))
	else
		_a=$((_lo & ~0xf))
	fi
	[ "$_a" != 0 ] || { echo "$1: BAR$2 not assigned ($_lo)"; return 1; }
	_cmd=$(cfg_rd "$1" 4) || return 1
	[ $((_cmd & 3)) = 3 ] || cfg_wr "$1" 4 $(((_cmd & 0xffff) | 3)) || return 1
	printf '0x%x\n' "$_a"
}

# migrate SRC DST TAG: migrate QEMU SRC into QEMU DST (started with
# -incoming defer) over /tmp/mig-TAG.sock; QEMU's numbers in
# /tmp/TAG.src-mig and /tmp/TAG.dst-mig.  Succeeds iff both sides report
# "completed".
migrate() {
	rm -f "/tmp/mig-$3.sock"
	_uri="\"arguments\": {\"uri\": \"unix:/tmp/mig-$3.sock\"}"
	qmp "/tmp/$2.qmp" "{\"execute\": \"migrate-incoming\", $_uri}" \
		> /dev/null || return 1
	# A passthrough VF without device dirty tracking makes the IOMMU
	# report every pinned guest page dirty in every pass (correct, but
	# pre-copy never converges): allow the whole RAM in the downtime.
	qmp "/tmp/$1.qmp" "{\"execute\": \"migrate-set-parameters\",\
 \"arguments\": {\"downtime-limit\": $MIG_DOWNTIME_MS}}" > /dev/null || return 1
	qmp -t 120 "/tmp/$1.qmp" "{\"execute\": \"migrate\", $_uri}" \
		wait-migration > "/tmp/$3.src-mig" 2>&1
	_rc=$?
	qmp -t 60 "/tmp/$2.qmp" wait-migration > "/tmp/$3.dst-mig" 2>&1 || _rc=1
	t_note "$3: source: $(tail -n 1 "/tmp/$3.src-mig")"
	t_note "$3: destination: $(tail -n 1 "/tmp/$3.dst-mig")"
	return $_rc
}

# status_is FILE STATUS: the wait-migration line in FILE has status=STATUS.
status_is() { grep -qE "^status=$2( |\$)" "$1"; }

# running NAME: the L2 runs (after migration, on the destination).
running() { qmp "/tmp/$1.qmp" query-status | grep -q '"status": "running"'; }

# VF BAR0 ring registers (queue 0) and values that survive the write masks
# (RDBAL/TDBAL &~0x1f, RDLEN/TDLEN &0xffff0, heads and tails 16 bits).  TDT
# is left alone: writing it starts transmission.
IGB_REGS="0x2800:0x12345600 0x2804:0x1 0x2808:0x1000 0x2810:0x10 0x2818:0x20
0x3800:0x23456700 0x3804:0x2 0x3808:0x2000 0x3810:0x8"

# vfio-pci options of a migratable igb VF in L2.  QEMU's igb VF has its
# MSI-X table at offset 0 of BAR3, and QEMU 10 then asks the IOMMU for the
# dirty bitmap of the rest of that BAR, a RAM-device section that is not
# page aligned and that it never DMA-mapped: EINVAL, and the migration fails
# in ram_save_setup.  Moving the MSI-X table to a BAR of its own
# (x-msix-relocation) leaves BAR3 page aligned.
IGB_MIGOPTS="enable-migration=on,x-msix-relocation=bar2"

# igb_write NAME BAR / igb_check NAME BAR: write IGB_REGS / compare them.
igb_write() {
	for _rv in $IGB_REGS; do
		qtest "/tmp/$1.qt" "writel $(printf 0x%x $(($2 + ${_rv%%:*}))) ${_rv#*:}" || return 1
	done
}
igb_check() {
	_ok=0
	for _rv in $IGB_REGS; do
		_v=$(qtest "/tmp/$1.qt" "readl $(printf 0x%x $(($2 + ${_rv%%:*})))") || return 1
		if [ $((_v)) = $((${_rv#*:})) ]; then
			echo "# igb: $1: ${_rv%%:*}: $_v"
		else
			echo "# igb: $1: ${_rv%%:*}: got $_v, want ${_rv#*:}"
			_ok=1
		fi
	done
	return $_ok
}

# igb_program NAME: wait for SeaBIOS, find the VF's BAR0 (in $bar), program
# and check the ring registers.
igb_program() {
	bios_done "$1" && bar=$(bar_addr "$1" 0) &&
		echo "# igb: $1: VF BAR0 at $bar" > "/tmp/$1.regs" &&
		igb_write "$1" "$bar" && igb_check "$1" "$bar" >> "/tmp/$1.regs"
}

