// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_datafd_outlive: a migration data_fd that outlives its device.
 *
 *   vfio_datafd_outlive SYSFS-DEVICE      (/sys/bus/pci/devices/BDF)
 *
 * Opens the device through its group and a type1 container, enters
 * PRE_COPY (the driver must offer it) and reads from the data_fd; then
 * closes the device, the group and the container, unbinds the device from
 * its driver, and uses the data_fd it still holds: read() must fail with
 * ENODEV and VFIO_MIG_GET_PRECOPY_INFO with EINVAL or ENODEV, neither
 * reaching freed memory (KASAN in the test VM reports it if they do).
 * Closing the data_fd then releases the device.  The device is left
 * unbound.  Prints what it did; exits 0 iff every step went as expected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static void die(const char *what)
{
	fprintf(stderr, "vfio_datafd_outlive: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_mig_state st;
	} f = { .hdr = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
	}, .st = { .device_state = VFIO_DEVICE_STATE_PRE_COPY } };
	struct vfio_precopy_info info = { .argsz = sizeof(info) };
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char link[PATH_MAX], path[PATH_MAX + 32], dev[PATH_MAX], *bdf;
	int container, group, fd, data_fd, ret, bad = 0;
	char buf[64];
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: vfio_datafd_outlive SYSFS-DEVICE\n");
		return 2;
	}
	snprintf(dev, sizeof(dev), "%s", argv[1]);
	bdf = basename(dev);
	snprintf(path, sizeof(path), "%s/iommu_group", argv[1]);
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
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs) ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");

	if (ioctl(fd, VFIO_DEVICE_FEATURE, &f))
		die("set PRE_COPY");
	data_fd = f.st.data_fd;
	n = read(data_fd, buf, sizeof(buf));
	if (n <= 0)
		die("read in PRE_COPY");
	printf("PRE_COPY: read %zd bytes from the data_fd\n", n);

	close(fd);
	close(group);
	close(container);
	snprintf(path, sizeof(path), "%s/driver/unbind", argv[1]);
	write_file(path, bdf);
	snprintf(path, sizeof(path), "%s/driver", argv[1]);
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "vfio_datafd_outlive: %s still bound\n", bdf);
		return 1;
	}
	printf("device closed and %s unbound, data_fd still open\n", bdf);

	n = read(data_fd, buf, sizeof(buf));
	printf("read: %zd (%s)\n", n, n < 0 ? strerror(errno) : "no error");
	if (n != -1 || errno != ENODEV)
		bad = 1;
	ret = ioctl(data_fd, VFIO_MIG_GET_PRECOPY_INFO, &info);
	printf("VFIO_MIG_GET_PRECOPY_INFO: %d (%s)\n", ret,
	       ret ? strerror(errno) : "no error");
	if (ret != -1 || (errno != EINVAL && errno != ENODEV))
		bad = 1;
	close(data_fd);
	printf("data_fd closed: %s\n", bad ? "UNEXPECTED RESULTS" : "ok");
	return bad;
}
