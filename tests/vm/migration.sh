#!/bin/sh
# VFIO migration: runs the series' kselftest vfio_pci_migration_test
# (tools/testing/selftests/vfio/, built into the initramfs by vm/mkinitramfs)
# on two pairs of devices and turns each of its KTAP results into an ok/not
# ok line here ("ok # SKIP reason" for a skipped test):
#   mtty    two mdevs of samples/vfio-mdev/mtty, a v2 migration driver with
#           STOP_COPY, P2P and PRE_COPY: the device independent tests;
#   igb-vf  two 82576 VFs (8086:10ca) bound to vfio-pci, i.e. to the
#           igbvf_vfio vendor driver: every test, the igb ones included;
#   igb-irq one VF with igbvf_vfio.test_irq=1: vfio_pci_dev_irq_test, the
#           device specific IRQ tests.
# The selftest's whole output goes to the console as "# " lines.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

SELFTEST=vfio_pci_migration_test
MTTY_TYPE=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2
MDEV=/sys/bus/mdev/devices
UUID_A=83b8f4f2-509f-382f-3c1e-e6bfe0fa1001
UUID_B=83b8f4f2-509f-382f-3c1e-e6bfe0fa1002

# selftest LABEL DEV_A DEV_B [PROGRAM]: run the selftest (default
# $SELFTEST), one line per KTAP result.
selftest() {
	label=$1 out=/tmp/selftest-$1.out prog=${4:-$SELFTEST}
	t0=$(date +%s)
	VFIO_SELFTEST_DEV_A=$2 VFIO_SELFTEST_DEV_B=$3 VFIO_SELFTEST_IRQ_DEV=$2 \
		"$prog" > "$out" 2>&1
	rc=$?
	t_note "$label: $prog exited $rc after $(($(date +%s) - t0))s; its output:"
	sed 's/^/# /' "$out"
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

if ! command -v "$SELFTEST" > /dev/null; then
	t_begin "$SELFTEST in the initramfs"
	t_skip "not built (the series has no tools/testing/selftests/vfio)"
	t_end
	exit
fi

# --- mtty mdevs -------------------------------------------------------------
t_run "load mtty" modprobe mtty
t_run "mtty: create mdev A" sh -c "echo $UUID_A > $MTTY_TYPE/create"
t_run "mtty: create mdev B" sh -c "echo $UUID_B > $MTTY_TYPE/create"
t_run "mtty: mdevs have IOMMU groups" \
	test -e "$MDEV/$UUID_A/iommu_group" -a -e "$MDEV/$UUID_B/iommu_group"
selftest mtty "$UUID_A" "$UUID_B"
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
t_run "vf0: unbind" pci_unbind "$vf0"
t_run "vf1: unbind" pci_unbind "$vf1"
t_run "unload the vendor module" mod_unload igbvf_vfio

# --- device specific IRQs: the igb VF sample's test IRQ ---------------------
if command -v vfio_pci_dev_irq_test > /dev/null; then
	t_run "load the vendor module with test_irq=1" modprobe igbvf_vfio test_irq=1
	t_run "vf0: bind to vfio-pci (test IRQ)" vfio_bind "$vf0"
	selftest igb-irq "$vf0" "" vfio_pci_dev_irq_test
	t_run "vf0: unbind (test IRQ)" pci_unbind "$vf0"
	t_run "unload the vendor module (test IRQ)" mod_unload igbvf_vfio
fi
t_run "remove VFs" sriov_remove_vfs

t_end
