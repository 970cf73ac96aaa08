#!/bin/sh
# End to end: a real QEMU 10 runs inside the test VM as the VFIO client (L2)
# and live-migrates a passthrough device to a second L2 QEMU over a unix
# socket.  No guest OS: SeaBIOS assigns the BARs, the test reads and writes
# the device through QEMU's qtest socket and drives migration over QMP.
#
# (a) mtty mdevs (samples/vfio-mdev/mtty, the v2 migration reference):
#     UART registers written on the source must read back on the
#     destination.
# (b) igb VFs (8086:10ca) bound to vfio-pci: ring registers of VF A written
#     on the source must read back on the destination (VF B).  Until the
#     kernel supports migration for the VF, this checks QEMU's clear refusal
#     of enable-migration=on, that passthrough itself works, and reports the
#     migration as SKIP with the reason.
#
# vm-needs makes vm/run put QEMU in the initramfs and give the VM 2G:
# vm-needs: qemu
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

L2_DEV_ADDR=4			# the device's slot on the L2's pcie.0
CF8_DEV=$((0x80000000 | (L2_DEV_ADDR << 11)))
MTTY_UUID_SRC=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
MTTY_UUID_DST=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002
MDEV=/sys/bus/mdev/devices

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

# --- (a) mtty ------------------------------------------------------------------

# UART registers of the mtty port (I/O BAR0): values that a fresh device
# does not have.  LCR (3) keeps DLAB (bit 7) clear; SCR (7) is scratch.
MTTY_REGS="3:0x1b 7:0xa5"

# mtty_write NAME PORT / mtty_check NAME PORT: write MTTY_REGS / compare them.
mtty_write() {
	for _rv in $MTTY_REGS; do
		qtest "/tmp/$1.qt" "outb $(printf 0x%x $(($2 + ${_rv%%:*}))) ${_rv#*:}" || return 1
	done
}
mtty_check() {
	_ok=0
	for _rv in $MTTY_REGS; do
		_v=$(qtest "/tmp/$1.qt" "inb $(printf 0x%x $(($2 + ${_rv%%:*})))") || return 1
		if [ $((_v)) = $((${_rv#*:})) ]; then
			echo "# mtty: $1: reg ${_rv%%:*}: $_v"
		else
			echo "# mtty: $1: reg ${_rv%%:*}: got $_v, want ${_rv#*:}"
			_ok=1
		fi
	done
	return $_ok
}

mdev_create() {
	for _t in /sys/class/mdev_bus/*/mdev_supported_types/mtty-1; do
		echo "$1" > "$_t/create" && return 0
	done
	return 1
}
mdev_remove() { [ ! -e "$MDEV/$1" ] || echo 1 > "$MDEV/$1/remove"; }

t_start=$(date +%s)
t_run "qemu-system-x86_64 runs in the VM" sh -c 'qemu-system-x86_64 --version | head -n 1'
t_run "mtty: load the sample" modprobe mtty
t_run "mtty: create the source mdev" mdev_create $MTTY_UUID_SRC
t_run "mtty: create the destination mdev" mdev_create $MTTY_UUID_DST
probe=$(vfio_mig_probe "$MDEV/$MTTY_UUID_SRC" 2>&1)
t_eq "mtty: kernel reports v2 migration with STOP_COPY" \
	"$(echo "$probe" | grep -c STOP_COPY)" 1
t_note "mtty: $probe"

dev="vfio-pci,sysfsdev=$MDEV/$MTTY_UUID_SRC,enable-migration=on"
t0=$(date +%s)
t_run "mtty: source L2 QEMU starts (enable-migration=on)" qemu_start msrc "$dev"
t_run "mtty: source SeaBIOS assigned the BARs" bios_done msrc
t_note "mtty: L2 up and POST done in $(($(date +%s) - t0))s"
port=$(bar_addr msrc 0)
t_run "mtty: source BAR0 (I/O) assigned" test -n "$port"
t_note "mtty: port at $port"
t_run "mtty: write UART registers on the source" mtty_write msrc "$port"
t_run "mtty: read them back on the source" mtty_check msrc "$port"
dev="vfio-pci,sysfsdev=$MDEV/$MTTY_UUID_DST,enable-migration=on"
t_run "mtty: destination L2 QEMU starts (-incoming defer)" \
	qemu_start mdst "$dev" -incoming defer
t0=$(date +%s)
t_run "mtty: live migration completes" migrate msrc mdst mtty
t_note "mtty: migration took $(($(date +%s) - t0))s of VM time"
t_run "mtty: source reports completed" status_is /tmp/mtty.src-mig completed
t_run "mtty: destination reports completed" status_is /tmp/mtty.dst-mig completed
t_run "mtty: QEMU counted VFIO device bytes" grep -q 'vfio-transferred=[1-9]' /tmp/mtty.src-mig
t_run "mtty: destination L2 is running" running mdst
port=$(bar_addr mdst 0)
t_note "mtty: destination port at $port"
t_run "mtty: UART registers read back on the destination" mtty_check mdst "$port"
qemu_stop msrc
qemu_stop mdst
qemu_log msrc
qemu_log mdst
t_run "mtty: remove the mdevs" sh -c "echo 1 > $MDEV/$MTTY_UUID_SRC/remove && echo 1 > $MDEV/$MTTY_UUID_DST/remove"
t_run "mtty: unload the sample" mod_unload mtty
t_note "mtty part: $(($(date +%s) - t_start))s"
t_start=$(date +%s)

# --- (b) igb VF ----------------------------------------------------------------

# VF BAR0 ring registers (queue 0) and values that survive the write masks
# (RDBAL/TDBAL &~0x1f, RDLEN/TDLEN &0xffff0, heads and tails 16 bits).  TDT
# is left alone: writing it starts transmission.
IGB_REGS="0x2800:0x12345600 0x2804:0x1 0x2808:0x1000 0x2810:0x10 0x2818:0x20
0x3800:0x23456700 0x3804:0x2 0x3808:0x2000 0x3810:0x8"

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

t_run "igb: create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vfa=${1:-} vfb=${2:-}
t_eq "igb: 2 VFs present" "$#" 2
t_run "igb: VF A to vfio-pci" vfio_bind "$vfa"
t_run "igb: VF B to vfio-pci" vfio_bind "$vfb"
t_note "igb: VF A $vfa ($(cat "$PCI/$vfa/vfio_vendor_driver" 2>/dev/null)), VF B $vfb"

probe=$(vfio_mig_probe "$PCI/$vfa" 2>&1)
probe_rc=$?
t_note "igb: VF A: $probe"
t_run "igb: the migration probe gives an answer" test $probe_rc -ne 1

dev="vfio-pci,host=$vfa,enable-migration=on"
if [ $probe_rc = 2 ]; then
	# The kernel has no migration for the VF: QEMU must refuse clearly.
	qemu_start isrc "$dev"
	qemu_stop isrc
	qemu_log isrc
	t_run "igb: QEMU refuses enable-migration=on: not supported in kernel" \
		grep -q 'VFIO migration is not supported in kernel' /tmp/isrc.log
	# Passthrough itself and the register programming work.
	t_run "igb: VF A passthrough without migration starts" \
		qemu_start isrc "vfio-pci,host=$vfa,enable-migration=off"
	t_run "igb: VF A ring registers programmed and read back through qtest" \
		igb_program isrc
	cat /tmp/isrc.regs
	qemu_stop isrc
	qemu_log isrc
	drv="$(pci_driver "$vfa")/$(cat "$PCI/$vfa/vfio_vendor_driver" 2>/dev/null)"
	t_begin "igb: VF live migration A -> B"
	t_skip "kernel has no VFIO migration\
 for 8086:10ca ($drv: VFIO_DEVICE_FEATURE_MIGRATION: ENOTTY)"
elif [ $probe_rc = 0 ]; then
	t_run "igb: source L2 QEMU with VF A starts (enable-migration=on)" qemu_start isrc "$dev"
	t_run "igb: VF A ring registers programmed and read back through qtest" \
		igb_program isrc
	cat /tmp/isrc.regs
	t_run "igb: destination L2 QEMU with VF B starts (-incoming defer)" \
		qemu_start idst "vfio-pci,host=$vfb,enable-migration=on" -incoming defer
	t0=$(date +%s)
	t_run "igb: live migration completes" migrate isrc idst igb
	t_note "igb: migration took $(($(date +%s) - t0))s of VM time"
	t_run "igb: source reports completed" status_is /tmp/igb.src-mig completed
	t_run "igb: destination reports completed" status_is /tmp/igb.dst-mig completed
	t_run "igb: destination L2 is running" running idst
	bar=$(bar_addr idst 0)
	t_note "igb: destination VF BAR0 at $bar"
	t_run "igb: ring registers read back on the destination (VF B)" \
		igb_check idst "$bar"
	qemu_stop isrc
	qemu_stop idst
	qemu_log isrc
	qemu_log idst
else
	t_begin "igb: VF live migration A -> B"
	t_fail "cannot tell whether the kernel supports it: $probe"
fi
t_run "igb: unbind the VFs" sh -c ". /tests/vm/lib.sh; pci_unbind $vfa && pci_unbind $vfb"
t_run "igb: remove VFs" sriov_remove_vfs
t_note "igb part: $(($(date +%s) - t_start))s"

t_end
