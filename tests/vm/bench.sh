#!/bin/sh
# Benchmarks (never part of the tests): bind latency of an igb VF through
# vfio-pci with vendor driver lookup (vendor module already loaded) against
# plain vfio-pci, as a ratio from one VM run.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

ROUNDS=${ROUNDS:-50}
sriov_create_vfs 1 || exit 1
vf=$(igb_vfs | head -n 1)
modprobe vfio-pci && modprobe igbvf_vfio || exit 1
echo "BENCH bind latency, $ROUNDS rounds each, VF $vf (TCG guest: absolute times are slow, compare the ratio)"
bind_latency "$vf" "$ROUNDS" | sed 's/^/BENCH /'
