// SPDX-License-Identifier: GPL-2.0
/*
 * netswapctl: requests to netswap.ko over its generic netlink family
 * (include/uapi/netswap.h), with libnl-genl-3.
 *
 * Every request runs until its ACK (doit) or NLMSG_DONE (dump); kernel
 * errors are kept with their extack message, which is what gets reported.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/netlink.h>

#include "netswapctl.h"

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

struct request {
	reply_fn fn;
	void *arg;
	bool done;
	int error;		/* positive errno reported by the kernel */
	char msg[256];		/* its extack message, or "" */
};

struct nsctl {
	struct nl_sock *sk;
	int family;
	struct request req;
};

#define FIGURE(_key, _attr, _type)					\
	{ .key = #_key, .attr = (_attr), .type = F_##_type },
#define DEV_FIGURE(_key, _attr, _type, ...)				\
	FIGURE(_key, NETSWAP_A_DEV_##_attr, _type)
#define STORE_FIGURE(_key, _attr, _type, ...)				\
	FIGURE(_key, NETSWAP_A_STORE_##_attr, _type)
#define PEER_FIGURE(_key, _attr, _type, ...)				\
	FIGURE(_key, NETSWAP_A_PEER_##_attr, _type)
#define RX_DROPPED_FIGURE(_key, _attr, _type, ...)			\
	FIGURE(_key, NETSWAP_A_RX_DROPPED_##_attr, _type)

static const struct figure dev_f[] = { NSW_DEV_FIGURES(DEV_FIGURE) };
static const struct figure store_f[] = { NSW_STORE_FIGURES(STORE_FIGURE) };
static const struct figure peer_f[] = { NSW_PEER_FIGURES(PEER_FIGURE) };
static const struct figure peer_c[] = { NSW_PEER_COUNTERS(PEER_FIGURE) };
static const struct figure drop_f[] = {
	NSW_RX_DROPPED_FIGURES(RX_DROPPED_FIGURE)
};

const struct figure_list dev_figures = { dev_f, ARRAY_SIZE(dev_f) };
const struct figure_list store_figures = { store_f, ARRAY_SIZE(store_f) };
const struct figure_list peer_figures = { peer_f, ARRAY_SIZE(peer_f) };
const struct figure_list peer_counters = { peer_c, ARRAY_SIZE(peer_c) };
const struct figure_list rx_dropped_figures = { drop_f, ARRAY_SIZE(drop_f) };

/* As the kernel's: 0, or a build error where @e is true. */
#define BUILD_BUG_ON_ZERO(e)	((int)sizeof(struct { int:(-!!(e)); }))

/*
 * Every figure by its attribute (and the port of a peer's address), for
 * attrs_parse(). struct attrs keeps one string, so the build fails on a
 * STR figure other than the device's name.
 */
#define BY_ATTR(_key, _attr, _type, _may_be_str)			\
	[_attr] = {							\
		.key	= #_key,					\
		.type	= F_##_type +					\
			  BUILD_BUG_ON_ZERO(F_##_type == F_STR &&	\
					    !(_may_be_str)),		\
	},
#define DEV_BY_ATTR(_key, _attr, _type, ...)				\
	BY_ATTR(_key, NETSWAP_A_DEV_##_attr, _type,			\
		NETSWAP_A_DEV_##_attr == NETSWAP_A_DEV_NAME)
#define STORE_BY_ATTR(_key, _attr, _type, ...)				\
	BY_ATTR(_key, NETSWAP_A_STORE_##_attr, _type, false)
#define PEER_BY_ATTR(_key, _attr, _type, ...)				\
	BY_ATTR(_key, NETSWAP_A_PEER_##_attr, _type, false)
#define RX_DROPPED_BY_ATTR(_key, _attr, _type, ...)			\
	BY_ATTR(_key, NETSWAP_A_RX_DROPPED_##_attr, _type, false)

static const struct figure by_attr[NETSWAP_A_MAX + 1] = {
	NSW_DEV_FIGURES(DEV_BY_ATTR)
	NSW_STORE_FIGURES(STORE_BY_ATTR)
	NSW_PEER_FIGURES(PEER_BY_ATTR)
	NSW_PEER_COUNTERS(PEER_BY_ATTR)
	NSW_RX_DROPPED_FIGURES(RX_DROPPED_BY_ATTR)
	BY_ATTR(port, NETSWAP_A_PEER_PORT, U16, false)
};

/* An unsigned attribute of @size bytes; false if it is shorter. */
static bool get_uint(const struct nlattr *nla, int size, uint64_t *v)
{
	if (nla_len(nla) < size)
		return false;
	switch (size) {
	case 1:
		*v = nla_get_u8(nla);
		break;
	case 2:
		*v = nla_get_u16(nla);
		break;
	case 4:
		*v = nla_get_u32(nla);
		break;
	default:
		*v = nla_get_u64(nla);
		break;
	}
	return true;
}

/* Attributes that are too short for their type count as absent. */
static void attrs_parse(struct nlattr **tb, struct attrs *a)
{
	static const int size[] = {
		[F_U8]		= 1,
		[F_U16]		= 2,
		[F_U32]		= 4,
		[F_U64]		= 8,
		[F_COUNT]	= 8,
		[F_DEV_STATE]	= 1,
		[F_PEER_STATE]	= 1,
		[F_FLAGS]	= 4,
	};
	struct nlattr *addr = tb[NETSWAP_A_PEER_ADDR];
	int type;

	memset(a, 0, sizeof(*a));
	for (type = 0; type <= NETSWAP_A_MAX; type++) {
		const struct figure *f = &by_attr[type];

		if (!f->key || !tb[type])
			continue;
		if (f->type == F_STR) {
			nla_strlcpy(a->name, tb[type], sizeof(a->name));
			a->has[type] = true;
		} else {
			a->has[type] = get_uint(tb[type], size[f->type],
						&a->v[type]);
		}
	}
	if (tb[NETSWAP_A_EVENT])
		a->has[NETSWAP_A_EVENT] = get_uint(tb[NETSWAP_A_EVENT], 1,
						   &a->v[NETSWAP_A_EVENT]);
	if (addr && (nla_len(addr) == 4 || nla_len(addr) == 16)) {
		a->has[NETSWAP_A_PEER_ADDR] = true;
		a->ep.af = nla_len(addr) == 4 ? AF_INET : AF_INET6;
		memcpy(a->ep.addr, nla_data(addr), nla_len(addr));
		a->ep.port = a->v[NETSWAP_A_PEER_PORT];
	}
}

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
	struct nlattr *tb[NETSWAP_A_MAX + 1];
	struct request *req = arg;
	struct attrs a;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NETSWAP_A_MAX, NULL) < 0)
		return NL_SKIP;
	attrs_parse(tb, &a);
	if (req->fn)
		req->fn(&a, req->arg);
	return NL_OK;
}

/*
 * The extended ACK's TLVs behind struct nlmsgerr (libnl 3.7 drops them):
 * unless capped, the whole request is echoed before them.
 */
static struct nlattr *ack_tlvs(struct nlmsghdr *nlh, int *len)
{
	struct nlmsgerr *err = nlmsg_data(nlh);
	int datalen = nlmsg_datalen(nlh);
	size_t off;

	*len = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    datalen < (int)sizeof(*err))
		return NULL;
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off = sizeof(*err);
	else
		off = NLMSG_ALIGN(sizeof(err->error) +
				  (size_t)err->msg.nlmsg_len);
	if (off >= (size_t)datalen)
		return NULL;
	*len = datalen - off;
	return (struct nlattr *)((char *)err + off);
}

/* A success may carry a message too (PEER_SET below what is in use). */
static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct nlattr *tlvs, *m;
	int len;

	req->done = true;
	tlvs = ack_tlvs(nlmsg_hdr(msg), &len);
	m = tlvs ? nla_find(tlvs, len, NLMSGERR_ATTR_MSG) : NULL;
	if (m)
		nla_strlcpy(req->msg, m, sizeof(req->msg));
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

/* libnl hands us nlmsg_data() of the NLMSG_ERROR message. */
static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)err - NLMSG_HDRLEN);
	struct nlattr *tlvs;
	int len;

	(void)nla;
	tlvs = ack_tlvs(nlh, &len);
	request_set_error(arg, -err->error, tlvs, len);
	return NL_STOP;
}

struct nsctl *nsctl_open(void)
{
	struct nsctl *ctl = calloc(1, sizeof(*ctl));
	int one = 1, err;

	if (!ctl)
		die("%s", errno_text(ENOMEM));
	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		die("%s", errno_text(ENOMEM));
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
		die("netswap module not loaded (generic netlink family \"%s\" not found)",
		    NETSWAP_GENL_NAME);
	if (ctl->family < 0)
		die("cannot resolve generic netlink family \"%s\": %s",
		    NETSWAP_GENL_NAME, nl_geterror(ctl->family));

	/* Installed after genl_ctrl_resolve(), which brings its own. */
	nl_socket_modify_cb(ctl->sk, NL_CB_VALID, NL_CB_CUSTOM, valid_cb,
			    &ctl->req);
	nl_socket_modify_cb(ctl->sk, NL_CB_ACK, NL_CB_CUSTOM, ack_cb,
			    &ctl->req);
	nl_socket_modify_cb(ctl->sk, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb,
			    &ctl->req);
	nl_socket_modify_err_cb(ctl->sk, NL_CB_CUSTOM, error_cb, &ctl->req);
	return ctl;
}

void nsctl_close(struct nsctl *ctl)
{
	nl_socket_free(ctl->sk);
	free(ctl);
}

struct nl_msg *nsctl_msg(struct nsctl *ctl, uint8_t cmd, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, NETSWAP_GENL_VERSION))
		die("%s", errno_text(ENOMEM));
	return msg;
}

void msg_put_endpoint(struct nl_msg *msg, const struct endpoint *ep)
{
	if (nla_put(msg, NETSWAP_A_PEER_ADDR, ep->af == AF_INET ? 4 : 16,
		    ep->addr) < 0 ||
	    (ep->port && nla_put_u16(msg, NETSWAP_A_PEER_PORT, ep->port) < 0))
		die("%s", errno_text(ENOMEM));
}

void msg_put_u64(struct nl_msg *msg, int type, uint64_t val)
{
	if (nla_put_u64(msg, type, val) < 0)
		die("%s", errno_text(ENOMEM));
}

void msg_put_u8(struct nl_msg *msg, int type, uint8_t val)
{
	if (nla_put_u8(msg, type, val) < 0)
		die("%s", errno_text(ENOMEM));
}

void msg_put_flag(struct nl_msg *msg, int type)
{
	if (nla_put_flag(msg, type) < 0)
		die("%s", errno_text(ENOMEM));
}

/* One line for a failed request; see nsctl_run(). */
static void __noreturn request_die(const struct request *req,
				   const char *what,
				   const struct endpoint *peer)
{
	char ep[ENDPOINT_STRLEN];

	if (peer)
		endpoint_str(peer, ep, sizeof(ep));
	switch (req->error) {
	case EPERM:
		die("not permitted (needs CAP_NET_ADMIN)");
	case ENOENT:
		if (peer)
			die("unknown peer %s", ep);
		break;
	case EEXIST:
		if (peer)
			die("peer %s exists already", ep);
		break;
	}
	if (req->msg[0])
		die("%s: %s", what, req->msg);
	die("%s: %s", what, errno_text(req->error));
}

void nsctl_run(struct nsctl *ctl, struct nl_msg *msg, reply_fn fn, void *arg,
	       const char *what, const struct endpoint *peer)
{
	struct request *req = &ctl->req;
	int err;

	memset(req, 0, sizeof(*req));
	req->fn = fn;
	req->arg = arg;

	err = nl_send_auto(ctl->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		die("%s: cannot send request: %s", what, nl_geterror(err));

	while (!req->done) {
		err = nl_recvmsgs_default(ctl->sk);
		if (err < 0)
			break;
	}

	if (req->error)
		request_die(req, what, peer);
	if (err < 0)
		die("%s: %s", what, nl_geterror(err));
	if (req->msg[0])
		inform("%s", req->msg);
}

/*
 * The module and netswapctl ship together, so a figure missing from a
 * reply means they do not match. Only a peer this node swaps to has a
 * state.
 */
static void require_figures(const struct attrs *a,
			    const struct figure_list *l, const char *scope)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		int attr = l->f[i].attr;

		if (a->has[attr] || (attr == NETSWAP_A_PEER_STATE &&
				     !(a->v[NETSWAP_A_PEER_FLAGS] &
				       NETSWAP_PEER_F_CONFIGURED)))
			continue;
		die("the module sent a %s without its %s: it does not match netswapctl",
		    scope, l->f[i].key);
	}
}

void require_peer(const struct attrs *a)
{
	if (!a->has[NETSWAP_A_PEER_ADDR] || !a->has[NETSWAP_A_PEER_PORT])
		die("the module sent a peer without its address: it does not match netswapctl");
	require_figures(a, &peer_figures, "peer");
	require_figures(a, &peer_counters, "peer");
}

static void dev_get_fn(const struct attrs *a, void *arg)
{
	memcpy(arg, a, sizeof(*a));
}

void nsctl_dev_get(struct nsctl *ctl, struct attrs *dev)
{
	memset(dev, 0, sizeof(*dev));
	nsctl_run(ctl, nsctl_msg(ctl, NETSWAP_CMD_DEV_GET, false), dev_get_fn,
		  dev, "cannot read the device state", NULL);
	if (dev->has[NETSWAP_A_DEV_NAME])
		require_figures(dev, &dev_figures, "device");
	require_figures(dev, &store_figures, "store");
	require_figures(dev, &rx_dropped_figures, "rx_dropped");
}

static void peer_dump_fn(const struct attrs *a, void *arg)
{
	struct peer_list *list = arg;
	struct attrs *p;

	require_peer(a);
	p = realloc(list->peer, (list->n + 1) * sizeof(*p));
	if (!p)
		die("%s", errno_text(ENOMEM));
	list->peer = p;
	p[list->n++] = *a;
}

void nsctl_peer_dump(struct nsctl *ctl, struct peer_list *list)
{
	memset(list, 0, sizeof(*list));
	nsctl_run(ctl, nsctl_msg(ctl, NETSWAP_CMD_PEER_GET, true),
		  peer_dump_fn, list, "cannot list the peers", NULL);
}

void peer_list_free(struct peer_list *list)
{
	free(list->peer);
	memset(list, 0, sizeof(*list));
}

/* Only there to interrupt poll(): SIGINT and SIGTERM end the monitor. */
static void on_signal(int sig)
{
	(void)sig;
}

/* Only NETSWAP_CMD_EVENT messages reach the handler. */
static int event_cb(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	if (gh->cmd != NETSWAP_CMD_EVENT)
		return NL_SKIP;
	return valid_cb(msg, arg);
}

void nsctl_monitor(struct nsctl *ctl, reply_fn fn, void *arg)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd;
	int grp, err;

	grp = genl_ctrl_resolve_grp(ctl->sk, NETSWAP_GENL_NAME,
				    NETSWAP_MCGRP_EVENTS);
	if (grp < 0)
		die("cannot resolve multicast group \"%s\": %s",
		    NETSWAP_MCGRP_EVENTS, nl_geterror(grp));

	memset(&ctl->req, 0, sizeof(ctl->req));
	ctl->req.fn = fn;
	ctl->req.arg = arg;
	nl_socket_disable_seq_check(ctl->sk);
	nl_socket_modify_cb(ctl->sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb,
			    &ctl->req);
	err = nl_socket_add_membership(ctl->sk, grp);
	if (err < 0)
		die("cannot join multicast group \"%s\": %s",
		    NETSWAP_MCGRP_EVENTS, nl_geterror(err));

	/* No SA_RESTART: poll() fails with EINTR on the signal: we stop. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = nl_socket_get_fd(ctl->sk);
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				return;
			die("poll: %s", errno_text(errno));
		}
		err = nl_recvmsgs_default(ctl->sk);
		/* Events were lost when the socket's buffer overflowed. */
		if (err == -NLE_NOMEM)
			inform("events lost (receive buffer overflow)");
		else if (err < 0 && err != -NLE_INTR)
			die("cannot receive events: %s", nl_geterror(err));
	}
}

uint64_t dev_size(const struct attrs *dev)
{
	return dev->name[0] ? dev->v[NETSWAP_A_DEV_SIZE_BYTES] : 0;
}
