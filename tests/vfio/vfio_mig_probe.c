// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_mig_probe: does the kernel support VFIO migration for a device?
 *
 *   vfio_mig_probe SYSFS-DEVICE     (/sys/bus/pci/devices/BDF or
 *                                    /sys/bus/mdev/devices/UUID)
 *
 * Opens the device through its group and a type1 container and asks
 * VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION.  Exit status:
 *   0  supported: prints "migration flags=0xN STOP_COPY P2P PRE_COPY";
 *   1  the device could not be opened or asked (the error is printed);
 *   2  usage error;
 *   3  unsupported, the driver has no migration ops (ENOTTY): prints
 *      "migration unsupported: <errno text>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static void die(const char *what)
{
	fprintf(stderr, "vfio_mig_probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_migration mig;
	} f = { .hdr = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
	} };
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char link[PATH_MAX], path[PATH_MAX + 32], dev[PATH_MAX];
	int container, group, fd;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio_mig_probe SYSFS-DEVICE\n");
		return 2;
	}
	snprintf(dev, sizeof(dev), "%s", argv[1]);
	snprintf(path, sizeof(path), "%s/iommu_group", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die(path);
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("/dev/vfio/vfio");
	group = open(path, O_RDWR);
	if (group < 0)
		die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st) < 0)
		die("VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		die("group not viable");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		die("VFIO_SET_IOMMU");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, basename(dev));
	if (fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");

	if (ioctl(fd, VFIO_DEVICE_FEATURE, &f) < 0) {
		if (errno != ENOTTY)
			die("VFIO_DEVICE_FEATURE_MIGRATION");
		printf("migration unsupported: %s\n", strerror(errno));
		return 3;
	}
	printf("migration flags=0x%llx%s%s%s\n", (unsigned long long)f.mig.flags,
	       f.mig.flags & VFIO_MIGRATION_STOP_COPY ? " STOP_COPY" : "",
	       f.mig.flags & VFIO_MIGRATION_P2P ? " P2P" : "",
	       f.mig.flags & VFIO_MIGRATION_PRE_COPY ? " PRE_COPY" : "");
	close(fd);
	close(group);
	close(container);
	return 0;
}
