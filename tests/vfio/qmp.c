// SPDX-License-Identifier: GPL-2.0
/*
 * qmp: a tiny QMP client for tests that drive a QEMU inside the test VM
 * (busybox has no socat or python).
 *
 *   qmp [-t SECS] [-v] SOCKET ITEM...
 *
 * Connects to QEMU's QMP unix socket (retrying until it exists), reads the
 * greeting, negotiates with qmp_capabilities and runs each ITEM in order:
 *
 *   NAME              {"execute": "NAME"}
 *   {...}             a whole QMP command, sent as given
 *   wait-migration    poll query-migrate every 50 ms until the status is
 *                     completed, failed or cancelled, then print one line
 *                     "status=S total-time=MS downtime=MS setup-time=MS
 *                     ram-transferred=B vfio-transferred=B ..." (fields
 *                     QEMU does not report are left out)
 *
 * The reply of a command ({"return": ...} or {"error": ...}) is printed as
 * one line; events are skipped (printed to stderr with -v).  Exits 1 on an
 * error reply, a migration that did not complete, a timeout (-t, default
 * 120 s, for the whole run) or a closed connection.
 *
 * Only useful with QEMU in the VM: vm/mkinitramfs builds it with VM_QEMU=1.
 * vm-needs: qemu
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QEMU_SOCK_PROG "qmp"
#include "qemu_sock.h"

/* Send a command and return its reply line, skipping events. */
static char *command(const char *cmd)
{
	char *line;

	send_str(cmd);
	send_str("\n");
	for (;;) {
		line = read_line();
		if (!strncmp(line, "{\"return\"", 9) || !strncmp(line, "{\"error\"", 8))
			return line;
		if (verbose)
			fprintf(stderr, "qmp< %s\n", line);
	}
}

/* The object following "key": in s (up to its closing brace), or NULL. */
static const char *section(const char *s, const char *key, size_t *len)
{
	char pat[64];
	const char *p, *q;
	int depth = 0;

	snprintf(pat, sizeof(pat), "\"%s\": {", key);
	p = strstr(s, pat);
	if (!p)
		return NULL;
	p += strlen(pat) - 1;
	for (q = p; *q; q++) {
		if (*q == '{')
			depth++;
		else if (*q == '}' && --depth == 0)
			break;
	}
	*len = q - p;
	return p;
}

/* Copy the scalar value of "key" within s[0..len) to out; 0 if absent. */
static int field(const char *s, size_t len, const char *key, char *out,
		 size_t outsz)
{
	char pat[64];
	const char *p, *end = s + len;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = memmem(s, len, pat, strlen(pat));
	if (!p)
		return 0;
	p += strlen(pat);
	if (*p == '"')
		p++;
	while (p < end && *p != '"' && *p != ',' && *p != '}' && n + 1 < outsz)
		out[n++] = *p++;
	out[n] = 0;
	return 1;
}

static int wait_migration(void)
{
	static const char *const top[] = {
		"status", "total-time", "downtime", "setup-time",
		"expected-downtime",
	};
	static const char *const sub[] = {
		"ram", "transferred", "ram", "total", "ram", "duplicate",
		"ram", "normal", "vfio", "transferred",
	};
	char status[64] = "", val[64];
	const char *ret, *sec;
	size_t len, seclen;
	unsigned int i;
	char *line;

	for (;;) {
		line = command("{\"execute\": \"query-migrate\"}");
		if (verbose)
			fprintf(stderr, "qmp< %s\n", line);
		if (strncmp(line, "{\"return\"", 9)) {
			printf("%s\n", line);
			return 1;
		}
		field(line, strlen(line), "status", status, sizeof(status));
		if (!strcmp(status, "completed") || !strcmp(status, "failed") ||
		    !strcmp(status, "cancelled"))
			break;
		if (now() > deadline)
			die("timeout: migration status still '%s'", status);
		usleep(50000);
	}
	ret = line;
	len = strlen(line);
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (field(ret, len, top[i], val, sizeof(val)))
			printf("%s%s=%s", i ? " " : "", top[i], val);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i += 2) {
		sec = section(ret, sub[i], &seclen);
		if (sec && field(sec, seclen, sub[i + 1], val, sizeof(val)))
			printf(" %s-%s=%s", sub[i], sub[i + 1], val);
	}
	if (field(ret, len, "error-desc", val, sizeof(val)))
		printf(" error-desc=\"%s\"", val);
	printf("\n");
	return strcmp(status, "completed") != 0;
}

int main(int argc, char **argv)
{
	double timeout = 120;
	char cmd[4096];
	char *line;
	int opt, i, rc = 0;

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

	line = read_line();
	if (!strstr(line, "\"QMP\""))
		die("no QMP greeting: %s", line);
	line = command("{\"execute\": \"qmp_capabilities\"}");
	if (strncmp(line, "{\"return\"", 9))
		die("qmp_capabilities: %s", line);

	for (i = optind + 1; i < argc; i++) {
		if (!strcmp(argv[i], "wait-migration")) {
			rc |= wait_migration();
			continue;
		}
		if (argv[i][0] == '{')
			snprintf(cmd, sizeof(cmd), "%s", argv[i]);
		else
			snprintf(cmd, sizeof(cmd), "{\"execute\": \"%s\"}", argv[i]);
		line = command(cmd);
		printf("%s\n", line);
		if (strncmp(line, "{\"return\"", 9))
			rc = 1;
	}
	close(sock);
	return rc;

usage:
	fprintf(stderr, "usage: qmp [-t SECS] [-v] SOCKET ITEM...\n"
		"  ITEM: NAME | {JSON} | wait-migration\n");
	return 2;
}
