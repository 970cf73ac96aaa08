/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qemu_sock.h: the line-based unix socket client shared by the qmp and
 * qtest test programs (QEMU's QMP and qtest protocols are both lines over a
 * unix socket).  Include it once, after defining QEMU_SOCK_PROG, the name
 * used in messages.  Every wait ends at `deadline` (set it before
 * connect_to()); any failure prints a message and exits 1.
 */
#ifndef QEMU_SOCK_H
#define QEMU_SOCK_H

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
static char buf[1 << 16];	/* received, not yet consumed */
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

	fprintf(stderr, QEMU_SOCK_PROG ": ");
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

/* Next line from QEMU (without \r\n), valid until the next call. */
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
	if (nl > buf && line[nl - buf - 1] == '\r')
		line[nl - buf - 1] = 0;
	return line;
}

/* Write all of @s. */
static void send_str(const char *s)
{
	size_t len = strlen(s);

	if (verbose && strcmp(s, "\n"))
		fprintf(stderr, QEMU_SOCK_PROG "> %s\n", s);
	while (len) {
		ssize_t n = write(sock, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write: %s", strerror(errno));
		s += n;
		len -= n;
	}
}

#endif /* QEMU_SOCK_H */
