// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "netswap", see include/uapi/netswap.h.
 *
 * Written with genl_small_ops, not split ops, so the same source builds
 * for 6.1. Every op is at or past resv_start_op: strict validation.
 *
 * The ops run in parallel, outside genl_mutex: a peer add waits seconds
 * for a silent peer's RESET and a peer del for grace periods, and every
 * other serialised generic netlink family on the host would wait with
 * them. Ops that change the configuration serialise on nsw_conf_mutex
 * instead, which applies changes one at a time; it is not held across
 * the RESET. Reads take no lock of ours.
 */
#include "netswap.h"

#include <linux/inet.h>
#include <linux/mutex.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "netlink.h"
#include "peer.h"
#include "disk.h"
#include "store.h"
#include "transport.h"
#include "events.h"
#include "figures.h"
#include "session.h"
#include "uapi/netswap.h"

/*
 * What requests may carry; with strict validation anything else (other
 * attributes, wrong lengths, port 0) is refused before an op runs.
 */
static const struct nla_policy nsw_policy[NETSWAP_A_MAX + 1] = {
	[NETSWAP_A_PEER_ADDR]	= NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[NETSWAP_A_PEER_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[NETSWAP_A_PEER_PLACE_LIMIT_BYTES] = { .type = NLA_U64 },
	[NETSWAP_A_PEER_LEND_LIMIT_BYTES] = { .type = NLA_U64 },
	[NETSWAP_A_STORE_LEND_LIMIT_BYTES] = { .type = NLA_U64 },
	[NETSWAP_A_STORE_DRAINING] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETSWAP_A_FORCE]	= { .type = NLA_FLAG },
};

static struct genl_family nsw_genl_family;
static DEFINE_MUTEX(nsw_conf_mutex);

/*
 * A limit attribute in bytes, as pages (rounded down); 0 stays 0, no
 * limit. A nonzero limit below one page is refused: rounded down it would
 * silently mean "no limit".
 */
static int nsw_parse_limit(struct genl_info *info, int type, u64 *pages)
{
	struct nlattr *a = info->attrs[type];
	u64 bytes = nla_get_u64(a);

	if (bytes && bytes < PAGE_SIZE) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "a limit is 0 (none) or at least one page");
		return -ERANGE;
	}
	*pages = bytes >> PAGE_SHIFT;
	return 0;
}

/* The peer limits a request carries; U64_MAX: left out. */
struct nsw_limits {
	u64 place;
	u64 lend;
};

static int nsw_parse_limits(struct genl_info *info, struct nsw_limits *lim)
{
	int err = 0;

	lim->place = U64_MAX;
	lim->lend = U64_MAX;
	if (info->attrs[NETSWAP_A_PEER_PLACE_LIMIT_BYTES])
		err = nsw_parse_limit(info, NETSWAP_A_PEER_PLACE_LIMIT_BYTES,
				      &lim->place);
	if (!err && info->attrs[NETSWAP_A_PEER_LEND_LIMIT_BYTES])
		err = nsw_parse_limit(info, NETSWAP_A_PEER_LEND_LIMIT_BYTES,
				      &lim->lend);
	return err;
}

/*
 * Pages above a lowered limit stay where they are (nothing moves pages
 * yet): the successful reply says so.
 */
static void nsw_apply_limits(struct nsw_peer *peer,
			     const struct nsw_limits *lim,
			     struct netlink_ext_ack *extack)
{
	if (lim->place != U64_MAX) {
		WRITE_ONCE(peer->place_limit, lim->place);
		if (lim->place && atomic64_read(&peer->placed_pages) > lim->place)
			NL_SET_ERR_MSG(extack,
				       "more of our pages are there than the new place limit; they stay until freed (no pages move yet)");
	}
	if (lim->lend != U64_MAX) {
		WRITE_ONCE(peer->lend_limit, lim->lend);
		if (lim->lend && atomic64_read(&peer->held_pages) > lim->lend)
			NL_SET_ERR_MSG(extack,
				       "it has more pages here than the new lend limit; they stay until it frees them (no pages move yet)");
	}
}

static int nsw_parse_peer(struct genl_info *info, struct sockaddr_in6 *addr)
{
	struct nlattr *a = info->attrs[NETSWAP_A_PEER_ADDR];
	u16 port = nsw_port;

	if (!a) {
		NL_SET_ERR_MSG(info->extack, "peer address missing");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sin6_family = AF_INET6;
	if (nla_len(a) == sizeof(struct in_addr)) {
		ipv6_addr_set_v4mapped(nla_get_in_addr(a), &addr->sin6_addr);
	} else if (nla_len(a) == sizeof(struct in6_addr)) {
		addr->sin6_addr = nla_get_in6_addr(a);
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "peer address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (ipv6_addr_any(&addr->sin6_addr) ||
	    ipv6_addr_is_multicast(&addr->sin6_addr) ||
	    (ipv6_addr_v4mapped(&addr->sin6_addr) &&
	     (ipv4_is_zeronet(addr->sin6_addr.s6_addr32[3]) ||
	      ipv4_is_multicast(addr->sin6_addr.s6_addr32[3]) ||
	      ipv4_is_lbcast(addr->sin6_addr.s6_addr32[3])))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "peer address must be a unicast address");
		return -EINVAL;
	}
	if (info->attrs[NETSWAP_A_PEER_PORT])
		port = nla_get_u16(info->attrs[NETSWAP_A_PEER_PORT]);
	addr->sin6_port = htons(port);
	return 0;
}

static int nsw_cmd_peer_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nsw_limits lim;
	struct sockaddr_in6 addr;
	struct nsw_peer *peer;
	int err;

	err = nsw_parse_peer(info, &addr);
	if (err)
		return err;
	err = nsw_parse_limits(info, &lim);
	if (err)
		return err;
	mutex_lock(&nsw_conf_mutex);
	peer = nsw_peer_add(&addr, NETSWAP_PEER_F_CONFIGURED, GFP_KERNEL,
			    info->extack);
	if (IS_ERR(peer)) {
		mutex_unlock(&nsw_conf_mutex);
		return PTR_ERR(peer);
	}
	nsw_apply_limits(peer, &lim, info->extack);
	mutex_unlock(&nsw_conf_mutex);
	/*
	 * The session's RESET drops what an earlier incarnation of this node
	 * left there; without it no page goes there (liveness.c retries).
	 * Unlocked: a silent peer takes seconds, and our reference keeps it.
	 */
	if (nsw_session_begin(peer))
		pr_warn("%pISpc does not answer yet; its session begins when it does\n",
			&peer->shown);
	pr_info("peer %pISpc added\n", &peer->shown);
	nsw_peer_put(peer);
	return 0;
}

static int nsw_cmd_peer_del(struct sk_buff *skb, struct genl_info *info)
{
	union nsw_sockaddr shown;
	struct sockaddr_in6 addr;
	int err;

	err = nsw_parse_peer(info, &addr);
	if (err)
		return err;
	mutex_lock(&nsw_conf_mutex);
	err = nsw_peer_del(&addr, nla_get_flag(info->attrs[NETSWAP_A_FORCE]),
			   info->extack);
	mutex_unlock(&nsw_conf_mutex);
	if (!err) {
		nsw_addr_display(&addr, &shown);
		pr_info("peer %pISpc deleted\n", &shown);
	}
	return err;
}

/* The known peer @info names, with a reference, or an ERR_PTR. */
static struct nsw_peer *nsw_find_peer(struct genl_info *info)
{
	struct sockaddr_in6 addr;
	struct nsw_peer *peer;
	int err;

	err = nsw_parse_peer(info, &addr);
	if (err)
		return ERR_PTR(err);
	rcu_read_lock();
	peer = nsw_peer_get_rcu(nsw_peer_lookup_rcu(&addr));
	rcu_read_unlock();
	if (!peer) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NETSWAP_A_PEER_ADDR],
				    "no such peer");
		return ERR_PTR(-ENOENT);
	}
	return peer;
}

static int nsw_cmd_peer_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nsw_limits lim;
	struct nsw_peer *peer;
	int err;

	err = nsw_parse_limits(info, &lim);
	if (err)
		return err;
	peer = nsw_find_peer(info);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	mutex_lock(&nsw_conf_mutex);
	nsw_apply_limits(peer, &lim, info->extack);
	mutex_unlock(&nsw_conf_mutex);
	nsw_peer_put(peer);
	return 0;
}

static int nsw_cmd_store_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *drain = info->attrs[NETSWAP_A_STORE_DRAINING];
	u64 pages, used;
	int err;

	if (drain && !info->attrs[NETSWAP_A_STORE_LEND_LIMIT_BYTES]) {
		nsw_store_set_draining(nla_get_u8(drain));
		return 0;
	}
	if (GENL_REQ_ATTR_CHECK(info, NETSWAP_A_STORE_LEND_LIMIT_BYTES))
		return -EINVAL;
	err = nsw_parse_limit(info, NETSWAP_A_STORE_LEND_LIMIT_BYTES, &pages);
	if (err)
		return err;
	mutex_lock(&nsw_conf_mutex);
	err = nsw_store_set_limit(pages, &used, info->extack);
	mutex_unlock(&nsw_conf_mutex);
	if (err)
		return err;
	if (drain)
		nsw_store_set_draining(nla_get_u8(drain));
	if (used > pages)
		NL_SET_ERR_MSG(info->extack,
			       "peers have more pages here than the new lend limit; they are asked to move the excess elsewhere");
	pr_info("lending at most %llu MiB\n", pages >> (20 - PAGE_SHIFT));
	return 0;
}

static int nsw_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, NETSWAP_A_PAD);
}

static int nsw_put_addr(struct sk_buff *skb, const struct sockaddr_in6 *addr)
{
	const struct in6_addr *a = &addr->sin6_addr;
	int err;

	if (ipv6_addr_v4mapped(a))
		err = nla_put_in_addr(skb, NETSWAP_A_PEER_ADDR, a->s6_addr32[3]);
	else
		err = nla_put_in6_addr(skb, NETSWAP_A_PEER_ADDR, a);
	return err ?: nla_put_u16(skb, NETSWAP_A_PEER_PORT,
				  ntohs(addr->sin6_port));
}

/* The store's figures (NSW_STORE_FIGURES). */
struct nsw_store_info {
	NSW_SNAPSHOT(NSW_STORE_FIGURES)
};

/* A peer's settings and state (NSW_PEER_FIGURES). */
struct nsw_peer_info {
	NSW_SNAPSHOT(NSW_PEER_FIGURES)
};

#define NSW_DEV_FIGURE(_name, _attr, _type, _member)			\
	NSW_FIGURE(_name, NETSWAP_A_DEV_##_attr, _type,			\
		   offsetof(struct nsw_dev_info, _member)),
#define NSW_STORE_FIGURE(_name, _attr, _type, _member)			\
	NSW_FIGURE(_name, NETSWAP_A_STORE_##_attr, _type,		\
		   offsetof(struct nsw_store_info, _member)),
#define NSW_PEER_FIGURE(_name, _attr, _type, _member)			\
	NSW_FIGURE(_name, NETSWAP_A_PEER_##_attr, _type,		\
		   offsetof(struct nsw_peer_info, _member)),
#define NSW_PEER_COUNTER(_name, _attr, _type, _member)			\
	NSW_FIGURE(_name, NETSWAP_A_PEER_##_attr, _type,		\
		   offsetof(struct nsw_peer, _member)),
#define NSW_RX_DROPPED_FIGURE(_name, _attr, _type, _reason)		\
	NSW_FIGURE(_name, NETSWAP_A_RX_DROPPED_##_attr, _type,		\
		   (_reason) * sizeof(atomic64_t)),

static const struct nsw_figure nsw_dev_figures[] = {
	NSW_DEV_FIGURES(NSW_DEV_FIGURE)
};

static const struct nsw_figure nsw_store_figures[] = {
	NSW_STORE_FIGURES(NSW_STORE_FIGURE)
};

static const struct nsw_figure nsw_peer_figures[] = {
	NSW_PEER_FIGURES(NSW_PEER_FIGURE)
};

static const struct nsw_figure nsw_peer_counters[] = {
	NSW_PEER_COUNTERS(NSW_PEER_COUNTER)
};

static const struct nsw_figure nsw_rx_dropped_figures[] = {
	NSW_RX_DROPPED_FIGURES(NSW_RX_DROPPED_FIGURE)
};

/* One figure of a snapshot at @base, as its netlink type. */
static int nsw_put_figure(struct sk_buff *skb, const struct nsw_figure *f,
			  const void *base)
{
	u64 v;

	if (f->type == NSW_FIG_STR)
		return nla_put_string(skb, f->attr, nsw_figure_str(f, base));
	v = nsw_figure_u64(f, base);
	switch (f->type) {
	case NSW_FIG_U16:
		return nla_put_u16(skb, f->attr, v);
	case NSW_FIG_U32:
	case NSW_FIG_FLAGS:
		return nla_put_u32(skb, f->attr, v);
	case NSW_FIG_U8:
	case NSW_FIG_DEV_STATE:
	case NSW_FIG_PEER_STATE:
		return nla_put_u8(skb, f->attr, v);
	default:
		return nsw_put_u64(skb, f->attr, v);
	}
}

static int nsw_put_figures(struct sk_buff *skb, const struct nsw_figure *f,
			   unsigned int n, const void *base)
{
	for (; n; f++, n--) {
		if (nsw_put_figure(skb, f, base))
			return -EMSGSIZE;
	}
	return 0;
}

/* Counters, the atomic64_t at each figure's offset from @base. */
static int nsw_put_counters(struct sk_buff *skb, const struct nsw_figure *f,
			    unsigned int n, const void *base)
{
	for (; n; f++, n--) {
		if (nsw_put_u64(skb, f->attr,
				atomic64_read(base + f->offset)))
			return -EMSGSIZE;
	}
	return 0;
}

/* Its state only for a peer this node swaps to. */
static int nsw_fill_peer(struct sk_buff *skb, const struct nsw_peer *peer)
{
	const struct nsw_peer_info info = {
		.flags			= READ_ONCE(peer->flags),
		.state			= READ_ONCE(peer->state),
		.rtt_us			= READ_ONCE(peer->rtt.srtt_us),
		.page_datagrams		= nsw_peer_page_dgrams(peer),
		.cwnd_pages		= READ_ONCE(peer->cwnd.cwnd),
		.place_limit_bytes	= READ_ONCE(peer->place_limit) << PAGE_SHIFT,
		.lend_limit_bytes	= READ_ONCE(peer->lend_limit) << PAGE_SHIFT,
		.degraded_pages		= READ_ONCE(peer->degraded_pages),
		.give_back_pages	= READ_ONCE(peer->give_back_pages),
		.room_pages		= READ_ONCE(peer->room_pages),
	};
	const struct nsw_figure *f = nsw_peer_figures;
	unsigned int i;

	if (nsw_put_addr(skb, &peer->addr))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(nsw_peer_figures); i++) {
		if (f[i].attr == NETSWAP_A_PEER_STATE &&
		    !(info.flags & NETSWAP_PEER_F_CONFIGURED))
			continue;
		if (nsw_put_figure(skb, &f[i], &info))
			return -EMSGSIZE;
	}
	return nsw_put_counters(skb, nsw_peer_counters,
				ARRAY_SIZE(nsw_peer_counters), peer);
}

struct nsw_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int nsw_dump_one(struct nsw_peer *peer, void *arg)
{
	struct nsw_dump_ctx *ctx = arg;
	void *hdr;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "netswap peer dumped outside nsw_peer_for_each()");
	hdr = genlmsg_put(ctx->skb, NETLINK_CB(ctx->cb->skb).portid,
			  ctx->cb->nlh->nlmsg_seq, &nsw_genl_family,
			  NLM_F_MULTI, NETSWAP_CMD_PEER_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nsw_fill_peer(ctx->skb, peer)) {
		genlmsg_cancel(ctx->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(ctx->skb, hdr);
	ctx->cb->args[0] = peer->idx + 1;	/* resume after this one */
	return 0;
}

static int nsw_cmd_peer_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nsw_dump_ctx ctx = { .skb = skb, .cb = cb };

	nsw_peer_for_each(nsw_dump_one, &ctx, cb->args[0]);
	return skb->len;
}

static int nsw_cmd_peer_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nsw_peer *peer;
	struct sk_buff *msg;
	void *hdr;
	int err = -EMSGSIZE;

	peer = nsw_find_peer(info);
	if (IS_ERR(peer))
		return PTR_ERR(peer);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		err = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put_reply(msg, info, &nsw_genl_family, 0,
				NETSWAP_CMD_PEER_GET);
	if (!hdr || nsw_fill_peer(msg, peer)) {
		nlmsg_free(msg);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out:
	nsw_peer_put(peer);
	return err;
}

/* Without a device (size_mb=0), its state alone. */
static int nsw_fill_dev(struct sk_buff *skb)
{
	struct nsw_store_info store = { .port = nsw_port };
	struct nsw_dev_info dev;
	bool draining;
	u64 limit;

	/* As many drop figures as reasons of nsw_rx_dropped[] (from 1). */
	BUILD_BUG_ON(ARRAY_SIZE(nsw_rx_dropped_figures) !=
		     NSW_RX_DROP_MAX - NSW_WERR_SHORT);
	nsw_disk_info(&dev);
	nsw_store_usage(&limit, &store.lent_pages);
	store.lend_limit_bytes = limit << PAGE_SHIFT;
	nsw_store_asks(&draining, &store.give_back_pages);
	store.draining = draining;
	if (dev.name) {
		if (nsw_put_figures(skb, nsw_dev_figures,
				    ARRAY_SIZE(nsw_dev_figures), &dev))
			return -EMSGSIZE;
	} else if (nla_put_u8(skb, NETSWAP_A_DEV_STATE, dev.state)) {
		return -EMSGSIZE;
	}
	return nsw_put_figures(skb, nsw_store_figures,
			       ARRAY_SIZE(nsw_store_figures), &store) ?:
	       nsw_put_counters(skb, nsw_rx_dropped_figures,
				ARRAY_SIZE(nsw_rx_dropped_figures),
				nsw_rx_dropped);
}

static int nsw_cmd_dev_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nsw_genl_family, 0,
				NETSWAP_CMD_DEV_GET);
	if (!hdr || nsw_fill_dev(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops nsw_genl_ops[] = {
	{
		.cmd	= NETSWAP_CMD_PEER_ADD,
		.doit	= nsw_cmd_peer_add,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NETSWAP_CMD_PEER_DEL,
		.doit	= nsw_cmd_peer_del,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NETSWAP_CMD_PEER_GET,
		.doit	= nsw_cmd_peer_get,
		.dumpit	= nsw_cmd_peer_dump,
	},
	{
		.cmd	= NETSWAP_CMD_DEV_GET,
		.doit	= nsw_cmd_dev_get,
	},
	{
		.cmd	= NETSWAP_CMD_PEER_SET,
		.doit	= nsw_cmd_peer_set,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NETSWAP_CMD_STORE_SET,
		.doit	= nsw_cmd_store_set,
		.flags	= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nsw_mcgrps[] = {
	{ .name = NETSWAP_MCGRP_EVENTS },
};

static struct genl_family nsw_genl_family __ro_after_init = {
	.name		= NETSWAP_GENL_NAME,
	.version	= NETSWAP_GENL_VERSION,
	.maxattr	= NETSWAP_A_MAX,
	.policy		= nsw_policy,
	.module		= THIS_MODULE,
	.small_ops	= nsw_genl_ops,
	.n_small_ops	= ARRAY_SIZE(nsw_genl_ops),
	.mcgrps		= nsw_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nsw_mcgrps),
	.resv_start_op	= NETSWAP_CMD_PEER_ADD,
	.parallel_ops	= true,
};

/* From the events worker (events.c): one message to the events group. */
void nsw_genl_event(const struct nsw_event *ev)
{
	struct sk_buff *msg;
	void *hdr;

	might_sleep();		/* GFP_KERNEL */
	if (!genl_has_listeners(&nsw_genl_family, &init_net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &nsw_genl_family, 0, NETSWAP_CMD_EVENT);
	if (!hdr ||
	    nla_put_u8(msg, NETSWAP_A_EVENT, ev->type) ||
	    (ev->has_peer && nsw_put_addr(msg, &ev->addr)) ||
	    (ev->type == NETSWAP_EVENT_PEER_STATE &&
	     nla_put_u8(msg, NETSWAP_A_PEER_STATE, ev->state))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&nsw_genl_family, msg, 0, 0, GFP_KERNEL);
}

int nsw_genl_init(void)
{
	return genl_register_family(&nsw_genl_family);
}

void nsw_genl_exit(void)
{
	genl_unregister_family(&nsw_genl_family);
}
