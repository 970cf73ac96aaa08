// SPDX-License-Identifier: GPL-2.0
/*
 * trap_bench: what trapping BAR pages through the region-layout IRQ costs.
 *
 *   trap_bench BDF ROUNDS OPS
 *
 * The device must be bound to vfio-pci with a driver that offers the
 * region-layout IRQ (VFIO_IRQ_TYPE_REGION_LAYOUT) for BAR0 and traps pages
 * of it while saving (the 82576 VF sample traps 0x2000-0x3fff in
 * PRE_COPY).  Interleaved rounds, each of OPS accesses, print the median:
 *
 *  1. MMIO throughput to a register on a page that is never trapped
 *     (VTEITR0, 0x1680), through the BAR0 mapping, with trapping on
 *     (PRE_COPY, the trap acknowledged) as a ratio to trapping off
 *     (RUNNING);
 *  2. the cost of a write to a trapped register (RDBAL0, 0x2800, through
 *     pwrite() of the device file while trapped) as a ratio to a write to
 *     the same register through the mapping when nothing is trapped.
 *
 * Absolute times in a TCG guest are meaningless; compare the ratios.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include "bench.h"

#define UNTRAPPED_REG	0x1680	/* VTEITR0: page 0x1000, never trapped */
#define TRAPPED_REG	0x2800	/* RDBAL0: page 0x2000, trapped in PRE_COPY */

static int dev, efd;
static uint32_t layout_irq;
static uint64_t bar0_off;
static volatile uint32_t *bar0;

/* The index of the region-layout IRQ, found by its type capability. */
static void find_layout_irq(void)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	uint32_t i;

	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &di))
		die("VFIO_DEVICE_GET_INFO");
	for (i = VFIO_PCI_NUM_IRQS; i < di.num_irqs; i++) {
		uint64_t b[64] = { 0 };
		struct vfio_irq_info *ii = (void *)b;
		struct vfio_info_cap_header *h;
		uint32_t off;

		ii->argsz = sizeof(b);
		ii->index = i;
		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, ii))
			die("VFIO_DEVICE_GET_IRQ_INFO %u", i);
		if (!(ii->flags & VFIO_IRQ_INFO_FLAG_CAPS))
			continue;
		if (ii->argsz > sizeof(b))
			die("IRQ %u: capabilities need %u bytes", i, ii->argsz);
		/* The chain follows the 16-byte structure. */
		for (off = sizeof(*ii); off; off = h->next) {
			struct vfio_irq_info_cap_type *t = (void *)((char *)b + off);

			h = &t->header;
			if (h->id == VFIO_IRQ_INFO_CAP_TYPE &&
			    t->type == VFIO_IRQ_TYPE_REGION_LAYOUT &&
			    t->subtype == VFIO_IRQ_SUBTYPE_REGION_LAYOUT_CHANGED) {
				layout_irq = i;
				return;
			}
		}
	}
	errno = 0;
	die("the device has no region-layout IRQ");
}

static void set_irq(uint32_t flags, int32_t fd)
{
	uint64_t b[(sizeof(struct vfio_irq_set) + sizeof(int32_t) + 7) / 8] = {};
	struct vfio_irq_set *s = (void *)b;

	s->argsz = sizeof(b);
	s->flags = flags;
	s->index = layout_irq;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &fd, sizeof(fd));
	if (ioctl(dev, VFIO_DEVICE_SET_IRQS, s))
		die("VFIO_DEVICE_SET_IRQS 0x%x", flags);
}

/* Wait for a layout signal, re-read BAR0's layout, acknowledge. */
static int layout_changed(void)
{
	uint64_t b[128] = { 0 }, cnt;
	struct vfio_region_info *ri = (void *)b;
	struct pollfd p = { .fd = efd, .events = POLLIN };
	struct vfio_info_cap_header *h;
	uint32_t off;
	int sparse = 0;

	if (poll(&p, 1, 5000) != 1)
		die("no layout signal within 5 s");
	if (read(efd, &cnt, sizeof(cnt)) != sizeof(cnt))
		die("read eventfd");
	ri->argsz = sizeof(b);
	ri->index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, ri))
		die("VFIO_DEVICE_GET_REGION_INFO");
	if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS)
		for (off = ri->cap_offset; off; off = h->next) {
			h = (void *)((char *)b + off);
			if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP)
				sparse = 1;
		}
	/* Our one mapping of the trapped page is simply not used while trapped. */
	set_irq(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, -1);
	return sparse;
}

/* OPS write+read pairs on the untrapped register through the mapping. */
static double mmio_untrapped(int ops)
{
	double t0 = now_us();
	uint32_t sum = 0;
	int i;

	for (i = 0; i < ops; i++) {
		bar0[UNTRAPPED_REG / 4] = i & 0x7ffc;
		sum += bar0[UNTRAPPED_REG / 4];
	}
	if (sum == 0xdeadbeef)	/* keep the reads */
		printf(" ");
	return now_us() - t0;
}

static double write_mapped(int ops)
{
	double t0 = now_us();
	int i;

	for (i = 0; i < ops; i++)
		bar0[TRAPPED_REG / 4] = (i << 5) & 0xffffffe0;
	(void)bar0[TRAPPED_REG / 4];
	return now_us() - t0;
}

static double write_trapped(int ops)
{
	double t0 = now_us();
	uint32_t v;
	int i;

	for (i = 0; i < ops; i++) {
		v = (i << 5) & 0xffffffe0;
		if (pwrite(dev, &v, 4, bar0_off + TRAPPED_REG) != 4)
			die("pwrite trapped register");
	}
	return now_us() - t0;
}

int main(int argc, char **argv)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri),
				       .index = VFIO_PCI_BAR0_REGION_INDEX };
	double *off_mmio, *on_mmio, *wr_map, *wr_trap;
	int rounds, ops, i, fd;
	uint32_t saved;

	if (argc != 4)
		die("usage: trap_bench BDF ROUNDS OPS");
	rounds = atoi(argv[2]);
	ops = atoi(argv[3]);
	if (rounds < 1 || ops < 1)
		die("bad ROUNDS or OPS");
	dev = open_device(argv[1]);
	find_layout_irq();
	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &ri))
		die("VFIO_DEVICE_GET_REGION_INFO BAR0");
	bar0_off = ri.offset;
	bar0 = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev,
		    ri.offset);
	if (bar0 == MAP_FAILED)
		die("mmap BAR0");
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		die("eventfd");
	set_irq(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	saved = bar0[TRAPPED_REG / 4];

	off_mmio = calloc(rounds, sizeof(double));
	on_mmio = calloc(rounds, sizeof(double));
	wr_map = calloc(rounds, sizeof(double));
	wr_trap = calloc(rounds, sizeof(double));
	if (!off_mmio || !on_mmio || !wr_map || !wr_trap)
		die("calloc");

	for (i = 0; i < rounds; i++) {
		/* Trapping off: RUNNING, the whole BAR mapped. */
		if (!(i & 1)) {
			off_mmio[i] = mmio_untrapped(ops);
			wr_map[i] = write_mapped(ops);
		}

		/* Trapping on: PRE_COPY, the trap acknowledged. */
		fd = set_state(dev, VFIO_DEVICE_STATE_PRE_COPY);
		if (!layout_changed()) {
			errno = 0;
			die("PRE_COPY trapped nothing (no sparse-mmap capability)");
		}
		on_mmio[i] = mmio_untrapped(ops);
		wr_trap[i] = write_trapped(ops);
		set_state(dev, VFIO_DEVICE_STATE_RUNNING);
		close(fd);
		if (layout_changed()) {
			errno = 0;
			die("RUNNING left pages trapped");
		}

		/* Odd rounds measure off after on, to cancel drift. */
		if (i & 1) {
			off_mmio[i] = mmio_untrapped(ops);
			wr_map[i] = write_mapped(ops);
		}
	}
	bar0[TRAPPED_REG / 4] = saved;

	printf("untrapped register (0x%x), %d write+read pairs per round, %d rounds, median us: trapping off %.0f, on %.0f\n",
	       UNTRAPPED_REG, ops, rounds, median(off_mmio, rounds),
	       median(on_mmio, rounds));
	printf("ratio untrapped-page MMIO throughput, trapping on/off = %.2f  (goal >= 0.9)\n",
	       median(off_mmio, rounds) / median(on_mmio, rounds));
	printf("register write (0x%x), %d per round, median us: mapped %.0f, trapped (pwrite) %.0f\n",
	       TRAPPED_REG, ops, median(wr_map, rounds), median(wr_trap, rounds));
	printf("ratio trapped-register write cost / mapped write = %.1f\n",
	       median(wr_trap, rounds) / median(wr_map, rounds));
	return 0;
}
