// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_check: open a PCI device through VFIO and print a stable summary.
 *
 *   vfio_check [--cdev] BDF
 *
 * Default path: group + container (VFIO_TYPE1v2_IOMMU).  --cdev: the device
 * cdev /dev/vfio/devices/vfioX bound to /dev/iommu and attached to an IOAS.
 * Output is one key=value per line, with nothing that differs between runs
 * or between two functions of the same kind (no BDF, fds, addresses), so
 * two runs can be compared with diff.  Any failure exits non-zero.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define DMA_IOVA 0x100000ULL
#define DMA_SIZE 0x1000ULL

static const char *bdf;
static int dev;				/* device fd */
static uint64_t cfg_off = UINT64_MAX;	/* offset of the config region */
static uint64_t cfg_size;		/* and its size: 256 or 4096 */

static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "vfio_check: %s: ", bdf ? bdf : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", err ? strerror(err) : "failed");
	exit(1);
}

static int xopen(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

static void xioctl(int fd, unsigned long req, void *arg, const char *name)
{
	errno = 0;
	if (ioctl(fd, req, arg) < 0)
		die("%s", name);
}

/* Legacy path: container + group, returns the device fd. */
static int open_legacy(void)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	char path[256], link[256];
	const char *grp;
	ssize_t n;
	void *buf;
	int container, group, fd;

	container = xopen("/dev/vfio/vfio", O_RDWR);
	errno = 0;
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION");
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		die("no VFIO_TYPE1v2_IOMMU (is vfio_iommu_type1 loaded?)");

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("readlink %s", path);
	link[n] = 0;
	grp = strrchr(link, '/') + 1;
	snprintf(path, sizeof(path), "/dev/vfio/%s", grp);
	group = xopen(path, O_RDWR);

	xioctl(group, VFIO_GROUP_GET_STATUS, &st, "VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = 0;
		die("group %s not viable (all its devices must be bound to vfio)", grp);
	}
	xioctl(group, VFIO_GROUP_SET_CONTAINER, &container, "VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		die("VFIO_SET_IOMMU");
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");

	/* One page of DMA mapping through the IOMMU. */
	buf = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap dma buffer");
	map.vaddr = (uintptr_t)buf;
	map.iova = DMA_IOVA;
	map.size = DMA_SIZE;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	xioctl(container, VFIO_IOMMU_MAP_DMA, &map, "VFIO_IOMMU_MAP_DMA");
	unmap.iova = DMA_IOVA;
	unmap.size = DMA_SIZE;
	xioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap, "VFIO_IOMMU_UNMAP_DMA");
	if (unmap.size != DMA_SIZE) {
		errno = 0;
		die("VFIO_IOMMU_UNMAP_DMA unmapped 0x%llx bytes",
		    (unsigned long long)unmap.size);
	}
	munmap(buf, DMA_SIZE);
	printf("path=legacy\n");
	return fd;
}

/* cdev path: /dev/vfio/devices/vfioX + iommufd, returns the device fd. */
static int open_cdev(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	char path[320], name[256] = "";
	struct dirent *de;
	void *buf;
	DIR *d;
	int iommufd, fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
	d = opendir(path);
	if (!d)
		die("opendir %s (no vfio cdev?)", path);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4))
			snprintf(name, sizeof(name), "%s", de->d_name);
	closedir(d);
	if (!name[0]) {
		errno = ENOENT;
		die("no vfio cdev under %s", path);
	}
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = xopen(path, O_RDWR);
	iommufd = xopen("/dev/iommu", O_RDWR);

	bind.iommufd = iommufd;
	xioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind, "VFIO_DEVICE_BIND_IOMMUFD");
	xioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc, "IOMMU_IOAS_ALLOC");
	attach.pt_id = alloc.out_ioas_id;
	xioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach,
	       "VFIO_DEVICE_ATTACH_IOMMUFD_PT");

	buf = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap dma buffer");
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = DMA_SIZE;
	map.iova = DMA_IOVA;
	xioctl(iommufd, IOMMU_IOAS_MAP, &map, "IOMMU_IOAS_MAP");
	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = DMA_IOVA;
	unmap.length = DMA_SIZE;
	xioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap, "IOMMU_IOAS_UNMAP");
	munmap(buf, DMA_SIZE);
	printf("path=cdev\n");
	return fd;
}

static uint32_t cfg_read(unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	if (pread(dev, &v, len, cfg_off + off) != (ssize_t)len)
		die("config read at 0x%x", off);
	return v;
}

static void cfg_write16(unsigned int off, uint16_t v)
{
	if (pwrite(dev, &v, 2, cfg_off + off) != 2)
		die("config write at 0x%x", off);
}

/*
 * Region info, re-fetched with room for the capability chain.  NULL when the
 * device lacks the region (vfio-pci: EINVAL, e.g. VGA on a non-VGA device).
 */
static struct vfio_region_info *region_info(unsigned int index)
{
	struct vfio_region_info *ri = calloc(1, sizeof(*ri));

	if (!ri)
		die("calloc");
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
		if (errno != EINVAL)
			die("VFIO_DEVICE_GET_REGION_INFO %u", index);
		free(ri);
		return NULL;
	}
	if (ri->argsz > sizeof(*ri)) {
		uint32_t argsz = ri->argsz;

		ri = realloc(ri, argsz);
		if (!ri)
			die("realloc");
		memset(ri, 0, argsz);
		ri->argsz = argsz;
		ri->index = index;
		xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri,
		       "VFIO_DEVICE_GET_REGION_INFO (caps)");
	}
	return ri;
}

static void print_region_caps(unsigned int i, struct vfio_region_info *ri)
{
	struct vfio_info_cap_header *h;
	uint32_t off = ri->cap_offset;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return;
	for (; off; off = h->next) {
		if (off + sizeof(*h) > ri->argsz) {
			errno = 0;
			die("region %u: capability chain out of bounds", i);
		}
		h = (void *)((char *)ri + off);
		printf("region%u.cap.%u.version=%u\n", i, h->id, h->version);
		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			struct vfio_region_info_cap_sparse_mmap *s = (void *)h;

			printf("region%u.sparse.nr_areas=%u\n", i, s->nr_areas);
			for (uint32_t a = 0; a < s->nr_areas; a++)
				printf("region%u.sparse.%u=0x%llx+0x%llx\n", i, a,
				       (unsigned long long)s->areas[a].offset,
				       (unsigned long long)s->areas[a].size);
		} else if (h->id == VFIO_REGION_INFO_CAP_TYPE) {
			struct vfio_region_info_cap_type *t = (void *)h;

			printf("region%u.type=0x%x\nregion%u.subtype=0x%x\n",
			       i, t->type, i, t->subtype);
		}
	}
}

static void print_config(void)
{
	unsigned int pos, n;

	printf("config.vendor=0x%04x\n", cfg_read(PCI_VENDOR_ID, 2));
	printf("config.device=0x%04x\n", cfg_read(PCI_DEVICE_ID, 2));
	printf("config.revision=0x%02x\n", cfg_read(PCI_REVISION_ID, 1));
	printf("config.class=0x%06x\n", cfg_read(PCI_REVISION_ID, 4) >> 8);
	printf("config.header_type=0x%02x\n", cfg_read(PCI_HEADER_TYPE, 1));
	printf("config.subsystem=0x%04x:0x%04x\n",
	       cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 2), cfg_read(PCI_SUBSYSTEM_ID, 2));
	printf("config.interrupt_pin=%u\n", cfg_read(PCI_INTERRUPT_PIN, 1));

	/* Capability lists as VFIO exposes them: id@offset. */
	printf("config.caps=");
	if (cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)
		for (pos = cfg_read(PCI_CAPABILITY_LIST, 1) & ~3u, n = 0;
		     pos && n < 48; pos = cfg_read(pos + 1, 1) & ~3u, n++)
			printf("%s0x%02x@0x%02x", n ? "," : "", cfg_read(pos, 1), pos);
	printf("\nconfig.ecaps=");
	for (pos = 0x100, n = 0; pos && pos < cfg_size && n < 64; n++) {
		uint32_t h = cfg_read(pos, 4);

		if (!h || h == 0xffffffff)
			break;
		printf("%s0x%04x@0x%03x", n ? "," : "", PCI_EXT_CAP_ID(h), pos);
		pos = PCI_EXT_CAP_NEXT(h);
	}
	printf("\n");
}

/* Enable memory decoding and bus mastering; print what sticks. */
static void enable_command(const char *key)
{
	uint16_t want = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint16_t cmd = cfg_read(PCI_COMMAND, 2);

	printf("%s.command_before=0x%x\n", key, cmd & want);
	cfg_write16(PCI_COMMAND, cmd | want);
	printf("%s.command=0x%x\n", key, cfg_read(PCI_COMMAND, 2) & want);
}

/* Read the first dwords of BAR0, through mmap when the region allows it. */
static void read_bar0(const char *key)
{
	struct vfio_region_info *ri = region_info(VFIO_PCI_BAR0_REGION_INDEX);
	size_t len;
	uint32_t v;

	if (!ri || ri->size < 16) {
		printf("%s.bar0=absent\n", key);
		free(ri);
		return;
	}
	len = ri->size < 4096 ? ri->size : 4096;
	if (ri->flags & VFIO_REGION_INFO_FLAG_MMAP) {
		volatile uint32_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					    MAP_SHARED, dev, ri->offset);

		if (p == MAP_FAILED)
			die("mmap BAR0");
		printf("%s.bar0.access=mmap\n", key);
		for (unsigned int off = 0; off < 16; off += 4)
			printf("%s.bar0.0x%x=0x%08x\n", key, off, p[off / 4]);
		munmap((void *)p, len);
	} else {
		printf("%s.bar0.access=pread\n", key);
		for (unsigned int off = 0; off < 16; off += 4) {
			if (pread(dev, &v, 4, ri->offset + off) != 4)
				die("BAR0 read at 0x%x", off);
			printf("%s.bar0.0x%x=0x%08x\n", key, off, v);
		}
	}
	free(ri);
}

/*
 * The IRQ's type capability (device specific IRQs) and regions list: the
 * chain follows the 16-byte structure when FLAG_CAPS is set and the argsz
 * returned still fits the @size bytes passed.
 */
static void print_irq_caps(unsigned int i, struct vfio_irq_info *irq,
			   uint32_t size)
{
	uint32_t off = 0;

	if (irq->flags & VFIO_IRQ_INFO_FLAG_CAPS) {
		if (irq->argsz > size)
			die("irq%u: capabilities need %u bytes", i, irq->argsz);
		off = sizeof(*irq);
	}

	while (off) {
		struct vfio_info_cap_header *h = (void *)((char *)irq + off);

		if (h->id == VFIO_IRQ_INFO_CAP_TYPE) {
			struct vfio_irq_info_cap_type *t = (void *)h;

			printf("irq%u.type=0x%x\nirq%u.subtype=0x%x\n",
			       i, t->type, i, t->subtype);
		} else if (h->id == VFIO_IRQ_INFO_CAP_REGIONS) {
			struct vfio_irq_info_cap_regions *r = (void *)h;

			printf("irq%u.regions=", i);
			for (uint32_t n = 0; n < r->nr_regions; n++)
				printf("%s%u", n ? "," : "", r->regions[n]);
			printf("\n");
		} else {
			printf("irq%u.cap%u\n", i, h->id);
		}
		off = h->next;
	}
}

int main(int argc, char **argv)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info *ri;
	int cdev = 0;

	if (argc == 3 && !strcmp(argv[1], "--cdev"))
		cdev = 1;
	else if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vfio_check [--cdev] <domain:bus:dev.fn>\n");
		return 2;
	}
	bdf = argv[argc - 1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	dev = cdev ? open_cdev() : open_legacy();
	printf("dma.map_unmap=ok\n");

	xioctl(dev, VFIO_DEVICE_GET_INFO, &info, "VFIO_DEVICE_GET_INFO");
	printf("device.flags=0x%x\n", info.flags);
	printf("device.num_regions=%u\n", info.num_regions);
	printf("device.num_irqs=%u\n", info.num_irqs);
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI)) {
		errno = 0;
		die("not a vfio-pci device");
	}

	for (unsigned int i = 0; i < info.num_regions; i++) {
		ri = region_info(i);
		if (!ri) {
			printf("region%u=EINVAL\n", i);
			continue;
		}
		printf("region%u.size=0x%llx\nregion%u.offset=0x%llx\nregion%u.flags=0x%x\n",
		       i, (unsigned long long)ri->size, i,
		       (unsigned long long)ri->offset, i, ri->flags);
		print_region_caps(i, ri);
		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			cfg_off = ri->offset, cfg_size = ri->size;
		free(ri);
	}

	for (unsigned int i = 0; i < info.num_irqs; i++) {
		uint64_t buf[64] = { 0 };
		struct vfio_irq_info *irq = (void *)buf;

		irq->argsz = sizeof(buf);
		irq->index = i;
		/* vfio-pci: EINVAL for an index the device lacks (ERR w/o PCIe) */
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, irq) < 0) {
			if (errno != EINVAL)
				die("VFIO_DEVICE_GET_IRQ_INFO %u", i);
			printf("irq%u=EINVAL\n", i);
			continue;
		}
		printf("irq%u.flags=0x%x\nirq%u.count=%u\n", i, irq->flags, i, irq->count);
		print_irq_caps(i, irq, sizeof(buf));
	}

	if (cfg_off == UINT64_MAX) {
		errno = 0;
		die("no config region");
	}
	print_config();
	enable_command("init");
	read_bar0("init");

	if (info.flags & VFIO_DEVICE_FLAGS_RESET) {
		xioctl(dev, VFIO_DEVICE_RESET, NULL, "VFIO_DEVICE_RESET");
		printf("reset=ok\n");
		enable_command("reset");
		read_bar0("reset");
	} else {
		printf("reset=unsupported\n");
	}
	printf("result=ok\n");
	return 0;
}
