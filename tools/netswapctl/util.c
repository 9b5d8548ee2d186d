// SPDX-License-Identifier: GPL-2.0
/*
 * netswapctl: error reporting, and the parsing and printing of peer
 * endpoints and sizes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netswapctl.h"

char err_where[300];

static void vmessage(const char *kind, const char *fmt, va_list ap)
{
	/* Keep whatever was printed so far ahead of the message. */
	fflush(stdout);
	fputs(PROG ": ", stderr);
	if (err_where[0])
		fprintf(stderr, "%s: ", err_where);
	if (kind)
		fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void inform(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("note: ", fmt, ap);
	va_end(ap);
}

/*
 * strerror() capitalises its messages; ours are lower case. Leave
 * acronyms ("RPC ...") alone.
 */
const char *errno_text(int err)
{
	static char msg[128];

	snprintf(msg, sizeof(msg), "%s", strerror(err));
	if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
		msg[0] = tolower((unsigned char)msg[0]);
	return msg;
}

/*
 * The @len characters at @s are a decimal number of at most @max: digits
 * only, no sign or space, none missing.
 */
bool parse_uint(const char *s, size_t len, unsigned long max,
		unsigned long *val)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		n = n * 10 + (s[i] - '0');
		if (n > max)
			return false;
	}
	*val = n;
	return len > 0;
}

static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long val;

	if (!parse_uint(s, strlen(s), 65535, &val) || val == 0)
		return false;
	*port = val;
	return true;
}

bool parse_endpoint(const char *arg, struct endpoint *ep)
{
	char buf[INET6_ADDRSTRLEN + 16];
	char *host = buf, *port = NULL, *colon;

	memset(ep, 0, sizeof(*ep));
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return false;

	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (!end || (end[1] && end[1] != ':'))
			return false;
		if (end[1] == ':')
			port = end + 2;
		*end = '\0';
		host = buf + 1;
		ep->af = AF_INET6;
	} else {
		colon = strchr(buf, ':');
		/* Two colons make a bare IPv6 address, which takes no port. */
		if (colon && strchr(colon + 1, ':')) {
			ep->af = AF_INET6;
		} else {
			ep->af = AF_INET;
			if (colon) {
				*colon = '\0';
				port = colon + 1;
			}
		}
	}

	if (inet_pton(ep->af, host, ep->addr) != 1)
		return false;
	if (port && !parse_port(port, &ep->port))
		return false;
	return true;
}

void endpoint_str(const struct endpoint *ep, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!inet_ntop(ep->af, ep->addr, host, sizeof(host))) {
		snprintf(buf, len, "unknown");
		return;
	}
	if (!ep->port)
		snprintf(buf, len, ep->af == AF_INET6 ? "[%s]" : "%s", host);
	else
		snprintf(buf, len, ep->af == AF_INET6 ? "[%s]:%u" : "%s:%u",
			 host, ep->port);
}

bool endpoint_eq(const struct endpoint *a, const struct endpoint *b)
{
	return a->af == b->af && a->port == b->port &&
	       !memcmp(a->addr, b->addr, a->af == AF_INET ? 4 : 16);
}

static const struct {
	const char *suffix;
	unsigned int shift;
} size_units[] = {
	{ "",	 0 },
	{ "K",	 10 }, { "KiB", 10 },
	{ "M",	 20 }, { "MiB", 20 },
	{ "G",	 30 }, { "GiB", 30 },
	{ "T",	 40 }, { "TiB", 40 },
};

bool parse_size(const char *s, uint64_t *val)
{
	uint64_t n = 0;
	const char *p;
	unsigned int i;

	for (p = s; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (*p - '0');
	}
	if (p == s)
		return false;
	for (i = 0; i < ARRAY_SIZE(size_units); i++) {
		/* The letter may be lower case too: 512m, 1g, 4kib. */
		if (strcasecmp(p, size_units[i].suffix))
			continue;
		if (n > UINT64_MAX >> size_units[i].shift)
			return false;
		*val = n << size_units[i].shift;
		return true;
	}
	return false;
}

/* The largest unit that divides @val exactly: 1G, 1536M, 4097. */
void size_str(uint64_t val, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0 && val; i--) {
		unsigned int shift = 10 * (i + 1);

		if (!(val & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(val >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)val);
}
