#!/bin/sh
# VFIO migration: runs the series' kselftests (tools/testing/selftests/vfio/,
# built into the initramfs by vm/mkinitramfs) and turns each of their KTAP
# results into an ok/not ok line here (a skip for a skipped
# test):
#   mtty       vfio_pci_migration_test on two mdevs of samples/vfio-mdev/mtty,
#              a v2 migration driver with STOP_COPY, P2P and PRE_COPY: the
#              device independent tests (mtty is no vfio-pci device: no
#              migration region, no 82576 registers, so those tests are
#              left out by name);
#   igb-vf     vfio_pci_migration_test on two 82576 VFs (8086:10ca) bound to
#              vfio-pci, i.e. to the igbvf_vfio vendor driver: every test,
#              the igb ones included (the region-layout IRQ is left unused,
#              as QEMU 10 does);
#   igb-layout vfio_pci_layout_irq_test on the same two VFs: the
#              region-layout IRQ and BAR trapping while saving, its misuse,
#              and a save with trapping in force resumed on the other VF;
#   igb-irq    with igbvf_vfio.test_irq=1, so that the VF has both the
#              region-layout IRQ and the sample's two test IRQs (loopback,
#              and a timer's that signals whether the VF is open or not):
#              vfio_pci_dev_irq_test (the device specific IRQ tests, finding
#              the test IRQs by type) on one VF, and igb-irq-layout,
#              vfio_pci_layout_irq_test again on both.
# The selftests' whole output goes to the console as "# " lines.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

SELFTEST=vfio_pci_migration_test
MTTY_TYPE=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2
MDEV=/sys/bus/mdev/devices
UUID_A=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
UUID_B=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002

# The tests of vfio_pci_migration_test that need vfio-pci devices (the
# migration region) or 82576 VFs.
NOT_MTTY="region_layout region_device_state region_save_resume region_to_datafd
	datafd_to_region igb_registers_datafd igb_registers_region igb_fuzz igb_resets"

# --- mtty mdevs -------------------------------------------------------------
t_run "load mtty" modprobe mtty
t_run "mtty: create mdev A" sh -c "echo $UUID_A > $MTTY_TYPE/create"
t_run "mtty: create mdev B" sh -c "echo $UUID_B > $MTTY_TYPE/create"
t_run "mtty: mdevs have IOMMU groups" \
	test -e "$MDEV/$UUID_A/iommu_group" -a -e "$MDEV/$UUID_B/iommu_group"
# shellcheck disable=SC2046  # one word per option
selftest mtty "$UUID_A" "$UUID_B" "$SELFTEST" $(for t in $NOT_MTTY; do echo "-T $t"; done)
t_run "mtty: remove mdev A" sh -c "echo 1 > $MDEV/$UUID_A/remove"
t_run "mtty: remove mdev B" sh -c "echo 1 > $MDEV/$UUID_B/remove"
t_run "unload mtty" mod_unload mtty

# --- igb VFs ----------------------------------------------------------------
t_run "create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vf0=$1 vf1=$2
t_eq "2 VFs present" "$#" 2
t_run "vf0: bind to vfio-pci" vfio_bind "$vf0"
t_run "vf1: bind to vfio-pci" vfio_bind "$vf1"
t_note "vendor driver: $(cat "$PCI/$vf0/vfio_vendor_driver" 2>/dev/null)"
selftest igb-vf "$vf0" "$vf1"
selftest igb-layout "$vf0" "$vf1" vfio_pci_layout_irq_test
# A data_fd kept open while its device is closed and the VF unbound (the
# vfio_device then lives on the data_fd's reference alone) fails cleanly:
# ENODEV/EINVAL, and nothing for KASAN or kmemleak.  The VF is bound again.
vfio_datafd_outlive "$PCI/$vf0" > /tmp/outlive 2>&1
rc=$?
sed 's/^/# /' /tmp/outlive
t_eq "vf0: a data_fd outliving its device and driver fails cleanly" "$rc" 0
t_run "vf0: bind to vfio-pci again" vfio_bind "$vf0"
t_run "vf0: unbind" pci_unbind "$vf0"
t_run "vf1: unbind" pci_unbind "$vf1"
t_run "unload the vendor module" mod_unload igbvf_vfio

# --- device specific IRQs: the igb VF sample's test IRQ ---------------------
t_run "load the vendor module with test_irq=1" modprobe igbvf_vfio test_irq=1
t_run "vf0: bind to vfio-pci (test IRQ)" vfio_bind "$vf0"
t_run "vf1: bind to vfio-pci (test IRQ)" vfio_bind "$vf1"
selftest igb-irq "$vf0" "" vfio_pci_dev_irq_test
selftest igb-irq-layout "$vf0" "$vf1" vfio_pci_layout_irq_test
t_run "vf0: unbind (test IRQ)" pci_unbind "$vf0"
t_run "vf1: unbind (test IRQ)" pci_unbind "$vf1"
t_run "unload the vendor module (test IRQ)" mod_unload igbvf_vfio
t_run "remove VFs" sriov_remove_vfs

t_end
