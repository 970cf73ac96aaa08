#!/bin/sh
# Benchmarks (never part of the tests): bind latency of an igb VF through
# vfio-pci with vendor driver lookup (vendor module already loaded) against
# plain vfio-pci, as a ratio from one VM run; saving a VF's state through the
# migration region against the v2 data_fd; what trapping BAR pages through
# the region-layout IRQ costs.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

ROUNDS=${ROUNDS:-50}
sriov_create_vfs 1 || exit 1
vf=$(igb_vfs | head -n 1)
modprobe vfio-pci && modprobe igbvf_vfio || exit 1
echo "BENCH bind latency, $ROUNDS rounds each, VF $vf (TCG guest: absolute times are slow, compare the ratio)"
bind_latency "$vf" "$ROUNDS" | sed 's/^/BENCH /'

# Saving the same device state through the migration region against the
# v2 data_fd (igb VF sample with migration), and the state's size.
modprobe vfio_iommu_type1 || exit 1
vfio_bind "$vf" || exit 1
echo "BENCH migration: save through the region vs data_fd, VF $vf"
mig_bench "$vf" "${MIG_ROUNDS:-200}" > /tmp/mig_bench.out 2>&1
rc=$?
sed 's/^/BENCH /' /tmp/mig_bench.out
[ "$rc" = 0 ] || exit $rc

# Trapping (the sample traps BAR0 pages 0x2000-0x3fff in PRE_COPY once the
# user enabled the region-layout IRQ): MMIO to an untrapped page with
# trapping on against off, and a trapped write against a mapped one.
echo "BENCH trapping: region-layout IRQ, VF $vf"
trap_bench "$vf" "${TRAP_ROUNDS:-9}" "${TRAP_OPS:-20000}" > /tmp/trap_bench.out 2>&1
rc=$?
sed 's/^/BENCH /' /tmp/trap_bench.out
exit $rc
