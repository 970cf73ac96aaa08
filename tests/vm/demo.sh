#!/bin/sh
# The README's demo, in plain words: an igb VF bound to vfio-pci gets its
# vendor driver, loaded on demand by its module alias; then a QEMU 10 inside
# this VM live-migrates a passthrough VF to a second QEMU holding the other
# VF.
#
# vm-needs: qemu
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh
# shellcheck source=tests/vm/qemu-lib.sh
. /tests/vm/qemu-lib.sh

say() { echo "DEMO $*"; }
pf=$(igb_pf)
say "An Intel 82576 (igb) network card is at $pf. Creating 2 SR-IOV virtual functions..."
sriov_create_vfs 2 || exit 1
vf=$(igb_vfs | head -n 1)
say "VF $vf is there: PCI ID $(cut -c3- "$PCI/$vf/vendor"):$(cut -c3- "$PCI/$vf/device"), no driver yet."
if grep -q '^igbvf_vfio ' /proc/modules; then
	say "(unexpected: igbvf_vfio is already loaded)"; exit 1
fi
say "The vendor module igbvf_vfio is NOT loaded. Binding the VF to vfio-pci, as an admin would:"
say "  echo vfio-pci > /sys/bus/pci/devices/$vf/driver_override"
say "  echo $vf > /sys/bus/pci/drivers_probe"
dmesg -c > /dev/null
vfio_bind "$vf" || exit 1
say "Now the VF's driver is: $(pci_driver "$vf")"
say "vfio-pci asked the kernel for module alias vfio-pci:8086-10ca, which loaded:"
say "  $(grep '^igbvf_vfio ' /proc/modules || echo 'nothing (FAILED)')"
say "Which vendor driver is behind the device (sysfs):"
say "  /sys/bus/pci/devices/$vf/vfio_vendor_driver = $(cat "$PCI/$vf/vfio_vendor_driver")"
say "Kernel log of the bind:"
dmesg | grep 'vendor driver' | sed 's/^/DEMO   /'
say "Opening the VF through VFIO (iommufd cdev path) and reading it:"
vfio_check --cdev "$vf" | grep -E '^(device\.|region0\.|irq)' | head -n 8 | sed 's/^/DEMO   /'
say "While the VF is bound, the vendor module cannot be removed:"
rmmod igbvf_vfio 2>&1 | sed 's/^/DEMO   /'
pci_unbind "$vf"
rmmod igbvf_vfio && say "After unbinding the VF, rmmod igbvf_vfio succeeds."
[ "$(cat "$PCI/$vf/vendor")" = 0x8086 ] && ! grep -q '^igbvf_vfio ' /proc/modules || exit 1

# --- live migration of a passthrough VF with QEMU 10 ---------------------------
set -- $(igb_vfs)
vfa=$1 vfb=$2
say ""
say "Live migration.  Binding both VFs to vfio-pci ($vfa = A, $vfb = B)..."
modprobe vfio_iommu_type1 && vfio_bind "$vfa" && vfio_bind "$vfb" || exit 1
say "The kernel reports for VF A: $(vfio_mig_probe "$PCI/$vfa" 2>&1)"
say "Starting QEMU 10 (source) with VF A passed through:"
say "  qemu-system-x86_64 ... -device vfio-pci,host=$vfa,$IGB_MIGOPTS"
qemu_start src "vfio-pci,host=$vfa,$IGB_MIGOPTS" || { qemu_log src; exit 1; }
igb_program src || { cat /tmp/src.regs; exit 1; }
say "Programmed VF A's queue 0 registers through the guest's view of BAR0 ($bar):"
sed -n 's/^# igb: src: \(0x[0-9a-f]*\): 0x0*\([0-9a-f]\)/DEMO   reg \1 = 0x\2/p' /tmp/src.regs
say "Starting QEMU 10 (destination) with VF B, waiting for the migration..."
qemu_start dst "vfio-pci,host=$vfb,$IGB_MIGOPTS" -incoming defer || { qemu_log dst; exit 1; }
if ! migrate src dst demo; then
	qemu_log src; qemu_log dst; exit 1
fi
say "QEMU (source) reports: $(tail -n 1 /tmp/demo.src-mig)"
say "QEMU (destination) reports: $(tail -n 1 /tmp/demo.dst-mig)"
say "  downtime: $(sed -n 's/.* downtime=\([0-9]*\).*/\1/p' /tmp/demo.src-mig) ms," \
	"VF state moved by vfio: $(sed -n 's/.*vfio-transferred=\([0-9]*\).*/\1/p' /tmp/demo.src-mig) bytes"
bar=$(bar_addr dst 0) || exit 1
say "Reading the same registers in the destination guest, now on VF B:"
igb_check dst "$bar" > /tmp/dst.regs; rc=$?
sed -n 's/^# igb: dst: \(0x[0-9a-f]*\): 0x0*\([0-9a-f]\)/DEMO   reg \1 = 0x\2/p; s/^# igb: dst: \(.*got.*\)/DEMO   \1/p' /tmp/dst.regs
if [ $rc = 0 ]; then
	say "All of them arrived intact: VF A's state now lives in VF B."
else
	say "MISMATCH: the state did not arrive intact."
fi
qemu_stop src
qemu_stop dst
pci_unbind "$vfa"
pci_unbind "$vfb"
exit $rc
