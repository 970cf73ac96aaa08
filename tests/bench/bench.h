/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VFIO benchmarks share: a fatal error, a clock, opening a device
 * through its group and a type1 container, setting a v2 migration state,
 * and the median of a round's samples.  Header only (static inline): each
 * benchmark is one static program built by vm/mkinitramfs.
 */
#ifndef VFIO_BENCH_H
#define VFIO_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

/* Print "PROGRAM: message[: strerror(errno)]" and exit 1. */
static inline void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, err ? ": %s\n" : "\n", strerror(err));
	exit(1);
}

static inline double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The device file of the vfio-pci device BDF (group + type1v2 container). */
static inline int open_device(const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[256], link[256];
	int container, group, fd;
	ssize_t n;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("open /dev/vfio/vfio");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("readlink %s", path);
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	group = open(path, O_RDWR);
	if (group < 0)
		die("open %s", path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("container setup");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	return fd;
}

/* v2: set device @dev's migration state; returns the data_fd or -1. */
static inline int set_state(int dev, uint32_t state)
{
	uint64_t b[(sizeof(struct vfio_device_feature) +
		    sizeof(struct vfio_device_feature_mig_state) + 7) / 8] = {};
	struct vfio_device_feature *f = (void *)b;
	struct vfio_device_feature_mig_state *m = (void *)f->data;

	f->argsz = sizeof(b);
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE;
	m->device_state = state;
	if (ioctl(dev, VFIO_DEVICE_FEATURE, f))
		die("set state %u", state);
	return m->data_fd;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of @v[0..@n) (sorts @v). */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* VFIO_BENCH_H */
