// SPDX-License-Identifier: GPL-2.0
/*
 * qtest: a tiny client for QEMU's qtest protocol, so that a test can read
 * and write a QEMU guest's memory, MMIO and I/O ports without any guest OS
 * (QEMU started with "-qtest unix:SOCKET,server=on,wait=off").
 *
 *   qtest [-t SECS] [-v] SOCKET CMD...
 *
 * Each CMD is one qtest line, sent in order after the previous one's reply,
 * e.g. "writel 0xfebf0000 0x1", "readl 0xfebf0000", "outl 0xcf8 0x80002010",
 * "inl 0xcfc".  The value of a reply that carries one ("OK 0x1234") is
 * printed as one line ("0x1234"); plain "OK" prints nothing.  Asynchronous
 * "IRQ ..." lines are skipped.  Exits 1 on "FAIL"/"ERR", on a timeout (-t,
 * default 30 s, for the whole run) or when QEMU closes the connection.
 *
 * PCI config space of bus 0 has no command of its own: "outl 0xcf8
 * 0x80000000|bus<<16|dev<<11|fn<<8|reg" then "inl 0xcfc" / "outl 0xcfc V".
 *
 * Only useful with QEMU in the VM: vm/mkinitramfs builds it with VM_QEMU=1.
 * vm-needs: qemu
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int sock = -1;
static int verbose;
static double deadline;
static char buf[1 << 16];
static size_t fill;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qtest: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	double refused_since = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	/*
	 * QEMU may not have created the socket yet (ENOENT): wait for it.
	 * ECONNREFUSED only lasts between QEMU's bind() and listen(); for
	 * longer it means QEMU is gone, so do not wait the whole timeout.
	 */
	for (;;) {
		sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (sock < 0)
			die("socket: %s", strerror(errno));
		if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return;
		if (errno == ECONNREFUSED && !refused_since)
			refused_since = now();
		if ((errno != ENOENT && errno != ECONNREFUSED) || now() > deadline ||
		    (refused_since && now() > refused_since + 2))
			die("connect %s: %s", path, strerror(errno));
		close(sock);
		usleep(50000);
	}
}

static char *read_line(void)
{
	static char line[sizeof(buf)];
	char *nl;
	ssize_t n;

	while (!(nl = memchr(buf, '\n', fill))) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int ms = (int)((deadline - now()) * 1000);

		if (fill == sizeof(buf))
			die("reply longer than %zu bytes", sizeof(buf));
		if (ms <= 0 || poll(&p, 1, ms) == 0)
			die("timeout waiting for QEMU");
		n = read(sock, buf + fill, sizeof(buf) - fill);
		if (n <= 0)
			die("connection closed by QEMU%s%s", n ? ": " : "",
			    n ? strerror(errno) : "");
		fill += n;
	}
	memcpy(line, buf, nl - buf);
	line[nl - buf] = 0;
	fill -= nl + 1 - buf;
	memmove(buf, nl + 1, fill);
	return line;
}

static void send_line(const char *s)
{
	char out[4096];
	size_t len;
	const char *p = out;

	len = snprintf(out, sizeof(out), "%s\n", s);
	if (len >= sizeof(out))
		die("command too long: %s", s);
	if (verbose)
		fprintf(stderr, "qtest> %s", out);
	while (len) {
		ssize_t n = write(sock, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

int main(int argc, char **argv)
{
	double timeout = 30;
	char *line;
	int opt, i;

	while ((opt = getopt(argc, argv, "t:v")) != -1) {
		switch (opt) {
		case 't':
			timeout = atof(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind < 2)
		goto usage;
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = now() + timeout;
	connect_to(argv[optind]);

	for (i = optind + 1; i < argc; i++) {
		send_line(argv[i]);
		do {
			line = read_line();
			if (verbose)
				fprintf(stderr, "qtest< %s\n", line);
		} while (!strncmp(line, "IRQ ", 4));
		if (!strcmp(line, "OK"))
			continue;
		if (!strncmp(line, "OK ", 3)) {
			printf("%s\n", line + 3);
			continue;
		}
		die("'%s': %s", argv[i], line);
	}
	close(sock);
	return 0;

usage:
	fprintf(stderr, "usage: qtest [-t SECS] [-v] SOCKET CMD...\n");
	return 2;
}
