// SPDX-License-Identifier: GPL-2.0
/*
 * netswapctl - configure and inspect the netswap network swap device.
 *
 * Talks to netswap.ko over the "netswap" generic netlink family; the
 * protocol is described in include/uapi/netswap.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/netlink.h>

#include "uapi/netswap.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif

#define PROG			"netswapctl"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define __noreturn		__attribute__((noreturn))
#define __printf(a, b)		__attribute__((format(printf, a, b)))

static void usage(FILE *f)
{
	fputs("Usage: " PROG " [OPTIONS] COMMAND\n"
	      "\n"
	      "Commands:\n"
	      "  add-peer ADDR[:PORT]      add a peer to place pages on\n"
	      "  del-peer ADDR[:PORT]      remove a peer\n"
	      "  peer add|del ADDR[:PORT]  same as add-peer / del-peer\n"
	      "  show                      show device, store and peers\n"
	      "  help                      show this help\n"
	      "\n"
	      "ADDR is an IPv4 address (169.254.0.2) or an IPv6 address,\n"
	      "in brackets when a port follows ([fd00::2]:7878, fd00::2).\n"
	      "Without PORT the module's default port is used.\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json                print 'show' output as JSON\n"
	      "  -h, --help                show this help\n", f);
}

static void __noreturn __printf(1, 2) die(const char *fmt, ...)
{
	va_list ap;

	/* Keep whatever was printed so far ahead of the error. */
	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * strerror() and nl_geterror() capitalise their messages; the rest of ours
 * are lower case. Leave acronyms ("RPC ...") alone.
 */
static void __noreturn die_lc(const char *str)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", str);
	if (isupper((unsigned char)msg[0]) && islower((unsigned char)msg[1]))
		msg[0] = tolower((unsigned char)msg[0]);
	die("%s", msg);
}

static void __noreturn die_errno(int err)
{
	die_lc(strerror(err));
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
		printf(fmt, val);
	} else {
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

	if (out.json)
		json_open(key, '[');
	else
		printf(" %s ", key);

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

/* Attribute accessors: absent or short attributes read as 0. */
static uint64_t attr_u64(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) >= 8 ? nla_get_u64(tb[type]) : 0;
}

static uint32_t attr_u32(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) >= 4 ? nla_get_u32(tb[type]) : 0;
}

static uint16_t attr_u16(struct nlattr **tb, int type)
{
	return tb[type] && nla_len(tb[type]) >= 2 ? nla_get_u16(tb[type]) : 0;
}

/*
 * Netlink plumbing. Every request runs until its ACK (doit) or NLMSG_DONE
 * (dump); kernel errors are kept with their extack message so they can be
 * reported instead of libnl's translation of the errno.
 */
typedef void (*attr_handler_t)(struct nlattr **tb, void *arg);

struct request {
	attr_handler_t handler;
	void *arg;
	bool done;
	int error;		/* positive errno reported by the kernel */
	char msg[256];		/* its extack message, or "" */
};

struct nsctl {
	struct nl_sock *sk;
	int family;
	struct request *req;
};

static void request_set_error(struct request *req, int error,
			      const struct nlattr *tlvs, int len)
{
	struct nlattr *msg;

	req->error = error;
	req->done = true;
	if (len <= 0)
		return;
	msg = nla_find(tlvs, len, NLMSGERR_ATTR_MSG);
	if (msg)
		nla_strlcpy(req->msg, msg, sizeof(req->msg));
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct nlattr *tb[NETSWAP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETSWAP_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (req->handler)
		req->handler(tb, req->arg);
	return NL_OK;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/* A dump that fails midway carries the errno (and extack) in NLMSG_DONE. */
static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *req = arg;
	int len = nlmsg_datalen(nlh);
	int error;

	req->done = true;
	if (len < (int)sizeof(int))
		return NL_STOP;
	memcpy(&error, nlmsg_data(nlh), sizeof(error));
	if (error < 0 && (nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		request_set_error(req, -error,
				  (struct nlattr *)((char *)nlmsg_data(nlh) +
						    NLMSG_ALIGN(sizeof(int))),
				  len - NLMSG_ALIGN(sizeof(int)));
	else if (error < 0)
		request_set_error(req, -error, NULL, 0);
	return NL_STOP;
}

/*
 * libnl 3.7 drops the extended ACK, so find its TLVs behind struct nlmsgerr
 * ourselves. libnl hands us nlmsg_data() of the NLMSG_ERROR message.
 */
static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	int datalen = nlmsg_datalen(nlh);
	struct request *req = arg;
	size_t off = 0;
	int len = 0;

	(void)nla;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		/* Unless capped, the whole request is echoed before them. */
		if (nlh->nlmsg_flags & NLM_F_CAPPED)
			off = sizeof(*err);
		else
			off = NLMSG_ALIGN(sizeof(err->error) +
					  (size_t)err->msg.nlmsg_len);
		if (off < (size_t)datalen)
			len = datalen - off;
	}
	request_set_error(req, -err->error,
			  len > 0 ? (struct nlattr *)((char *)err + off) : NULL,
			  len);
	return NL_STOP;
}

static void nsctl_open(struct nsctl *ctl, struct request *req)
{
	int one = 1, err;

	ctl->req = req;
	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		die_errno(ENOMEM);
	err = genl_connect(ctl->sk);
	if (err < 0)
		die("cannot open netlink socket: %s", nl_geterror(err));

	/*
	 * Ask for error messages, and for the request not to be echoed back
	 * with them. Kernels without these simply send plain errors.
	 */
	setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	ctl->family = genl_ctrl_resolve(ctl->sk, NETSWAP_GENL_NAME);
	if (ctl->family == -NLE_OBJ_NOTFOUND)
		die("netswap module not loaded");
	if (ctl->family < 0)
		die("cannot resolve generic netlink family '%s': %s",
		    NETSWAP_GENL_NAME, nl_geterror(ctl->family));

	/* Installed after genl_ctrl_resolve(), which brings its own. */
	nl_socket_modify_cb(ctl->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, req);
	nl_socket_modify_cb(ctl->sk, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, req);
	nl_socket_modify_cb(ctl->sk, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb,
			    req);
	nl_socket_modify_err_cb(ctl->sk, NL_CB_CUSTOM, error_cb, req);
}

static void nsctl_close(struct nsctl *ctl)
{
	nl_socket_free(ctl->sk);
}

static struct nl_msg *nsctl_msg(struct nsctl *ctl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		die_errno(ENOMEM);
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0,
			 flags, cmd, NETSWAP_GENL_VERSION))
		die_errno(ENOMEM);
	return msg;
}

/* Sends @msg (and frees it), feeding each reply to @handler. */
static void nsctl_run(struct nsctl *ctl, struct nl_msg *msg,
		      attr_handler_t handler, void *arg)
{
	struct request *req = ctl->req;
	int err;

	memset(req, 0, sizeof(*req));
	req->handler = handler;
	req->arg = arg;

	err = nl_send_auto(ctl->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die("cannot send request: %s", nl_geterror(err));

	while (!req->done) {
		err = nl_recvmsgs_default(ctl->sk);
		if (err < 0)
			break;
	}

	if (req->error) {
		if (req->msg[0])
			die("%s", req->msg);
		die_errno(req->error);
	}
	if (err < 0)
		die_lc(nl_geterror(err));
}

/* Peer address parsing: ADDR, ADDR:PORT, [IPV6]:PORT, [IPV6] or IPV6. */
struct peer {
	int af;
	unsigned char addr[16];
	bool has_port;
	uint16_t port;
};

static uint16_t parse_port(const char *s)
{
	unsigned long port = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			die("invalid port '%s'", s);
		port = port * 10 + (*p - '0');
	}
	if (p == s || port == 0 || port > 65535)
		die("invalid port '%s'", s);
	return port;
}

static void parse_peer(const char *arg, struct peer *peer)
{
	char buf[INET6_ADDRSTRLEN + 16];
	char *host = buf, *port = NULL, *colon;

	memset(peer, 0, sizeof(*peer));
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		die("invalid address '%s'", arg);

	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (!end || (end[1] && end[1] != ':'))
			die("invalid address '%s'", arg);
		if (end[1] == ':')
			port = end + 2;
		*end = '\0';
		host = buf + 1;
		peer->af = AF_INET6;
	} else {
		colon = strchr(buf, ':');
		/* Two colons make a bare IPv6 address, which takes no port. */
		if (colon && strchr(colon + 1, ':')) {
			peer->af = AF_INET6;
		} else {
			peer->af = AF_INET;
			if (colon) {
				*colon = '\0';
				port = colon + 1;
			}
		}
	}

	if (inet_pton(peer->af, host, peer->addr) != 1)
		die("invalid address '%s'", arg);
	if (port) {
		peer->port = parse_port(port);
		peer->has_port = true;
	}
}

static void cmd_peer(uint8_t cmd, int argc, char **argv)
{
	struct request req;
	struct nsctl ctl;
	struct nl_msg *msg;
	struct peer peer;

	if (argc < 1)
		die("missing peer address");
	if (argc > 1)
		die("unexpected argument '%s'", argv[1]);
	parse_peer(argv[0], &peer);

	nsctl_open(&ctl, &req);
	msg = nsctl_msg(&ctl, cmd, 0);
	if (nla_put(msg, NETSWAP_A_PEER_ADDR, peer.af == AF_INET ? 4 : 16,
		    peer.addr) < 0 ||
	    (peer.has_port &&
	     nla_put_u16(msg, NETSWAP_A_PEER_PORT, peer.port) < 0))
		die_errno(ENOMEM);
	nsctl_run(&ctl, msg, NULL, NULL);
	nsctl_close(&ctl);
}

/* show */
/* Datagrams the module dropped, by reason, as "show" names them. */
static const struct {
	const char *key;
	int type;
} drop_reasons[] = {
	{ "short",	NETSWAP_A_RX_DROP_SHORT },
	{ "magic",	NETSWAP_A_RX_DROP_MAGIC },
	{ "version",	NETSWAP_A_RX_DROP_VERSION },
	{ "type",	NETSWAP_A_RX_DROP_TYPE },
	{ "flags",	NETSWAP_A_RX_DROP_FLAGS },
	{ "len",	NETSWAP_A_RX_DROP_LEN },
	{ "stale",	NETSWAP_A_RX_DROP_STALE },
};

struct dev_info {
	bool present;
	char name[64];
	uint64_t size;
	uint64_t pages_mapped;
	uint32_t open_count;
	uint16_t port;
	uint64_t quota_pages;
	uint64_t used_pages;
	uint64_t dropped[ARRAY_SIZE(drop_reasons)];
};

static void dev_info_parse(struct nlattr **tb, void *arg)
{
	struct dev_info *dev = arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(drop_reasons); i++)
		dev->dropped[i] = attr_u64(tb, drop_reasons[i].type);
	if (tb[NETSWAP_A_DEV_NAME])
		nla_strlcpy(dev->name, tb[NETSWAP_A_DEV_NAME],
			    sizeof(dev->name));
	dev->size = attr_u64(tb, NETSWAP_A_DEV_SIZE);
	dev->pages_mapped = attr_u64(tb, NETSWAP_A_DEV_PAGES_MAPPED);
	dev->open_count = attr_u32(tb, NETSWAP_A_DEV_OPEN_COUNT);
	dev->port = attr_u16(tb, NETSWAP_A_PORT);
	dev->quota_pages = attr_u64(tb, NETSWAP_A_STORE_QUOTA_PAGES);
	dev->used_pages = attr_u64(tb, NETSWAP_A_STORE_PAGES_USED);
	/* The module reports no device until it has one with a size. */
	dev->present = dev->name[0] && dev->size;
}

static void print_dev_info(const struct dev_info *dev)
{
	unsigned int i;

	if (dev->present) {
		record_open("device", "device");
		print_str(OUT_ANY, "name", " %s", dev->name);
		print_u64(OUT_ANY, "size", dev->size);
		print_u64(OUT_ANY, "pages_mapped", dev->pages_mapped);
		print_u64(OUT_ANY, "open", dev->open_count);
		record_close();
	} else {
		print_null(OUT_ANY, "device", "device none\n");
	}

	record_open("store", "store");
	print_u64(OUT_ANY, "port", dev->port);
	print_u64(OUT_ANY, "quota_pages", dev->quota_pages);
	print_u64(OUT_ANY, "used_pages", dev->used_pages);
	record_close();

	record_open("rx_dropped", "rx_dropped");
	for (i = 0; i < ARRAY_SIZE(drop_reasons); i++)
		print_u64(OUT_ANY, drop_reasons[i].key, dev->dropped[i]);
	record_close();
}

static void print_peer(struct nlattr **tb, void *arg)
{
	static const char *const flag_names[] = {
		"configured",	/* NETSWAP_PEER_F_CONFIGURED */
		"learned",	/* NETSWAP_PEER_F_LEARNED */
	};
	static const char *const state_names[] = {
		"up",		/* NETSWAP_PEER_UP */
		"suspect",	/* NETSWAP_PEER_SUSPECT */
		"down",		/* NETSWAP_PEER_DOWN */
	};
	static const struct {
		const char *key;
		int type;
	} counters[] = {
		{ "placed",	 NETSWAP_A_PEER_PAGES_PLACED },
		{ "stores",	 NETSWAP_A_PEER_TX_STORES },
		{ "loads",	 NETSWAP_A_PEER_TX_LOADS },
		{ "frees",	 NETSWAP_A_PEER_TX_FREES },
		{ "errors",	 NETSWAP_A_PEER_TX_ERRORS },
		{ "retransmits", NETSWAP_A_PEER_RETRANSMITS },
		{ "crc_errors",	 NETSWAP_A_PEER_CRC_ERRORS },
		{ "held",	 NETSWAP_A_PEER_PAGES_HELD },
		{ "rx_stores",	 NETSWAP_A_PEER_RX_STORES },
		{ "rx_loads",	 NETSWAP_A_PEER_RX_LOADS },
		{ "rx_frees",	 NETSWAP_A_PEER_RX_FREES },
		{ "rx_full",	 NETSWAP_A_PEER_RX_FULL },
	};
	struct nlattr *addr = tb[NETSWAP_A_PEER_ADDR];
	uint16_t port = attr_u16(tb, NETSWAP_A_PEER_PORT);
	char host[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	unsigned int i;
	int af = 0;

	(void)arg;
	if (addr && nla_len(addr) == 4)
		af = AF_INET;
	else if (addr && nla_len(addr) == 16)
		af = AF_INET6;
	if (!af || !inet_ntop(af, nla_data(addr), host, sizeof(host)))
		af = 0;

	record_open(NULL, "peer");
	if (af) {
		snprintf(text, sizeof(text), af == AF_INET6 ? "[%s]:%u" :
			 "%s:%u", host, port);
		print_str(OUT_TEXT, NULL, " %s", text);
		print_str(OUT_JSON, "address", NULL, host);
	} else {
		snprintf(text, sizeof(text), "unknown:%u", port);
		print_str(OUT_TEXT, NULL, " %s", text);
		print_null(OUT_JSON, "address", NULL);
	}
	print_u64(OUT_JSON, "port", port);
	print_flags("flags", attr_u32(tb, NETSWAP_A_PEER_FLAGS), flag_names,
		    ARRAY_SIZE(flag_names));
	if (tb[NETSWAP_A_PEER_STATE]) {
		uint8_t st = nla_get_u8(tb[NETSWAP_A_PEER_STATE]);

		print_str(OUT_ANY, "state", " state %s",
			  st < ARRAY_SIZE(state_names) ? state_names[st] :
							 "unknown");
	}
	print_u64(OUT_ANY, "rtt_us", attr_u32(tb, NETSWAP_A_PEER_RTT_US));
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		print_u64(OUT_ANY, counters[i].key,
			  attr_u64(tb, counters[i].type));
	record_close();
}

static void cmd_show(int argc, char **argv)
{
	struct dev_info dev = { 0 };
	struct request req;
	struct nsctl ctl;

	if (argc > 0)
		die("unexpected argument '%s'", argv[0]);

	nsctl_open(&ctl, &req);
	nsctl_run(&ctl, nsctl_msg(&ctl, NETSWAP_CMD_DEV_GET, 0),
		  dev_info_parse, &dev);

	json_open(NULL, '{');
	print_dev_info(&dev);
	json_open("peers", '[');
	nsctl_run(&ctl, nsctl_msg(&ctl, NETSWAP_CMD_PEER_GET, NLM_F_DUMP),
		  print_peer, NULL);
	json_close(']');
	json_close('}');
	if (out.json)
		putchar('\n');

	nsctl_close(&ctl);
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i;

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

	cmd = argv[i++];
	argc -= i;
	argv += i;

	if (!strcmp(cmd, "help")) {
		usage(stdout);
	} else if (!strcmp(cmd, "add-peer")) {
		cmd_peer(NETSWAP_CMD_PEER_ADD, argc, argv);
	} else if (!strcmp(cmd, "del-peer")) {
		cmd_peer(NETSWAP_CMD_PEER_DEL, argc, argv);
	} else if (!strcmp(cmd, "peer")) {
		if (argc < 1)
			die("missing peer command (add or del)");
		if (!strcmp(argv[0], "add"))
			cmd_peer(NETSWAP_CMD_PEER_ADD, argc - 1, argv + 1);
		else if (!strcmp(argv[0], "del"))
			cmd_peer(NETSWAP_CMD_PEER_DEL, argc - 1, argv + 1);
		else
			die("unknown peer command '%s'", argv[0]);
	} else if (!strcmp(cmd, "show")) {
		cmd_show(argc, argv);
	} else {
		die("unknown command '%s' (try '" PROG " help')", cmd);
	}

	if (fflush(stdout) || ferror(stdout))
		die("write error: %s", strerror(errno));
	return 0;
}
