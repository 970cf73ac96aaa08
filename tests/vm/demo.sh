#!/bin/sh
# The README's demo, in plain words: an igb VF bound to vfio-pci gets its
# vendor driver, loaded on demand by its module alias.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

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
[ "$(cat "$PCI/$vf/vendor")" = 0x8086 ] && ! grep -q '^igbvf_vfio ' /proc/modules
