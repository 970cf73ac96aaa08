#!/bin/sh
# vfio-pci vendor drivers: auto-load by alias, pinning, fallback to plain
# vfio-pci, admin control, and identical behaviour with and without a
# vendor driver.  Uses samples/vfio-pci/igbvf_vfio (8086:10ca).
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

VENDOR_MOD=igbvf_vfio
VENDOR_NAME=igbvf-vfio
PARAM=/sys/module/vfio_pci/parameters/disable_vendor_drivers

loaded() { grep -q "^$1 " /proc/modules; }
vendor_of() { cat "$PCI/$1/vfio_vendor_driver" 2>/dev/null || echo "(no attribute)"; }
refcnt() { cat "/sys/module/$1/refcnt"; }
# dmesg_has TEXT: the kernel log has a line containing TEXT since the mark.
dmesg_mark() { dmesg -c > /dev/null; }
dmesg_has() { dmesg | grep -qF "$1"; }

# summary BDF FILE: vfio_check over both access paths into FILE.
summary() {
	{ vfio_check "$1" && vfio_check --cdev "$1"; } > "$2"
}
# num_irqs SUMMARY: the device's IRQ count in it.
num_irqs() { sed -n 's/^device.num_irqs=//p' "$1" | sort -u; }
# irq_fields SUMMARY N: IRQ N's fields, sorted, on one line.
irq_fields() { grep "^irq$2\." "$1" | sort -u | tr '\n' ' '; }
# drop_last_irq SUMMARY N OUT: SUMMARY as if it had no IRQ N, its last.
drop_last_irq() {
	sed -e "/^irq$2\./d" -e "s/^device.num_irqs=$(($2 + 1))\$/device.num_irqs=$2/" \
		"$1" > "$3"
}
LAYOUT_IRQ5="irq5.count=1 irq5.flags=0x1f irq5.regions=0 irq5.subtype=0x1 irq5.type=0x1 "

t_run "create 2 VFs" sriov_create_vfs 2
# shellcheck disable=SC2046  # one word per VF
set -- $(igb_vfs)
vf0=$1 vf1=$2
t_eq "2 VFs present" "$#" 2
t_run_fails "$VENDOR_MOD not loaded before the first bind" loaded "$VENDOR_MOD"
t_run "vfio-pci loaded" modprobe vfio-pci
t_eq "modinfo: the sample declares its alias" \
	"$(modinfo -F alias "$VENDOR_MOD")" "vfio-pci:8086-10ca"

# --- auto-load and sysfs ---------------------------------------------------
dmesg_mark
t_run "vf0: bind to vfio-pci" vfio_bind "$vf0"
t_run "vf0: $VENDOR_MOD loaded by request_module through its alias" loaded "$VENDOR_MOD"
t_eq "vf0: sysfs names the vendor driver" "$(vendor_of "$vf0")" "$VENDOR_NAME"
t_run "vf0: the bind is logged with the module" \
	dmesg_has "driven by vendor driver $VENDOR_NAME (module $VENDOR_MOD)"
t_eq "vf0: the bound VF pins the vendor module" "$(refcnt "$VENDOR_MOD")" 1
t_run "vf0: vfio_check through the vendor driver" summary "$vf0" /tmp/vendor.sum

# --- pinning ---------------------------------------------------------------
t_run_fails "rmmod $VENDOR_MOD fails while a VF is bound" rmmod "$VENDOR_MOD"
t_run "$VENDOR_MOD still loaded" loaded "$VENDOR_MOD"
t_run "vf0: unbind" pci_unbind "$vf0"
t_eq "unbind drops the pin" "$(refcnt "$VENDOR_MOD")" 0
t_run_fails "rmmod vfio_pci fails while a vendor driver is registered" rmmod vfio_pci
t_run "vfio_pci still loaded" loaded vfio_pci
t_run "rmmod $VENDOR_MOD after unbind" rmmod "$VENDOR_MOD"
t_run "rmmod vfio_pci once no vendor driver is registered" rmmod vfio_pci
t_run "reload vfio-pci" modprobe vfio-pci

# --- fallbacks -------------------------------------------------------------
t_run "load $VENDOR_MOD with decline=1" modprobe "$VENDOR_MOD" decline=1
t_run "vf0: bind with the vendor driver declining" vfio_bind "$vf0"
t_eq "vf0: declined -> plain vfio-pci" "$(vendor_of "$vf0")" none
t_eq "vf0: a declining driver is not pinned" "$(refcnt "$VENDOR_MOD")" 0
t_run "vf0: vfio_check as plain vfio-pci" summary "$vf0" /tmp/declined.sum
t_run "vf0: unbind" pci_unbind "$vf0"
echo 0 > "/sys/module/$VENDOR_MOD/parameters/decline"

t_run "disable_vendor_drivers=1" sh -c "echo 1 > $PARAM"
dmesg_mark
t_run "vf1: bind with vendor drivers disabled" vfio_bind "$vf1"
t_eq "vf1: disabled -> plain vfio-pci" "$(vendor_of "$vf1")" none
t_run_fails "vf1: no vendor line in the log" dmesg_has "driven by vendor driver"
t_run "vf1: vfio_check as plain vfio-pci" summary "$vf1" /tmp/disabled.sum
t_run "disable_vendor_drivers=0" sh -c "echo 0 > $PARAM"
t_eq "vf1: a bound device keeps its driver when the parameter flips" \
	"$(vendor_of "$vf1")" none
t_run "vf0: bind with vendor drivers enabled again" vfio_bind "$vf0"
t_eq "vf0: vendor driver again" "$(vendor_of "$vf0")" "$VENDOR_NAME"

# Same userspace view through the vendor ops and through plain vfio-pci,
# except for what the vendor driver adds on purpose: the migration region
# (VFIO_REGION_TYPE_MIGRATION_DEPRECATED/1), the first index after the nine
# fixed vfio-pci regions, and the region-layout IRQ
# (VFIO_IRQ_TYPE_REGION_LAYOUT/1, listing BAR0), the only IRQ after the
# five fixed vfio-pci ones.
t_eq "vendor: region 9 is the migration region" \
	"$(sed -n 's/^region9.type=//p' /tmp/vendor.sum | sort -u)" 0x3
t_eq "vendor: the migration region is region 9, subtype 1" \
	"$(sed -n 's/^region9.subtype=//p' /tmp/vendor.sum | sort -u)" 0x1
sed -e '/^region9\./d' -e 's/^device.num_regions=10$/device.num_regions=9/' \
	/tmp/vendor.sum > /tmp/vendor-nomig.sum
t_eq "vendor: exactly one extra IRQ" "$(num_irqs /tmp/vendor.sum)" 6
t_eq "vendor: IRQ 5 is the region-layout IRQ for BAR0" \
	"$(irq_fields /tmp/vendor.sum 5)" "$LAYOUT_IRQ5"
drop_last_irq /tmp/vendor-nomig.sum 5 /tmp/vendor-noirq.sum
mv /tmp/vendor-noirq.sum /tmp/vendor-nomig.sum
t_run "vendor and declined summaries identical" diff /tmp/vendor-nomig.sum /tmp/declined.sum
t_run "vendor and disabled summaries identical" diff /tmp/vendor-nomig.sum /tmp/disabled.sum

# With test_irq=1 (read at open) the sample offers its two test IRQs
# (Intel vendor type 0x80008086: subtype 1, two interrupts, maskable and
# automasked; subtype 2, one interrupt its timer signals) as well, after the
# region-layout IRQ; nothing else changes.
t_run "test_irq=1" sh -c "echo 1 > /sys/module/$VENDOR_MOD/parameters/test_irq"
t_run "vf0: vfio_check with the test IRQs" summary "$vf0" /tmp/testirq.sum
echo 0 > "/sys/module/$VENDOR_MOD/parameters/test_irq"
t_eq "test_irq: three extra IRQs" "$(num_irqs /tmp/testirq.sum)" 8
t_eq "test_irq: IRQ 5 is still the region-layout IRQ for BAR0" \
	"$(irq_fields /tmp/testirq.sum 5)" "$LAYOUT_IRQ5"
t_eq "test_irq: IRQ 6 is the loopback test IRQ" "$(irq_fields /tmp/testirq.sum 6)" \
	"irq6.count=2 irq6.flags=0x1f irq6.subtype=0x1 irq6.type=0x80008086 "
t_eq "test_irq: IRQ 7 is the timer's test IRQ" "$(irq_fields /tmp/testirq.sum 7)" \
	"irq7.count=1 irq7.flags=0x1f irq7.subtype=0x2 irq7.type=0x80008086 "
drop_last_irq /tmp/testirq.sum 7 /tmp/testirq-7.sum
drop_last_irq /tmp/testirq-7.sum 6 /tmp/testirq-less.sum
t_run "test_irq: otherwise the same summary" diff /tmp/vendor.sum /tmp/testirq-less.sum

# --- devices without a vendor driver ----------------------------------------
edu=$(pci_find 1234 11e8)
e1000e=$(pci_find 8086 10d3)
t_run "edu: bind to vfio-pci" vfio_bind "$edu"
t_eq "edu: no vendor driver" "$(vendor_of "$edu")" none
t_run "edu: vfio_check" summary "$edu" /tmp/edu.sum
t_run "e1000e: bind to vfio-pci" vfio_bind "$e1000e"
t_eq "e1000e (Intel, no vendor driver for it): none" "$(vendor_of "$e1000e")" none
t_run "e1000e: vfio_check" summary "$e1000e" /tmp/e1000e.sum
t_run_fails "igd_pt (IGD sample) not loaded for Intel NICs" loaded igd_pt
t_run "e1000e: unbind" pci_unbind "$e1000e"
t_run "edu: unbind" pci_unbind "$edu"
t_eq "the attribute goes away with the binding" "$(vendor_of "$edu")" "(no attribute)"

# --- devices bound while vfio-pci itself loads --------------------------------
t_run "vf0, vf1: unbind" sh -c ". /tests/vm/lib.sh; pci_unbind $vf0 && pci_unbind $vf1"
t_run "unload the vendor module and vfio_pci" mod_unload "$VENDOR_MOD" vfio_pci
echo vfio-pci > "$PCI/$vf0/driver_override"
dmesg_mark
t0=$(date +%s)
t_run "vf0: claimed by vfio-pci's own module load" modprobe vfio-pci
t_eq "vf0: bound to vfio-pci" "$(pci_driver "$vf0")" vfio-pci
t_run "vf0: no wait for a module that cannot load yet" test $(($(date +%s) - t0)) -lt 10
t_eq "vf0: no vendor lookup during vfio-pci's load" "$(vendor_of "$vf0")" none
t_run "vf0: the skipped lookup is logged" dmesg_has "bound while vfio-pci loads"
t_run "vf0: binding again gets the vendor driver" \
	sh -c ". /tests/vm/lib.sh; pci_unbind $vf0 && vfio_bind $vf0"
t_eq "vf0: vendor driver after rebind" "$(vendor_of "$vf0")" "$VENDOR_NAME"
t_run "vf0: unbind" pci_unbind "$vf0"
t_run "unload the vendor module" mod_unload "$VENDOR_MOD"
t_run "remove VFs" sriov_remove_vfs

t_end
