// SPDX-License-Identifier: GPL-2.0
/*
 * mig_bench: save the same device state through the v2 data_fd and through
 * the migration region (VFIO_REGION_TYPE_MIGRATION_DEPRECATED), interleaved,
 * and print the bytes per save and the throughput ratio.
 *
 *   mig_bench BDF ROUNDS
 *
 * The device must be bound to vfio-pci with a driver that offers v2
 * migration and the migration region.  A "save" is the whole stop-and-copy
 * from the running device: enter STOP_COPY, read the stream to its end,
 * return to RUNNING; the data-only figures time just the reads.  Also
 * prints the bytes a save moves in PRE_COPY and in STOP_COPY.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include "bench.h"

#define CHUNK (64 * 1024)

static int dev;
static uint64_t mig_off;	/* offset of the migration region */
static unsigned char buf[CHUNK];

/* Find the migration region; returns 0 if there is none. */
static int find_mig_region(void)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	unsigned int i;

	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &di))
		die("VFIO_DEVICE_GET_INFO");
	for (i = VFIO_PCI_NUM_REGIONS; i < di.num_regions; i++) {
		char ribuf[4096];
		struct vfio_region_info *ri = (void *)ribuf;
		struct vfio_info_cap_header *h;
		uint32_t off;

		memset(ribuf, 0, sizeof(ribuf));
		ri->argsz = sizeof(ribuf);
		ri->index = i;
		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri))
			die("VFIO_DEVICE_GET_REGION_INFO %u", i);
		if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
			continue;
		for (off = ri->cap_offset; off; off = h->next) {
			struct vfio_region_info_cap_type *t = (void *)(ribuf + off);

			h = &t->header;
			if (h->id == VFIO_REGION_INFO_CAP_TYPE &&
			    t->type == VFIO_REGION_TYPE_MIGRATION_DEPRECATED &&
			    t->subtype == VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED) {
				mig_off = ri->offset;
				printf("migration region: index %u, %llu bytes, mmap %s\n",
				       i, (unsigned long long)ri->size,
				       ri->flags & VFIO_REGION_INFO_FLAG_MMAP ?
				       "offered" : "not offered");
				return 1;
			}
		}
	}
	return 0;
}

/* Read a data_fd until its end (or the pre-copy end, ENOMSG). */
static uint64_t drain(int fd)
{
	uint64_t total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0 && errno != ENOMSG)
		die("read data_fd");
	return total;
}

static void reg_rw(int write, uint64_t off, void *p, size_t len)
{
	ssize_t n = write ? pwrite(dev, p, len, mig_off + off) :
			    pread(dev, p, len, mig_off + off);

	if (n != (ssize_t)len)
		die("migration region %s at %llu", write ? "write" : "read",
		    (unsigned long long)off);
}

static void region_state(uint32_t state)
{
	reg_rw(1, offsetof(struct vfio_device_migration_info, device_state),
	       &state, sizeof(state));
}

/* v1: read chunks until pending_bytes is 0. */
static uint64_t region_drain(void)
{
	uint64_t pending, off, size, total = 0;

	for (;;) {
		reg_rw(0, offsetof(struct vfio_device_migration_info, pending_bytes),
		       &pending, sizeof(pending));
		if (!pending)
			return total;
		reg_rw(0, offsetof(struct vfio_device_migration_info, data_offset),
		       &off, sizeof(off));
		reg_rw(0, offsetof(struct vfio_device_migration_info, data_size),
		       &size, sizeof(size));
		if (size > sizeof(buf))
			die("data_size %llu", (unsigned long long)size);
		reg_rw(0, off, buf, size);
		total += size;
	}
}

int main(int argc, char **argv)
{
	double *fd_all, *fd_data, *rg_all, *rg_data, t0, t1;
	uint64_t fd_bytes = 0, rg_bytes = 0, pre, stop;
	int rounds, i, fd;

	if (argc != 3)
		die("usage: mig_bench BDF ROUNDS");
	rounds = atoi(argv[2]);
	if (rounds < 1)
		die("bad ROUNDS");
	dev = open_device(argv[1]);
	if (!find_mig_region()) {
		errno = 0;
		die("the device has no migration region");
	}
	fd_all = calloc(rounds, sizeof(double));
	fd_data = calloc(rounds, sizeof(double));
	rg_all = calloc(rounds, sizeof(double));
	rg_data = calloc(rounds, sizeof(double));
	if (!fd_all || !fd_data || !rg_all || !rg_data)
		die("calloc");

	/* Bytes per save: PRE_COPY (initial data), then STOP_COPY. */
	fd = set_state(dev, VFIO_DEVICE_STATE_PRE_COPY);
	pre = drain(fd);
	set_state(dev, VFIO_DEVICE_STATE_STOP_COPY);
	stop = drain(fd);
	close(fd);
	set_state(dev, VFIO_DEVICE_STATE_RUNNING);
	printf("state bytes per save: pre-copy %llu, stop-copy after pre-copy %llu\n",
	       (unsigned long long)pre, (unsigned long long)stop);

	for (i = 0; i < rounds; i++) {
		uint64_t n;

		t0 = now_us();
		fd = set_state(dev, VFIO_DEVICE_STATE_STOP_COPY);
		t1 = now_us();
		n = drain(fd);
		fd_data[i] = now_us() - t1;
		close(fd);
		set_state(dev, VFIO_DEVICE_STATE_RUNNING);
		fd_all[i] = now_us() - t0;
		fd_bytes = n;

		t0 = now_us();
		region_state(VFIO_DEVICE_STATE_V1_SAVING);
		t1 = now_us();
		n = region_drain();
		rg_data[i] = now_us() - t1;
		region_state(VFIO_DEVICE_STATE_V1_RUNNING);
		rg_all[i] = now_us() - t0;
		rg_bytes = n;
	}
	if (fd_bytes != rg_bytes) {
		errno = 0;
		die("data_fd saved %llu bytes, the region %llu",
		    (unsigned long long)fd_bytes, (unsigned long long)rg_bytes);
	}
	printf("state bytes per save: stop-copy from running %llu\n",
	       (unsigned long long)fd_bytes);
	printf("save (RUNNING -> STOP_COPY -> read all -> RUNNING), %d rounds, median us: data_fd %.0f, region %.0f\n",
	       rounds, median(fd_all, rounds), median(rg_all, rounds));
	printf("data only (reads), median us: data_fd %.0f, region %.0f\n",
	       median(fd_data, rounds), median(rg_data, rounds));
	printf("ratio region/data_fd throughput, whole save = %.2f  (goal >= 0.8)\n",
	       median(fd_all, rounds) / median(rg_all, rounds));
	printf("ratio region/data_fd throughput, data only = %.2f\n",
	       median(fd_data, rounds) / median(rg_data, rounds));
	return 0;
}
