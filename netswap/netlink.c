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
#include "session.h"
#include "../include/uapi/netswap.h"

/*
 * What requests may carry; with strict validation anything else (other
 * attributes, wrong lengths, port 0) is refused before an op runs.
 */
static const struct nla_policy nsw_policy[NETSWAP_A_MAX + 1] = {
	[NETSWAP_A_PEER_ADDR]		= NLA_POLICY_MIN_LEN(sizeof(struct in_addr)),
	[NETSWAP_A_PEER_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[NETSWAP_A_PEER_PLACE_LIMIT]	= { .type = NLA_U64 },
	[NETSWAP_A_PEER_LEND_LIMIT]	= { .type = NLA_U64 },
	[NETSWAP_A_LEND_LIMIT]		= { .type = NLA_U64 },
	[NETSWAP_A_FORCE]		= { .type = NLA_FLAG },
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
	if (info->attrs[NETSWAP_A_PEER_PLACE_LIMIT])
		err = nsw_parse_limit(info, NETSWAP_A_PEER_PLACE_LIMIT,
				      &lim->place);
	if (!err && info->attrs[NETSWAP_A_PEER_LEND_LIMIT])
		err = nsw_parse_limit(info, NETSWAP_A_PEER_LEND_LIMIT,
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
		if (lim->place && atomic64_read(&peer->placed) > lim->place)
			NL_SET_ERR_MSG(extack,
				       "more of our pages are there than the new place limit; they stay until freed (no pages move yet)");
	}
	if (lim->lend != U64_MAX) {
		WRITE_ONCE(peer->lend_limit, lim->lend);
		if (lim->lend && atomic64_read(&peer->held) > lim->lend)
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
	u64 pages, used;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NETSWAP_A_LEND_LIMIT))
		return -EINVAL;
	err = nsw_parse_limit(info, NETSWAP_A_LEND_LIMIT, &pages);
	if (err)
		return err;
	mutex_lock(&nsw_conf_mutex);
	err = nsw_store_set_limit(pages, &used, info->extack);
	mutex_unlock(&nsw_conf_mutex);
	if (err)
		return err;
	if (used > pages)
		NL_SET_ERR_MSG(info->extack,
			       "peers have more pages here than the new lend limit; they stay until freed (no pages move yet)");
	pr_info("lending at most %llu MiB\n", pages >> (20 - PAGE_SHIFT));
	return 0;
}

static int nsw_put_u64(struct sk_buff *skb, int type, s64 v)
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

/* The attribute for each reason of nsw_rx_dropped[]. */
static const int nsw_drop_attrs[NSW_RX_DROP_MAX] = {
	[NSW_WERR_SHORT]	= NETSWAP_A_RX_DROP_SHORT,
	[NSW_WERR_MAGIC]	= NETSWAP_A_RX_DROP_MAGIC,
	[NSW_WERR_VERSION]	= NETSWAP_A_RX_DROP_VERSION,
	[NSW_WERR_TYPE]		= NETSWAP_A_RX_DROP_TYPE,
	[NSW_WERR_FLAGS]	= NETSWAP_A_RX_DROP_FLAGS,
	[NSW_WERR_LEN]		= NETSWAP_A_RX_DROP_LEN,
	[NSW_WERR_RESERVED]	= NETSWAP_A_RX_DROP_RESERVED,
	[NSW_RX_STALE]		= NETSWAP_A_RX_DROP_STALE,
	[NSW_RX_HANDLE]		= NETSWAP_A_RX_DROP_HANDLE,
	[NSW_RX_NOTHOST]	= NETSWAP_A_RX_DROP_NOTHOST,
	[NSW_RX_BACKLOG]	= NETSWAP_A_RX_DROP_BACKLOG,
};

#define NSW_COUNTER(attr, field) { attr, offsetof(struct nsw_peer, field) }

/* Every atomic64_t counter of a peer and the attribute that carries it. */
static const struct {
	int attr;
	size_t offset;
} nsw_peer_counters[] = {
	NSW_COUNTER(NETSWAP_A_PEER_PAGES_PLACED, placed),
	NSW_COUNTER(NETSWAP_A_PEER_TX_STORES, tx_stores),
	NSW_COUNTER(NETSWAP_A_PEER_TX_LOADS, tx_loads),
	NSW_COUNTER(NETSWAP_A_PEER_TX_FREES, tx_frees),
	NSW_COUNTER(NETSWAP_A_PEER_TX_ERRORS, tx_errors),
	NSW_COUNTER(NETSWAP_A_PEER_RETRANSMITS, retransmits),
	NSW_COUNTER(NETSWAP_A_PEER_CRC_ERRORS, crc_errors),
	NSW_COUNTER(NETSWAP_A_PEER_RECLAIMED_PAGES, reclaimed_pages),
	NSW_COUNTER(NETSWAP_A_PEER_PAGES_HELD, held),
	NSW_COUNTER(NETSWAP_A_PEER_RX_STORES, rx_stores),
	NSW_COUNTER(NETSWAP_A_PEER_RX_LOADS, rx_loads),
	NSW_COUNTER(NETSWAP_A_PEER_RX_FREES, rx_frees),
	NSW_COUNTER(NETSWAP_A_PEER_RX_FULL, rx_full),
	NSW_COUNTER(NETSWAP_A_PEER_TX_BYTES, tx_bytes),
	NSW_COUNTER(NETSWAP_A_PEER_RX_BYTES, rx_bytes),
};

static int nsw_fill_peer(struct sk_buff *skb, const struct nsw_peer *peer)
{
	const atomic64_t *counter;
	unsigned int i;

	if (nsw_put_addr(skb, &peer->addr) ||
	    nla_put_u32(skb, NETSWAP_A_PEER_FLAGS, READ_ONCE(peer->flags)) ||
	    nla_put_u32(skb, NETSWAP_A_PEER_RTT_US,
			READ_ONCE(peer->rtt.srtt_us)) ||
	    nla_put_u32(skb, NETSWAP_A_PEER_PAGE_DGRAMS,
			nsw_peer_page_dgrams(peer)) ||
	    nla_put_u32(skb, NETSWAP_A_PEER_CWND,
			READ_ONCE(peer->cwnd.cwnd)) ||
	    nsw_put_u64(skb, NETSWAP_A_PEER_PLACE_LIMIT,
			READ_ONCE(peer->place_limit) << PAGE_SHIFT) ||
	    nsw_put_u64(skb, NETSWAP_A_PEER_LEND_LIMIT,
			READ_ONCE(peer->lend_limit) << PAGE_SHIFT))
		return -EMSGSIZE;
	if ((peer->flags & NETSWAP_PEER_F_CONFIGURED) &&
	    nla_put_u8(skb, NETSWAP_A_PEER_STATE, READ_ONCE(peer->state)))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(nsw_peer_counters); i++) {
		counter = (const void *)peer + nsw_peer_counters[i].offset;
		if (nsw_put_u64(skb, nsw_peer_counters[i].attr,
				atomic64_read(counter)))
			return -EMSGSIZE;
	}
	return 0;
}

struct nsw_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int nsw_dump_one(struct nsw_peer *peer, void *arg)
{
	struct nsw_dump_ctx *ctx = arg;
	void *hdr;

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

static int nsw_cmd_dev_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nsw_dev_info dev;
	u64 quota, used;
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nsw_genl_family, 0,
				NETSWAP_CMD_DEV_GET);
	if (!hdr)
		goto nomem;
	nsw_disk_info(&dev);
	nsw_store_usage(&quota, &used);
	if (dev.name &&
	    (nla_put_string(msg, NETSWAP_A_DEV_NAME, dev.name) ||
	     nsw_put_u64(msg, NETSWAP_A_DEV_PAGES_MAPPED, dev.mapped) ||
	     nla_put_u32(msg, NETSWAP_A_DEV_OPEN_COUNT, dev.openers)))
		goto nomem;
	for (i = 0; dev.name && i < NSW_DEV_COUNTERS; i++) {
		if (nsw_put_u64(msg, nsw_dev_counters[i].attr,
				nsw_dev_counter(&dev, i)))
			goto nomem;
	}
	if (nla_put_u8(msg, NETSWAP_A_DEV_STATE, dev.state) ||
	    nla_put_u16(msg, NETSWAP_A_PORT, nsw_port) ||
	    nsw_put_u64(msg, NETSWAP_A_LEND_LIMIT, quota << PAGE_SHIFT) ||
	    nsw_put_u64(msg, NETSWAP_A_STORE_QUOTA_PAGES, quota) ||
	    nsw_put_u64(msg, NETSWAP_A_STORE_PAGES_USED, used))
		goto nomem;
	for (i = 0; i < ARRAY_SIZE(nsw_drop_attrs); i++) {
		if (nsw_drop_attrs[i] &&
		    nsw_put_u64(msg, nsw_drop_attrs[i],
				atomic64_read(&nsw_rx_dropped[i])))
			goto nomem;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nomem:
	nlmsg_free(msg);
	return -EMSGSIZE;
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
