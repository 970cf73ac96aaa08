// SPDX-License-Identifier: GPL-2.0
/*
 * bind_latency: time binding a PCI device to vfio-pci, with vendor driver
 * lookup and without (vfio_pci.disable_vendor_drivers), interleaved so both
 * see the same machine state.
 *
 *   bind_latency BDF ROUNDS
 *
 * Each round binds and unbinds the device once in each mode; only the bind
 * (the write to drivers_probe) is timed.  Prints the median and mean bind
 * time of each mode in microseconds and their ratio.
 */
#define _GNU_SOURCE
#include "bench.h"

#define PARAM "/sys/module/vfio_pci/parameters/disable_vendor_drivers"

static const char *bdf;

static void put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die("write %s to %s", val, path);
	close(fd);
}

static double bind_once(int lookup)
{
	char path[256];
	double t0, t;

	put(PARAM, lookup ? "0" : "1");
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	put(path, "vfio-pci");
	t0 = now_us();
	put("/sys/bus/pci/drivers_probe", bdf);
	t = now_us() - t0;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	if (access(path, W_OK))
		die("%s did not bind", bdf);
	put(path, bdf);
	return t;
}

static void report(const char *name, double *v, int n, double *med)
{
	double sum = 0;
	int i;

	*med = median(v, n);	/* sorts v */
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("%s: rounds=%d median_us=%.0f mean_us=%.0f min_us=%.0f max_us=%.0f\n",
	       name, n, *med, sum / n, v[0], v[n - 1]);
}

int main(int argc, char **argv)
{
	double *with, *without, m_with, m_without;
	int i, rounds;

	if (argc != 3 || (rounds = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: bind_latency BDF ROUNDS\n");
		return 2;
	}
	bdf = argv[1];
	with = calloc(rounds, sizeof(*with));
	without = calloc(rounds, sizeof(*without));
	if (!with || !without)
		return 1;
	/* One bind of each kind first, untimed: page cache, module state. */
	bind_once(1);
	bind_once(0);
	for (i = 0; i < rounds; i++) {
		with[i] = bind_once(1);
		without[i] = bind_once(0);
	}
	put(PARAM, "0");
	report("bind with vendor lookup", with, rounds, &m_with);
	report("bind as plain vfio-pci ", without, rounds, &m_without);
	printf("ratio (vendor lookup / plain, medians) = %.2f  (goal <= 1.5)\n",
	       m_with / m_without);
	return 0;
}
