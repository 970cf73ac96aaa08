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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QEMU_SOCK_PROG "qtest"
#include "qemu_sock.h"

static void send_line(const char *s)
{
	send_str(s);
	send_str("\n");
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
