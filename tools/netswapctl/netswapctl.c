// SPDX-License-Identifier: GPL-2.0
/*
 * netswapctl - configure and inspect the netswap network swap device.
 *
 * Talks to netswap.ko over the "netswap" generic netlink family; the
 * protocol is described in include/uapi/netswap.h. The commands are listed
 * in usage() and in netswapctl(8).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netswapctl.h"

static void usage(FILE *f)
{
	fputs("Usage: " PROG " [-j] COMMAND [ARGS]\n"
	      "\n"
	      "Commands:\n"
	      "  show                      device, store, datagrams dropped, every peer\n"
	      "  stats                     the counters only\n"
	      "  peer add ENDPOINT [place SIZE] [lend SIZE]\n"
	      "                            add a peer to place our pages on\n"
	      "  peer set ENDPOINT [place SIZE] [lend SIZE]\n"
	      "                            change a peer's limits\n"
	      "  peer del ENDPOINT [force] remove a peer; refused while it holds our pages,\n"
	      "                            or stores pages here unless force (frees them)\n"
	      "  peer show [ENDPOINT]      one peer, or every peer\n"
	      "  quota set lend SIZE       RAM this node lends to all peers together\n"
	      "  quota set peer ENDPOINT [place SIZE] [lend SIZE]\n"
	      "                            same as peer set\n"
	      "  quota show                the limits and what is in use\n"
	      "  drain [--timeout SEC]     ask every client to take its pages elsewhere,\n"
	      "                            take no new ones; wait until none is left here\n"
	      "                            (exit 1 after SEC, 60, without progress)\n"
	      "  drain --cancel            take new pages again\n"
	      "  monitor                   print events as they happen, until interrupted\n"
	      "  setconf FILE [force]      make the running configuration match FILE\n"
	      "                            (force: delete peers storing pages here too)\n"
	      "  showconf                  print the running configuration as a FILE\n"
	      "  add-peer, del-peer        the same as peer add, peer del\n"
	      "  help                      this help\n"
	      "\n"
	      "place SIZE: at most this much of our pages on that peer; lend SIZE: at\n"
	      "most this much of its pages here. SIZE is in bytes, or with a K, M, G,\n"
	      "T (KiB, MiB, GiB, TiB) suffix, powers of 1024; 0 means no limit.\n"
	      "ENDPOINT is ADDR[:PORT]: an IPv4 address (169.254.0.2), an IPv6 address,\n"
	      "in brackets when a port follows ([fd00::2]:7878, fd00::2). Without PORT\n"
	      "the module's port is used.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json                JSON output (show, stats, peer show, quota\n"
	      "                            show; monitor: one object a line)\n"
	      "  -h, --help                this help\n", f);
}

/*
 * Output: one set of print_* calls renders either the text records or the
 * JSON object, so the two formats cannot drift apart (the iproute2 way).
 * A value is printed in text, in JSON or in both, per its enum out_mode.
 */
enum out_mode {
	OUT_ANY,
	OUT_TEXT,
	OUT_JSON,
};

static struct {
	bool json;
	/* A JSON value precedes at this level, so the next needs a ','. */
	bool sep;
	/* Text: the next value starts a continuation line. */
	bool brk;
} out;

static bool out_wanted(enum out_mode mode)
{
	return mode == OUT_ANY || (mode == OUT_JSON) == out.json;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Starts a JSON member (or array element when key is NULL). */
static void json_key(const char *key)
{
	if (out.sep)
		putchar(',');
	out.sep = false;
	if (key) {
		json_string(key);
		putchar(':');
	}
}

/* JSON-only containers: the top-level object and the peer array. */
static void json_open(const char *key, char bracket)
{
	if (!out.json)
		return;
	json_key(key);
	putchar(bracket);
}

static void json_close(char bracket)
{
	if (!out.json)
		return;
	putchar(bracket);
	out.sep = true;
}

/* A record: a line starting with @label in text, an object in JSON. */
static void record_open(const char *key, const char *label)
{
	if (out.json)
		json_open(key, '{');
	else
		fputs(label, stdout);
}

static void record_close(void)
{
	if (out.json)
		json_close('}');
	else
		putchar('\n');
	out.brk = false;
}

/*
 * Text: a record's next value goes on a line of its own, indented. Only
 * once there is one: a group the caller leaves out leaves no empty line.
 */
static void text_break(void)
{
	out.brk = !out.json;
}

static void text_value(void)
{
	if (out.brk)
		fputs("\n   ", stdout);
	out.brk = false;
}

static void print_u64(enum out_mode mode, const char *key, uint64_t val)
{
	if (!out_wanted(mode))
		return;
	if (out.json) {
		json_key(key);
		printf("%llu", (unsigned long long)val);
		out.sep = true;
	} else {
		text_value();
		printf(" %s %llu", key, (unsigned long long)val);
	}
}

/* In text @fmt formats @val; without it the value follows the key. */
static void print_str(enum out_mode mode, const char *key, const char *fmt,
		      const char *val)
{
	if (!out_wanted(mode))
		return;
	if (out.json) {
		json_key(key);
		json_string(val);
		out.sep = true;
	} else if (fmt) {
		text_value();
		printf(fmt, val);
	} else {
		text_value();
		printf(" %s %s", key, val);
	}
}

static void print_null(enum out_mode mode, const char *key, const char *text)
{
	if (!out_wanted(mode))
		return;
	if (out.json) {
		json_key(key);
		fputs("null", stdout);
		out.sep = true;
	} else if (text) {
		fputs(text, stdout);
	}
}

/* Text: " key a,b" or " key none"; JSON: "key":["a","b"]. */
static void print_flags(const char *key, uint32_t flags,
			const char *const names[], unsigned int nnames)
{
	bool first = true;
	char buf[16];
	unsigned int i;

	if (out.json) {
		json_open(key, '[');
	} else {
		text_value();
		printf(" %s ", key);
	}

	for (i = 0; i < 32; i++) {
		const char *name;

		if (!(flags & (1U << i)))
			continue;
		if (i < nnames && names[i]) {
			name = names[i];
		} else {
			/* Show bits of a newer module rather than drop them. */
			snprintf(buf, sizeof(buf), "0x%x", 1U << i);
			name = buf;
		}
		if (out.json) {
			json_key(NULL);
			json_string(name);
			out.sep = true;
		} else {
			printf("%s%s", first ? "" : ",", name);
		}
		first = false;
	}

	if (out.json)
		json_close(']');
	else if (first)
		fputs("none", stdout);
}

/* The names of the module's enums. */
static const char *const flag_names[] = {
	"configured",	/* NETSWAP_PEER_F_CONFIGURED */
	"learned",	/* NETSWAP_PEER_F_LEARNED */
};

#define STATE_NAME(_name, _enum)					\
	[_enum] = #_name,

static const char *const peer_state_names[] = {
	NSW_PEER_STATES(STATE_NAME)
};

static const char *const dev_state_names[] = {
	NSW_DEV_STATES(STATE_NAME)
};

static const char *const event_names[] = {
	"peer_state",	/* NETSWAP_EVENT_PEER_STATE */
	"place_limit",	/* NETSWAP_EVENT_PLACE_LIMIT */
	"lend_limit",	/* NETSWAP_EVENT_LEND_LIMIT */
	"store_full",	/* NETSWAP_EVENT_STORE_FULL */
	"peer_full",	/* NETSWAP_EVENT_PEER_FULL */
	"peer_restart",	/* NETSWAP_EVENT_PEER_RESTART */
	"peer_safe",	/* NETSWAP_EVENT_PEER_SAFE */
};

static const char *enum_name(const char *const names[], unsigned int n,
			     uint64_t val)
{
	return val < n ? names[val] : "unknown";
}

/*
 * One figure. The replies were checked on receipt: only a learned peer's
 * state is absent. Strings name their record: in text the value alone
 * follows the record's label ("device netswap0").
 */
static void print_figure(const struct attrs *a, const struct figure *f)
{
	uint64_t v = a->v[f->attr];

	if (!a->has[f->attr])
		return;
	switch (f->type) {
	case F_STR:
		print_str(OUT_ANY, f->key, " %s", a->name);
		break;
	case F_DEV_STATE:
		print_str(OUT_ANY, f->key, NULL,
			  enum_name(dev_state_names,
				    ARRAY_SIZE(dev_state_names), v));
		break;
	case F_PEER_STATE:
		print_str(OUT_ANY, f->key, NULL,
			  enum_name(peer_state_names,
				    ARRAY_SIZE(peer_state_names), v));
		break;
	case F_FLAGS:
		print_flags(f->key, v, flag_names, ARRAY_SIZE(flag_names));
		break;
	default:
		print_u64(OUT_ANY, f->key, v);
		break;
	}
}

/*
 * How a record of many figures reads: @head first, in that order, what an
 * operator looks at first; the rest in the order of their lists, in text
 * a new line from each figure of @breaks on. Either array ends with 0.
 */
struct layout {
	const int *head;
	const int *breaks;
};

static bool attr_in(int attr, const int *list)
{
	for (; list && *list; list++)
		if (*list == attr)
			return true;
	return false;
}

static bool figure_wanted(const struct figure *f, bool counts_only)
{
	return !counts_only || f->type == F_COUNT || f->type == F_STR;
}

/* The head of @lo, each figure from whichever of @l1, @l2 has it. */
static void print_head(const struct attrs *a, const struct layout *lo,
		       const struct figure_list *l1,
		       const struct figure_list *l2, bool counts_only)
{
	const struct figure_list *lists[] = { l1, l2 };
	const int *attr;
	size_t i, j;

	for (attr = lo->head; *attr; attr++)
		for (i = 0; i < ARRAY_SIZE(lists); i++)
			for (j = 0; lists[i] && j < lists[i]->n; j++)
				if (lists[i]->f[j].attr == *attr &&
				    figure_wanted(&lists[i]->f[j], counts_only))
					print_figure(a, &lists[i]->f[j]);
}

/*
 * Every figure of @l but those of the head of @lo (if any), or
 * (@counts_only) its names and counts.
 */
static void print_figures(const struct attrs *a, const struct figure_list *l,
			  const struct layout *lo, bool counts_only)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct figure *f = &l->f[i];

		if (lo && attr_in(f->attr, lo->breaks))
			text_break();
		if (figure_wanted(f, counts_only) &&
		    !(lo && attr_in(f->attr, lo->head)))
			print_figure(a, f);
	}
}

/* The figure of @l that @attr carries. */
static void print_figure_of(const struct attrs *a,
			    const struct figure_list *l, int attr)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->f[i].attr == attr)
			print_figure(a, &l->f[i]);
}

/* Text "peer 169.254.0.2:7878", JSON "address":"169.254.0.2","port":7878 */
static void print_endpoint(const struct attrs *a)
{
	char text[ENDPOINT_STRLEN], host[ENDPOINT_STRLEN];
	struct endpoint ep = a->ep;

	endpoint_str(&ep, text, sizeof(text));
	ep.port = 0;
	endpoint_str(&ep, host, sizeof(host));
	/* JSON: the bare address, no brackets. */
	if (ep.af == AF_INET6) {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	print_str(OUT_TEXT, NULL, " %s", text);
	print_str(OUT_JSON, "address", NULL, host);
	print_u64(OUT_JSON, "port", a->v[NETSWAP_A_PEER_PORT]);
}

/*
 * A peer: first its state and our pages there, those of them short of a
 * copy and its pages here; then its settings and path; what we asked of
 * it; what it asked of us and the bytes both ways.
 */
static const struct layout peer_layout = {
	.head = (const int[]){ NETSWAP_A_PEER_STATE,
			       NETSWAP_A_PEER_PLACED_PAGES,
			       NETSWAP_A_PEER_DEGRADED_PAGES,
			       NETSWAP_A_PEER_HELD_PAGES, 0 },
	.breaks = (const int[]){ NETSWAP_A_PEER_FLAGS,
				 NETSWAP_A_PEER_TX_STORE_PAGES,
				 NETSWAP_A_PEER_RX_STORE_PAGES, 0 },
};

/* Everything about a peer (show, peer show), or its counts (stats). */
static void print_peer_figures(const struct attrs *a, bool counts_only)
{
	record_open(NULL, "peer");
	print_endpoint(a);
	print_head(a, &peer_layout, &peer_figures, &peer_counters,
		   counts_only);
	print_figures(a, &peer_figures, &peer_layout, counts_only);
	print_figures(a, &peer_counters, &peer_layout, counts_only);
	record_close();
}

static void print_peer(const struct attrs *a, void *arg)
{
	(void)arg;
	print_peer_figures(a, false);
}

static void print_peers(const struct peer_list *list,
			void (*fn)(const struct attrs *, void *))
{
	size_t i;

	json_open("peers", '[');
	for (i = 0; i < list->n; i++)
		fn(&list->peer[i], NULL);
	json_close(']');
}

/*
 * The device: first its name and state, size, the copies each page gets,
 * the copies stored, the pages short of one, those made again and those
 * given back with nowhere else to go; then its I/O; then its readahead.
 */
static const struct layout dev_layout = {
	.head = (const int[]){ NETSWAP_A_DEV_NAME, NETSWAP_A_DEV_STATE,
			       NETSWAP_A_DEV_SIZE_BYTES,
			       NETSWAP_A_DEV_REPLICAS,
			       NETSWAP_A_DEV_MAPPED_PAGES,
			       NETSWAP_A_DEV_DEGRADED_PAGES,
			       NETSWAP_A_DEV_COPIED_PAGES,
			       NETSWAP_A_DEV_DROPPED_PAGES, 0 },
	.breaks = (const int[]){ NETSWAP_A_DEV_OPENERS,
				 NETSWAP_A_DEV_READAHEAD_LOADED_PAGES, 0 },
};

static void print_device(const struct attrs *dev, bool counts_only)
{
	if (!dev_size(dev)) {
		print_null(OUT_ANY, "device", "device none\n");
		return;
	}
	record_open("device", "device");
	print_head(dev, &dev_layout, &dev_figures, NULL, counts_only);
	print_figures(dev, &dev_figures, &dev_layout, counts_only);
	record_close();
}

static void print_store(const struct attrs *dev, bool counts_only)
{
	record_open("store", "store");
	print_figures(dev, &store_figures, NULL, counts_only);
	record_close();
}

static void print_rx_dropped(const struct attrs *dev)
{
	record_open("rx_dropped", "rx_dropped");
	print_figures(dev, &rx_dropped_figures, NULL, false);
	record_close();
}

static void json_end(void)
{
	json_close('}');
	if (out.json)
		putchar('\n');
}

static void no_args(int argc, char **argv)
{
	if (argc > 0)
		die("unexpected argument '%s'", argv[0]);
}

/* show: device, store, drops, peers. */
static int cmd_show(int argc, char **argv)
{
	struct peer_list peers;
	struct attrs dev;
	struct nsctl *ctl;

	no_args(argc, argv);
	ctl = nsctl_open();
	nsctl_dev_get(ctl, &dev);
	nsctl_peer_dump(ctl, &peers);

	json_open(NULL, '{');
	print_device(&dev, false);
	print_store(&dev, false);
	print_rx_dropped(&dev);
	print_peers(&peers, print_peer);
	json_end();

	peer_list_free(&peers);
	nsctl_close(ctl);
	return 0;
}

static void print_peer_counts(const struct attrs *a, void *arg)
{
	(void)arg;
	print_peer_figures(a, true);
}

/* stats: only what counts. */
static int cmd_stats(int argc, char **argv)
{
	struct peer_list peers;
	struct attrs dev;
	struct nsctl *ctl;

	no_args(argc, argv);
	ctl = nsctl_open();
	nsctl_dev_get(ctl, &dev);
	nsctl_peer_dump(ctl, &peers);

	json_open(NULL, '{');
	print_device(&dev, true);
	print_store(&dev, true);
	print_rx_dropped(&dev);
	print_peers(&peers, print_peer_counts);
	json_end();

	peer_list_free(&peers);
	nsctl_close(ctl);
	return 0;
}

/* Keywords after the endpoint of peer add / set: place SIZE, lend SIZE. */
struct limits {
	bool has_place, has_lend;
	uint64_t place, lend;
};

static uint64_t size_arg(const char *kw, const char *s)
{
	uint64_t val;

	if (!s)
		die("missing SIZE after '%s'", kw);
	if (!parse_size(s, &val))
		die("invalid size '%s' after '%s' (bytes, or with a K, M, G or T suffix)",
		    s, kw);
	return val;
}

static void parse_limits(int argc, char **argv, struct limits *l)
{
	int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < argc; i += 2) {
		if (!strcmp(argv[i], "place")) {
			l->place = size_arg(argv[i], argv[i + 1]);
			l->has_place = true;
		} else if (!strcmp(argv[i], "lend")) {
			l->lend = size_arg(argv[i], argv[i + 1]);
			l->has_lend = true;
		} else {
			die("unknown keyword '%s' (expected place or lend)",
			    argv[i]);
		}
	}
}

static void endpoint_arg(const char *s, struct endpoint *ep)
{
	if (!s)
		die("missing peer address (ADDR[:PORT])");
	if (!parse_endpoint(s, ep))
		die("invalid address '%s' (%s)", s,
		    "expected IPv4, IPv6 or [IPv6], with an optional :PORT");
}

/* peer del ENDPOINT [force]: true if forced. */
static bool parse_force(int argc, char **argv)
{
	if (argc > 0 && !strcmp(argv[0], "force")) {
		no_args(argc - 1, argv + 1);
		return true;
	}
	if (argc > 0)
		die("unknown keyword '%s' (expected force)", argv[0]);
	return false;
}

/* peer add|set ENDPOINT [place SIZE] [lend SIZE], peer del ENDPOINT [force] */
static int peer_change(uint8_t cmd, int argc, char **argv)
{
	char what[ENDPOINT_STRLEN + 32], ep_text[ENDPOINT_STRLEN];
	struct endpoint ep;
	struct nsctl *ctl;
	struct nl_msg *msg;
	struct limits l;
	bool force = false;

	endpoint_arg(argc > 0 ? argv[0] : NULL, &ep);
	if (cmd == NETSWAP_CMD_PEER_DEL)
		force = parse_force(argc - 1, argv + 1);
	else
		parse_limits(argc - 1, argv + 1, &l);
	if (cmd == NETSWAP_CMD_PEER_SET && !l.has_place && !l.has_lend)
		die("nothing to set (place SIZE, lend SIZE)");

	endpoint_str(&ep, ep_text, sizeof(ep_text));
	snprintf(what, sizeof(what), "cannot %s peer %s",
		 cmd == NETSWAP_CMD_PEER_ADD ? "add" :
		 cmd == NETSWAP_CMD_PEER_DEL ? "delete" : "change", ep_text);

	ctl = nsctl_open();
	msg = nsctl_msg(ctl, cmd, false);
	msg_put_endpoint(msg, &ep);
	if (force)
		msg_put_flag(msg, NETSWAP_A_FORCE);
	if (cmd != NETSWAP_CMD_PEER_DEL) {
		if (l.has_place)
			msg_put_u64(msg, NETSWAP_A_PEER_PLACE_LIMIT_BYTES,
				    l.place);
		if (l.has_lend)
			msg_put_u64(msg, NETSWAP_A_PEER_LEND_LIMIT_BYTES,
				    l.lend);
	}
	nsctl_run(ctl, msg, NULL, NULL, what, &ep);
	nsctl_close(ctl);
	return 0;
}

static void peer_get_fn(const struct attrs *a, void *arg)
{
	require_peer(a);
	*(bool *)arg = true;
	print_peer(a, NULL);
}

/* peer show [ENDPOINT]: JSON an object for one, an array for all. */
static int peer_show(int argc, char **argv)
{
	struct peer_list peers;
	struct nsctl *ctl;

	if (argc > 0) {
		char what[ENDPOINT_STRLEN + 32], ep_text[ENDPOINT_STRLEN];
		struct endpoint ep;
		struct nl_msg *msg;
		bool got = false;

		endpoint_arg(argv[0], &ep);
		no_args(argc - 1, argv + 1);
		endpoint_str(&ep, ep_text, sizeof(ep_text));
		snprintf(what, sizeof(what), "cannot read peer %s", ep_text);
		ctl = nsctl_open();
		msg = nsctl_msg(ctl, NETSWAP_CMD_PEER_GET, false);
		msg_put_endpoint(msg, &ep);
		nsctl_run(ctl, msg, peer_get_fn, &got, what, &ep);
		if (!got)
			die("%s: no reply", what);
		if (out.json)
			putchar('\n');
		nsctl_close(ctl);
		return 0;
	}

	ctl = nsctl_open();
	nsctl_peer_dump(ctl, &peers);
	if (out.json) {
		size_t i;

		json_open(NULL, '[');
		for (i = 0; i < peers.n; i++)
			print_peer(&peers.peer[i], NULL);
		json_close(']');
		putchar('\n');
	} else {
		print_peers(&peers, print_peer);
	}
	peer_list_free(&peers);
	nsctl_close(ctl);
	return 0;
}

static int cmd_peer(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "show";

	if (argc > 0) {
		argc--;
		argv++;
	}
	if (!strcmp(sub, "add"))
		return peer_change(NETSWAP_CMD_PEER_ADD, argc, argv);
	if (!strcmp(sub, "del") || !strcmp(sub, "delete"))
		return peer_change(NETSWAP_CMD_PEER_DEL, argc, argv);
	if (!strcmp(sub, "set"))
		return peer_change(NETSWAP_CMD_PEER_SET, argc, argv);
	if (!strcmp(sub, "show") || !strcmp(sub, "list"))
		return peer_show(argc, argv);
	die("unknown peer command '%s' (expected add, del, set or show)", sub);
}

/* quota show: limits, and what is in use under them. */
static void print_peer_quota(const struct attrs *a, void *arg)
{
	(void)arg;
	record_open(NULL, "peer");
	print_endpoint(a);
	print_figure_of(a, &peer_figures, NETSWAP_A_PEER_PLACE_LIMIT_BYTES);
	print_figure_of(a, &peer_figures, NETSWAP_A_PEER_LEND_LIMIT_BYTES);
	print_figure_of(a, &peer_counters, NETSWAP_A_PEER_PLACED_PAGES);
	print_figure_of(a, &peer_counters, NETSWAP_A_PEER_HELD_PAGES);
	record_close();
}

static int quota_show(int argc, char **argv)
{
	struct peer_list peers;
	struct attrs dev;
	struct nsctl *ctl;

	no_args(argc, argv);
	ctl = nsctl_open();
	nsctl_dev_get(ctl, &dev);
	nsctl_peer_dump(ctl, &peers);

	json_open(NULL, '{');
	record_open("store", "store");
	print_figure_of(&dev, &store_figures, NETSWAP_A_STORE_LEND_LIMIT_BYTES);
	print_figure_of(&dev, &store_figures, NETSWAP_A_STORE_LENT_PAGES);
	record_close();
	print_peers(&peers, print_peer_quota);
	json_end();

	peer_list_free(&peers);
	nsctl_close(ctl);
	return 0;
}

/* quota set lend SIZE | quota set peer ENDPOINT [place SIZE] [lend SIZE] */
static int quota_set(int argc, char **argv)
{
	struct nsctl *ctl;
	struct nl_msg *msg;
	uint64_t lend;

	if (argc < 1)
		die("missing 'lend SIZE' or 'peer ENDPOINT ...' after quota set");
	if (!strcmp(argv[0], "peer"))
		return peer_change(NETSWAP_CMD_PEER_SET, argc - 1, argv + 1);
	if (strcmp(argv[0], "lend"))
		die("unknown keyword '%s' (expected lend or peer)", argv[0]);
	lend = size_arg(argv[0], argc > 1 ? argv[1] : NULL);
	no_args(argc - 2, argv + 2);

	ctl = nsctl_open();
	msg = nsctl_msg(ctl, NETSWAP_CMD_STORE_SET, false);
	msg_put_u64(msg, NETSWAP_A_STORE_LEND_LIMIT_BYTES, lend);
	nsctl_run(ctl, msg, NULL, NULL, "cannot set the lend quota", NULL);
	nsctl_close(ctl);
	return 0;
}

static int cmd_quota(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "show";

	if (argc > 0) {
		argc--;
		argv++;
	}
	if (!strcmp(sub, "set"))
		return quota_set(argc, argv);
	if (!strcmp(sub, "show"))
		return quota_show(argc, argv);
	die("unknown quota command '%s' (expected set or show)", sub);
}

/* Drains without progress for this long fail (drain --timeout). */
#define DRAIN_TIMEOUT_SEC	60

static uint64_t now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * One line of drain progress to @f: what is lent, and each client that
 * still has pages here.
 */
static void drain_line(FILE *f, const struct attrs *dev,
		       const struct peer_list *peers)
{
	char ep[ENDPOINT_STRLEN];
	size_t i;

	fprintf(f, "lent_pages %llu",
		(unsigned long long)dev->v[NETSWAP_A_STORE_LENT_PAGES]);
	for (i = 0; i < peers->n; i++) {
		const struct attrs *a = &peers->peer[i];

		if (!a->v[NETSWAP_A_PEER_HELD_PAGES])
			continue;
		endpoint_str(&a->ep, ep, sizeof(ep));
		fprintf(f, ", client %s held_pages %llu", ep,
			(unsigned long long)a->v[NETSWAP_A_PEER_HELD_PAGES]);
	}
	fputc('\n', f);
	fflush(f);
}

static void drain_set(bool on)
{
	struct nsctl *ctl = nsctl_open();
	struct nl_msg *msg = nsctl_msg(ctl, NETSWAP_CMD_STORE_SET, false);

	msg_put_u8(msg, NETSWAP_A_STORE_DRAINING, on);
	nsctl_run(ctl, msg, NULL, NULL, on ? "cannot drain" :
			     "cannot cancel the drain", NULL);
	nsctl_close(ctl);
}

/*
 * drain [--timeout SEC] | drain --cancel: progress each second until
 * nothing is lent; a drain that makes no progress for SEC fails, naming
 * who still has pages here. It stays draining then (drain --cancel).
 */
/* drain's exit status when no page left for --timeout seconds. */
#define DRAIN_STUCK	2

static int cmd_drain(int argc, char **argv)
{
	uint64_t timeout = DRAIN_TIMEOUT_SEC, least = UINT64_MAX, since;
	struct peer_list peers;
	struct attrs dev;
	struct nsctl *ctl;
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--cancel")) {
			no_args(argc - 1, argv + 1);
			drain_set(false);
			return 0;
		}
		if (strcmp(argv[i], "--timeout"))
			die("unexpected argument '%s'", argv[i]);
		if (++i == argc)
			die("missing SEC after --timeout");
		errno = 0;
		timeout = strtoull(argv[i], &end, 10);
		if (errno || end == argv[i] || *end || !timeout)
			die("invalid --timeout '%s' (seconds, at least 1)",
			    argv[i]);
	}
	drain_set(true);
	ctl = nsctl_open();
	since = now_sec();
	for (;;) {
		nsctl_dev_get(ctl, &dev);
		nsctl_peer_dump(ctl, &peers);
		drain_line(stdout, &dev, &peers);
		if (!dev.v[NETSWAP_A_STORE_LENT_PAGES])
			break;
		if (dev.v[NETSWAP_A_STORE_LENT_PAGES] < least) {
			least = dev.v[NETSWAP_A_STORE_LENT_PAGES];
			since = now_sec();
		} else if (now_sec() - since >= timeout) {
			fprintf(stderr, PROG ": drain: no progress for %llu s; still here: ",
				(unsigned long long)timeout);
			drain_line(stderr, &dev, &peers);
			fputs(PROG ": they have nowhere else for those pages, or do not answer\n"
			      PROG ": still draining; 'drain --cancel' takes new pages again\n"
			      PROG ": 'peer del ADDR force' drops a client's pages here\n",
			      stderr);
			peer_list_free(&peers);
			nsctl_close(ctl);
			return DRAIN_STUCK;
		}
		peer_list_free(&peers);
		sleep(1);
	}
	peer_list_free(&peers);
	nsctl_close(ctl);
	printf("drained: no pages held for any client\n");
	return 0;
}

/* monitor: one line (text or JSON) per event. */
static void print_event(const struct attrs *a, void *arg)
{
	(void)arg;
	json_open(NULL, '{');
	print_str(OUT_ANY, "event", "%s",
		  enum_name(event_names, ARRAY_SIZE(event_names),
			    a->v[NETSWAP_A_EVENT]));
	if (a->has[NETSWAP_A_PEER_ADDR])
		print_endpoint(a);
	if (a->has[NETSWAP_A_PEER_STATE])
		print_str(OUT_ANY, "state", " state %s",
			  enum_name(peer_state_names,
				    ARRAY_SIZE(peer_state_names),
				    a->v[NETSWAP_A_PEER_STATE]));
	json_close('}');
	out.sep = false;
	putchar('\n');
	fflush(stdout);
}

static int cmd_monitor(int argc, char **argv)
{
	struct nsctl *ctl;

	no_args(argc, argv);
	ctl = nsctl_open();
	nsctl_monitor(ctl, print_event, NULL);
	nsctl_close(ctl);
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_add_peer(int argc, char **argv)
{
	return peer_change(NETSWAP_CMD_PEER_ADD, argc, argv);
}

static int cmd_del_peer(int argc, char **argv)
{
	return peer_change(NETSWAP_CMD_PEER_DEL, argc, argv);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool json;		/* -j means something to it */
} commands[] = {
	{ "show",	cmd_show,	true },
	{ "stats",	cmd_stats,	true },
	{ "peer",	cmd_peer,	true },
	{ "quota",	cmd_quota,	true },
	{ "monitor",	cmd_monitor,	true },
	{ "drain",	cmd_drain,	false },
	{ "setconf",	cmd_setconf,	false },
	{ "showconf",	cmd_showconf,	false },
	{ "help",	cmd_help,	false },
	/* The first commands, kept for scripts. */
	{ "add-peer",	cmd_add_peer,	false },
	{ "del-peer",	cmd_del_peer,	false },
};

int main(int argc, char **argv)
{
	unsigned int c;
	int i, ret;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			out.json = true;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		die("unknown option '%s' (try '" PROG " help')", argv[i]);
	}
	if (i == argc)
		die("missing command (try '" PROG " help')");

	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			break;
	if (c == ARRAY_SIZE(commands))
		die("unknown command '%s' (try '" PROG " help')", argv[i]);
	if (out.json && !commands[c].json)
		die("%s has no JSON output", commands[c].name);

	ret = commands[c].fn(argc - i - 1, argv + i + 1);
	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", errno_text(errno));
	return ret;
}
