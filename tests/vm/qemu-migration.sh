#!/bin/sh
# End to end: a real QEMU 10 runs inside the test VM as the VFIO client (L2)
# and live-migrates a passthrough device to a second L2 QEMU over a unix
# socket.  No guest OS: SeaBIOS assigns the BARs, the test reads and writes
# the device through QEMU's qtest socket and drives migration over QMP.
#
# (a) mtty mdevs (samples/vfio-mdev/mtty, the v2 migration reference):
#     UART registers written on the source must read back on the
#     destination.
# (b) igb VFs (8086:10ca) bound to vfio-pci, i.e. to the 82576 VF sample
#     (igbvf_vfio): ring registers of VF A written on the source must read
#     back on the destination (VF B).  QEMU 10 uses the sample's device
#     dirty tracking but not the region-layout IRQ: the backward
#     compatibility check.
#
# vm-needs makes vm/run put QEMU in the initramfs and give the VM 2G:
# vm-needs: qemu
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh
# shellcheck source=tests/vm/qemu-lib.sh
. /tests/vm/qemu-lib.sh

MTTY_UUID_SRC=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
MTTY_UUID_DST=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002
MDEV=/sys/bus/mdev/devices

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
t_eq "igb: the kernel reports v2 migration for VF A" "$probe_rc" 0

dev="vfio-pci,host=$vfa,$IGB_MIGOPTS"
t_run "igb: source L2 QEMU with VF A starts (enable-migration=on)" qemu_start isrc "$dev"
t_run "igb: VF A ring registers programmed and read back through qtest" \
	igb_program isrc
cat /tmp/isrc.regs
t_run "igb: destination L2 QEMU with VF B starts (-incoming defer)" \
	qemu_start idst "vfio-pci,host=$vfb,$IGB_MIGOPTS" -incoming defer
t0=$(date +%s)
t_run "igb: live migration completes" migrate isrc idst igb
t_note "igb: migration took $(($(date +%s) - t0))s of VM time"
t_run "igb: source reports completed" status_is /tmp/igb.src-mig completed
t_run "igb: destination reports completed" status_is /tmp/igb.dst-mig completed
t_run "igb: destination L2 is running" running idst
bar=$(bar_addr idst 0) || bar=
t_note "igb: destination VF BAR0 at ${bar:-(none)}"
t_begin "igb: ring registers read back on the destination (VF B)"
if [ -z "$bar" ]; then
	t_fail "no BAR0 on the destination"
elif igb_check idst "$bar" > /tmp/idst.regs 2>&1; then
	cat /tmp/idst.regs
	t_pass
else
	cat /tmp/idst.regs
	t_fail "registers differ (above)"
fi
qemu_stop isrc
qemu_stop idst
qemu_log isrc
qemu_log idst
t_run "igb: unbind the VFs" sh -c ". /tests/vm/lib.sh; pci_unbind $vfa && pci_unbind $vfb"
t_run "igb: remove VFs" sriov_remove_vfs
t_note "igb part: $(($(date +%s) - t_start))s"

t_end
