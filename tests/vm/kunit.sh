#!/bin/sh
# Run the series' KUnit suites as modules and report each test case.
# shellcheck source=tests/vm/lib.sh
. /tests/vm/lib.sh

kunit_suite vfio_pci_vendor_test vfio-pci-vendor
kunit_suite vfio_pci_mig_region_test vfio-pci-mig-region
t_end
