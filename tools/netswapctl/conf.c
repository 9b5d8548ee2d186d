// SPDX-License-Identifier: GPL-2.0
/*
 * netswapctl setconf FILE, showconf: the configuration file, in the
 * manner of WireGuard's (see netswapctl(8)):
 *
 *	[Netswap]
 *	DeviceSize = 1G		size_mb of the loaded module (load only)
 *	ListenPort = 7878	port of the loaded module (load only)
 *	Lend = 512M		STORE_SET
 *	Replicas = 2		the module parameter replicas (sysfs)
 *	LendReserve = 12%	the module parameter lend_reserve_pct (sysfs)
 *	SwapPriority = 10	for the service's swapon; setconf ignores it
 *
 *	[Peer]			one section per peer
 *	Endpoint = 169.254.0.2:7878
 *	Place = 256M		optional, 0 or absent: no limit
 *	Lend = 128M		optional, 0 or absent: only the total
 *
 * Keys and section names are case-insensitive; '#' starts a comment.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netswapctl.h"

struct conf_peer {
	struct endpoint ep;
	uint64_t place, lend;
	int line;
	bool has_endpoint, has_place, has_lend;
};

struct conf {
	const char *file;
	bool has_size, has_port, has_lend, has_replicas, has_reserve, has_prio;
	uint64_t size, lend;
	uint16_t port;
	long replicas, reserve, prio;
	int size_line, port_line, lend_line, replicas_line, reserve_line;
	struct conf_peer *peer;
	size_t npeers;
};

enum section { SEC_NONE, SEC_NETSWAP, SEC_PEER };

static void where(const struct conf *c, int line)
{
	if (line)
		snprintf(err_where, sizeof(err_where), "%s:%d", c->file, line);
	else
		snprintf(err_where, sizeof(err_where), "%s", c->file);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static uint64_t conf_size(const char *key, const char *val)
{
	uint64_t size;

	if (!parse_size(val, &size))
		die("invalid size '%s' for %s (bytes, or with a K, M, G or T suffix)",
		    val, key);
	return size;
}

/*
 * A whole number as netswap-start takes it too: digits only, no sign and
 * no leading zero (the module would read "012" as octal), with a "%"
 * after it if @pct. Returns -1 for anything else.
 */
static long conf_whole(const char *val, bool pct)
{
	size_t len = strlen(val);
	unsigned long n;

	if (val[0] == '0' && isdigit((unsigned char)val[1]))
		return -1;
	if (pct && len && val[len - 1] == '%')
		len--;
	return parse_uint(val, len, 1000, &n) ? (long)n : -1;
}

/*
 * LendReserve, in percent of RAM: "12%" as showconf writes it, or a
 * bare "12" as the module parameter takes it.
 */
static long conf_reserve(const char *val)
{
	long pct = conf_whole(val, true);

	if (pct < 0 || pct > 50)
		die("invalid LendReserve '%s' (0%% to 50%% of RAM)", val);
	return pct;
}

/* A key that may appear once per section. */
static void once(bool *seen, const char *key)
{
	if (*seen)
		die("%s given twice", key);
	*seen = true;
}

static void conf_netswap_key(struct conf *c, int line, const char *key,
			     const char *val)
{
	char *end;

	if (!strcasecmp(key, "DeviceSize")) {
		once(&c->has_size, "DeviceSize");
		c->size = conf_size(key, val);
		c->size_line = line;
	} else if (!strcasecmp(key, "ListenPort")) {
		struct endpoint ep;
		char buf[32];

		once(&c->has_port, "ListenPort");
		/* The port parser of endpoints, on "0.0.0.0:PORT". */
		snprintf(buf, sizeof(buf), "0.0.0.0:%.16s", val);
		if (!parse_endpoint(buf, &ep) || !ep.port)
			die("invalid ListenPort '%s' (1 to 65535)", val);
		c->port = ep.port;
		c->port_line = line;
	} else if (!strcasecmp(key, "Lend")) {
		once(&c->has_lend, "Lend");
		c->lend = conf_size(key, val);
		c->lend_line = line;
	} else if (!strcasecmp(key, "Replicas")) {
		once(&c->has_replicas, "Replicas");
		c->replicas = conf_whole(val, false);
		if (c->replicas < 1 || c->replicas > 3)
			die("invalid Replicas '%s' (1 to 3)", val);
		c->replicas_line = line;
	} else if (!strcasecmp(key, "LendReserve")) {
		once(&c->has_reserve, "LendReserve");
		c->reserve = conf_reserve(val);
		c->reserve_line = line;
	} else if (!strcasecmp(key, "SwapPriority")) {
		once(&c->has_prio, "SwapPriority");
		errno = 0;
		c->prio = strtol(val, &end, 10);
		if (errno || end == val || *end || c->prio < 0 ||
		    c->prio > 32767)
			die("invalid SwapPriority '%s' (0 to 32767)", val);
	} else {
		die("unknown key '%s' in [Netswap] (%s)", key,
		    "expected DeviceSize, ListenPort, Lend, Replicas, LendReserve or SwapPriority");
	}
}

static void conf_peer_key(struct conf_peer *p, const char *key,
			  const char *val)
{
	if (!strcasecmp(key, "Endpoint")) {
		once(&p->has_endpoint, "Endpoint");
		if (!parse_endpoint(val, &p->ep))
			die("invalid Endpoint '%s' (%s)", val,
			    "expected IPv4, IPv6 or [IPv6], with an optional :PORT");
	} else if (!strcasecmp(key, "Place")) {
		once(&p->has_place, "Place");
		p->place = conf_size(key, val);
	} else if (!strcasecmp(key, "Lend")) {
		once(&p->has_lend, "Lend");
		p->lend = conf_size(key, val);
	} else {
		die("unknown key '%s' in [Peer] (expected Endpoint, Place or Lend)",
		    key);
	}
}

static void conf_add_peer(struct conf *c, int line)
{
	struct conf_peer *p;

	p = realloc(c->peer, (c->npeers + 1) * sizeof(*p));
	if (!p)
		die("%s", errno_text(ENOMEM));
	c->peer = p;
	p += c->npeers++;
	memset(p, 0, sizeof(*p));
	p->line = line;
}

static void conf_check_peer(struct conf *c)
{
	struct conf_peer *p;

	if (!c->npeers)
		return;
	p = &c->peer[c->npeers - 1];
	if (!p->has_endpoint) {
		where(c, p->line);
		die("[Peer] without Endpoint");
	}
}

/* Reads the whole file; dies at the first error, naming its line. */
static void conf_read(struct conf *c, const char *file)
{
	enum section sec = SEC_NONE;
	char *buf = NULL;
	size_t size = 0;
	int line = 0;
	FILE *f;

	memset(c, 0, sizeof(*c));
	c->file = file;
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f)
		die("cannot open %s: %s", file, errno_text(errno));

	while (getline(&buf, &size, f) >= 0) {
		char *s, *eq, *hash;

		where(c, ++line);
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		if (*s == '[') {
			conf_check_peer(c);
			where(c, line);
			if (!strcasecmp(s, "[Netswap]")) {
				sec = SEC_NETSWAP;
			} else if (!strcasecmp(s, "[Peer]")) {
				sec = SEC_PEER;
				conf_add_peer(c, line);
			} else {
				die("unknown section '%s' (expected [Netswap] or [Peer])",
				    s);
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			die("expected 'Key = Value' or a [Section], not '%s'",
			    s);
		*eq = '\0';
		s = trim(s);
		eq = trim(eq + 1);
		if (!*eq)
			die("no value for %s", s);
		if (sec == SEC_NETSWAP)
			conf_netswap_key(c, line, s, eq);
		else if (sec == SEC_PEER)
			conf_peer_key(&c->peer[c->npeers - 1], s, eq);
		else
			die("%s outside a [Netswap] or [Peer] section", s);
	}
	if (ferror(f))
		die("cannot read %s: %s", file, errno_text(errno));
	conf_check_peer(c);
	free(buf);
	if (f != stdin)
		fclose(f);
	err_where[0] = '\0';
}

static const struct attrs *find_peer(const struct peer_list *list,
				     const struct endpoint *ep)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (endpoint_eq(&list->peer[i].ep, ep))
			return &list->peer[i];
	return NULL;
}

static bool configured(const struct attrs *a)
{
	return a && (a->v[NETSWAP_A_PEER_FLAGS] & NETSWAP_PEER_F_CONFIGURED);
}

/*
 * A request about one peer, with limits when @limits, NETSWAP_A_FORCE
 * when @force; @fmt: "... %s".
 */
static void peer_request(struct nsctl *ctl, uint8_t cmd,
			 const struct conf_peer *p, bool limits, bool force,
			 const char *fmt)
{
	char what[ENDPOINT_STRLEN + 64], ep[ENDPOINT_STRLEN];
	struct nl_msg *msg;

	endpoint_str(&p->ep, ep, sizeof(ep));
	snprintf(what, sizeof(what), fmt, ep);
	msg = nsctl_msg(ctl, cmd, false);
	msg_put_endpoint(msg, &p->ep);
	if (limits) {
		msg_put_u64(msg, NETSWAP_A_PEER_PLACE_LIMIT_BYTES, p->place);
		msg_put_u64(msg, NETSWAP_A_PEER_LEND_LIMIT_BYTES, p->lend);
	}
	if (force)
		msg_put_flag(msg, NETSWAP_A_FORCE);
	nsctl_run(ctl, msg, NULL, NULL, what, &p->ep);
}

/*
 * Peers the file does not name are deleted; one that stores pages here
 * is only with @force (its pages go with it), else setconf stops there.
 */
static void apply_peers(struct conf *c, struct nsctl *ctl,
			const struct peer_list *now, uint16_t port, bool force)
{
	size_t i, j;

	for (i = 0; i < c->npeers; i++) {
		struct conf_peer *p = &c->peer[i];
		const struct attrs *a;
		uint64_t place = 0, lend = 0;

		where(c, p->line);
		if (!p->ep.port)
			p->ep.port = port;
		for (j = 0; j < i; j++)
			if (endpoint_eq(&c->peer[j].ep, &p->ep))
				die("the same Endpoint as the [Peer] of line %d",
				    c->peer[j].line);

		a = find_peer(now, &p->ep);
		if (a) {
			place = a->v[NETSWAP_A_PEER_PLACE_LIMIT_BYTES];
			lend = a->v[NETSWAP_A_PEER_LEND_LIMIT_BYTES];
		}
		if (!configured(a)) {
			struct nl_msg *msg;
			char what[ENDPOINT_STRLEN + 32], ep[ENDPOINT_STRLEN];

			/* A limit left out is none; a learned peer's is set below. */
			endpoint_str(&p->ep, ep, sizeof(ep));
			snprintf(what, sizeof(what), "cannot add peer %s", ep);
			msg = nsctl_msg(ctl, NETSWAP_CMD_PEER_ADD, false);
			msg_put_endpoint(msg, &p->ep);
			if (p->place) {
				msg_put_u64(msg, NETSWAP_A_PEER_PLACE_LIMIT_BYTES,
					    p->place);
				place = p->place;
			}
			if (p->lend) {
				msg_put_u64(msg, NETSWAP_A_PEER_LEND_LIMIT_BYTES,
					    p->lend);
				lend = p->lend;
			}
			nsctl_run(ctl, msg, NULL, NULL, what, &p->ep);
		}
		if (place != p->place || lend != p->lend)
			peer_request(ctl, NETSWAP_CMD_PEER_SET, p, true, false,
				     "cannot set the limits of peer %s");
	}

	/* Configured peers the file does not name go. */
	for (i = 0; i < now->n; i++) {
		const struct attrs *a = &now->peer[i];
		struct conf_peer gone = { .ep = a->ep };

		if (!configured(a))
			continue;
		for (j = 0; j < c->npeers; j++)
			if (endpoint_eq(&c->peer[j].ep, &a->ep))
				break;
		if (j < c->npeers)
			continue;
		where(c, 0);
		peer_request(ctl, NETSWAP_CMD_PEER_DEL, &gone, false, force,
			     "cannot delete peer %s (not in the file)");
	}
}

/*
 * The module parameters the file sets (Replicas, LendReserve): netlink
 * reports replicas only with a device and lend_reserve_pct not at all,
 * and sets neither, so both ways go through sysfs.
 */
#define PARAM_DIR "/sys/module/netswap/parameters/"

/* Its value now in @val; false for a module without it. */
static bool param_get(const char *name, long *val)
{
	char path[128];
	bool ok;
	FILE *f;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return false;
	ok = fscanf(f, "%ld", val) == 1;
	fclose(f);
	return ok;
}

/* Writes @val, given for @key on @line, to parameter @name if it differs. */
static void param_set(const struct conf *c, int line, const char *key,
		      const char *name, long val)
{
	char path[128];
	long now;
	FILE *f;

	if (!param_get(name, &now)) {
		where(c, line);
		die("cannot set %s: the loaded module has no parameter %s",
		    key, name);
	}
	if (now == val)
		return;
	where(c, line);
	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		die("cannot set %s: %s", key, errno_text(errno));
	/* The module checks the range on write; the error shows at close. */
	if (fprintf(f, "%ld\n", val) < 0 || fclose(f))
		die("cannot set %s to %ld: %s", key, val, errno_text(errno));
}

int cmd_setconf(int argc, char **argv)
{
	char want[32], have[32];
	struct peer_list now;
	struct nsctl *ctl;
	struct attrs dev;
	struct conf c;
	bool force = false;

	if (argc < 1)
		die("missing FILE");
	if (argc > 1 && strcmp(argv[1], "force"))
		die("unexpected argument '%s' (expected force)", argv[1]);
	if (argc > 2)
		die("unexpected argument '%s'", argv[2]);
	force = argc > 1;
	conf_read(&c, argv[0]);

	ctl = nsctl_open();
	nsctl_dev_get(ctl, &dev);

	/* What applies at load only must already be what the file says. */
	if (c.has_size && c.size != dev_size(&dev)) {
		where(&c, c.size_line);
		size_str(c.size, want, sizeof(want));
		size_str(dev_size(&dev), have, sizeof(have));
		die("DeviceSize %s differs from the loaded module's %s (%s)",
		    want, have, "size_mb: applies at load only");
	}
	if (c.has_port && c.port != dev.v[NETSWAP_A_STORE_PORT]) {
		where(&c, c.port_line);
		die("ListenPort %u differs from the loaded module's %u (%s)",
		    c.port, (unsigned int)dev.v[NETSWAP_A_STORE_PORT],
		    "port: applies at load only");
	}
	if (c.has_lend && c.lend != dev.v[NETSWAP_A_STORE_LEND_LIMIT_BYTES]) {
		struct nl_msg *msg = nsctl_msg(ctl, NETSWAP_CMD_STORE_SET,
					       false);

		where(&c, c.lend_line);
		msg_put_u64(msg, NETSWAP_A_STORE_LEND_LIMIT_BYTES, c.lend);
		nsctl_run(ctl, msg, NULL, NULL, "cannot set Lend", NULL);
	}
	if (c.has_replicas)
		param_set(&c, c.replicas_line, "Replicas", "replicas",
			  c.replicas);
	if (c.has_reserve)
		param_set(&c, c.reserve_line, "LendReserve", "lend_reserve_pct",
			  c.reserve);

	nsctl_peer_dump(ctl, &now);
	apply_peers(&c, ctl, &now, dev.v[NETSWAP_A_STORE_PORT], force);
	err_where[0] = '\0';

	peer_list_free(&now);
	free(c.peer);
	nsctl_close(ctl);
	return 0;
}

/* The priority of /dev/netswap0 in /proc/swaps; -1 if it is not swap. */
static long swap_priority(const char *name)
{
	char path[128], line[512], dev[128];
	long prio = -1, p;
	FILE *f;

	f = fopen("/proc/swaps", "r");
	if (!f)
		return -1;
	snprintf(path, sizeof(path), "/dev/%s", name);
	while (fgets(line, sizeof(line), f)) {
		/* Filename Type Size Used Priority */
		if (sscanf(line, "%127s %*s %*s %*s %ld", dev, &p) == 2 &&
		    !strcmp(dev, path))
			prio = p;
	}
	fclose(f);
	return prio;
}

int cmd_showconf(int argc, char **argv)
{
	struct peer_list now;
	struct nsctl *ctl;
	struct attrs dev;
	long prio, replicas, reserve;
	char buf[32];
	size_t i;

	if (argc > 0)
		die("unexpected argument '%s'", argv[0]);
	ctl = nsctl_open();
	nsctl_dev_get(ctl, &dev);
	nsctl_peer_dump(ctl, &now);

	printf("[Netswap]\n");
	size_str(dev_size(&dev), buf, sizeof(buf));
	printf("DeviceSize = %s\n", buf);
	printf("ListenPort = %u\n", (unsigned int)dev.v[NETSWAP_A_STORE_PORT]);
	size_str(dev.v[NETSWAP_A_STORE_LEND_LIMIT_BYTES], buf, sizeof(buf));
	printf("Lend = %s\n", buf);
	if (param_get("replicas", &replicas))
		printf("Replicas = %ld\n", replicas);
	if (param_get("lend_reserve_pct", &reserve))
		printf("LendReserve = %ld%%\n", reserve);
	/* Automatic priorities (negative) cannot be asked for. */
	prio = dev.name[0] ? swap_priority(dev.name) : -1;
	if (prio >= 0)
		printf("SwapPriority = %ld\n", prio);

	for (i = 0; i < now.n; i++) {
		const struct attrs *a = &now.peer[i];
		char ep[ENDPOINT_STRLEN];

		if (!configured(a))
			continue;
		endpoint_str(&a->ep, ep, sizeof(ep));
		printf("\n[Peer]\nEndpoint = %s\n", ep);
		if (a->v[NETSWAP_A_PEER_PLACE_LIMIT_BYTES]) {
			size_str(a->v[NETSWAP_A_PEER_PLACE_LIMIT_BYTES], buf,
				 sizeof(buf));
			printf("Place = %s\n", buf);
		}
		if (a->v[NETSWAP_A_PEER_LEND_LIMIT_BYTES]) {
			size_str(a->v[NETSWAP_A_PEER_LEND_LIMIT_BYTES], buf,
				 sizeof(buf));
			printf("Lend = %s\n", buf);
		}
	}

	peer_list_free(&now);
	nsctl_close(ctl);
	return 0;
}
