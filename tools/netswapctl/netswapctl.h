/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netswapctl - shared declarations of its parts: netlink.c (requests to
 * the module), conf.c (setconf, showconf) and netswapctl.c (the rest).
 */
#ifndef NETSWAPCTL_H
#define NETSWAPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/netswap.h"
#include "netswap_figures.h"

#define PROG			"netswapctl"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define __noreturn		__attribute__((noreturn))
#define __printf(a, b)		__attribute__((format(printf, a, b)))

/*
 * Errors: "netswapctl: [WHERE: ]MESSAGE" on stderr, exit status 1. WHERE
 * is err_where when set (setconf: "FILE:LINE").
 */
extern char err_where[300];
void __noreturn __printf(1, 2) die(const char *fmt, ...);
void __printf(1, 2) inform(const char *fmt, ...);
const char *errno_text(int err);

/* A peer's UDP endpoint: ADDR, ADDR:PORT, [IPV6]:PORT, [IPV6] or IPV6. */
struct endpoint {
	int af;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network byte order */
	uint16_t port;		/* 0: the module's port */
};

bool parse_endpoint(const char *s, struct endpoint *ep);
void endpoint_str(const struct endpoint *ep, char *buf, size_t len);
bool endpoint_eq(const struct endpoint *a, const struct endpoint *b);
#define ENDPOINT_STRLEN		64

bool parse_uint(const char *s, size_t len, unsigned long max,
		unsigned long *val);

/* Sizes: bytes, K/M/G/T or KiB/MiB/GiB/TiB (powers of 1024). */
bool parse_size(const char *s, uint64_t *val);
void size_str(uint64_t val, char *buf, size_t len);

/*
 * The attributes of one message of the module, by type: numbers in v[],
 * has[] tells which were present. The peer address lands in ep.
 */
struct attrs {
	bool has[NETSWAP_A_MAX + 1];
	uint64_t v[NETSWAP_A_MAX + 1];
	struct endpoint ep;	/* when has[NETSWAP_A_PEER_ADDR] */
	char name[64];		/* NETSWAP_A_DEV_NAME, the one STR figure */
};

/* How a figure of netswap_figures.h travels and shows. */
enum figure_type {
	F_STR,
	F_U8,
	F_U16,
	F_U32,
	F_U64,
	F_COUNT,
	F_DEV_STATE,
	F_PEER_STATE,
	F_FLAGS,
};

/* A figure: its key in the text and JSON output, and its attribute. */
struct figure {
	const char *key;
	int attr;
	enum figure_type type;
};

/* The figures of one scope, in the order they are printed. */
struct figure_list {
	const struct figure *f;
	size_t n;
};

extern const struct figure_list dev_figures, store_figures, peer_figures,
	peer_counters, rx_dropped_figures;

/* Peers, as a dump returns them. */
struct peer_list {
	struct attrs *peer;
	size_t n;
};

struct nsctl;
struct nl_msg;

typedef void (*reply_fn)(const struct attrs *a, void *arg);

/* Dies when the module is not loaded. */
struct nsctl *nsctl_open(void);
void nsctl_close(struct nsctl *ctl);

struct nl_msg *nsctl_msg(struct nsctl *ctl, uint8_t cmd, bool dump);
void msg_put_endpoint(struct nl_msg *msg, const struct endpoint *ep);
void msg_put_u64(struct nl_msg *msg, int type, uint64_t val);
void msg_put_u8(struct nl_msg *msg, int type, uint8_t val);
void msg_put_flag(struct nl_msg *msg, int type);

/*
 * Sends @msg (and frees it), hands each reply to @fn. Kernel errors die
 * with "WHAT: reason"; @peer (may be NULL) is the peer the request is
 * about, for "unknown peer ADDR".
 */
void nsctl_run(struct nsctl *ctl, struct nl_msg *msg, reply_fn fn, void *arg,
	       const char *what, const struct endpoint *peer);

/* Both die unless the module sent every figure it has. */
void nsctl_dev_get(struct nsctl *ctl, struct attrs *dev);
void nsctl_peer_dump(struct nsctl *ctl, struct peer_list *list);
/* The same check, for a peer read otherwise. */
void require_peer(const struct attrs *a);
void peer_list_free(struct peer_list *list);

/* Subscribes to the events group; @fn gets each event until SIGINT/TERM. */
void nsctl_monitor(struct nsctl *ctl, reply_fn fn, void *arg);

/* /dev/netswap0's size, 0 without a device. */
uint64_t dev_size(const struct attrs *dev);

int cmd_setconf(int argc, char **argv);
int cmd_showconf(int argc, char **argv);

#endif /* NETSWAPCTL_H */
