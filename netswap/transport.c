// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Transport
 *
 * The socket is a udp_tunnel socket: its encap_rcv hook runs in softirq
 * before the socket's pfmemalloc filter, so replies to our swap-out and
 * page-in requests still get through when this node is short of memory
 * (a plain socket would drop them and deadlock reclaim). Sends go out
 * through the udp_tunnel output with each peer's cached route; only the
 * client's own pages sent for reclaim take their skb from the emergency
 * reserves (NSW_GFP_RESERVES), never the store's answers or liveness
 * traffic: those serve other nodes, whose memory is not ours to rescue.
 *
 * A 4 KiB page travels in chunks of NSW_CHUNK bytes, as many in one
 * datagram as the route's MTU takes (one on a 1500-byte link, the whole
 * page with jumbo frames): IP never fragments them, so no reassembly
 * memory of the IP stack (which a lossy link fills with incomplete pages
 * for ipfrag_time, 30 s) is ever involved. Senders learn that MTU from
 * nsw_send(). See Documentation/netswap/protocol.rst.
 */
#include "netswap.h"

#include <linux/net.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/sched/mm.h>
#include <net/sock.h>
#include <net/dst_cache.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "disk.h"
#include "transport.h"
#include "store.h"

atomic64_t nsw_rx_dropped[NSW_RX_DROP_MAX];
static struct socket *nsw_sock;
/* What senders use: NULL once the transport is closing (RCU). */
static struct sock __rcu *nsw_sk;

/*
 * The address @skb was sent to, v4-mapped for IPv4: the one to answer
 * from. Valid as long as the skb is, even after the transport pulled it.
 */
void nsw_skb_dest(const struct sk_buff *skb, struct in6_addr *to)
{
	if (skb->protocol == htons(ETH_P_IP))
		ipv6_addr_set_v4mapped(ip_hdr(skb)->daddr, to);
	else
		*to = ipv6_hdr(skb)->daddr;
}

static void nsw_skb_source(struct sk_buff *skb, struct sockaddr_in6 *from)
{
	memset(from, 0, sizeof(*from));
	from->sin6_family = AF_INET6;
	from->sin6_port = udp_hdr(skb)->source;
	if (skb->protocol == htons(ETH_P_IP)) {
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &from->sin6_addr);
		return;
	}
	from->sin6_addr = ipv6_hdr(skb)->saddr;
	/* fe80::1 on eth0 and fe80::1 on eth1 are two peers. */
	if (ipv6_addr_type(&from->sin6_addr) & IPV6_ADDR_LINKLOCAL)
		from->sin6_scope_id = inet6_iif(skb);
}

/* Always consumes the skb. */
static int nsw_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct sockaddr_in6 from;
	struct nsw_msg msg;
	int err;

	lockdep_assert_in_softirq();
	/* nsw_transport_exit() waits for this reader with synchronize_net(). */
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "datagram received outside RCU");
	/* Peers talk unicast: a broadcast would reach, and move, every node. */
	if (skb->pkt_type != PACKET_HOST) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_NOTHOST]);
		goto drop;
	}
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + NSW_HDR_LEN)) {
		atomic64_inc(&nsw_rx_dropped[NSW_WERR_SHORT]);
		goto drop;
	}
	nsw_skb_source(skb, &from);
	__skb_pull(skb, sizeof(struct udphdr));

	err = nsw_hdr_decode(skb->data, skb->len, &msg);
	if (err) {
		atomic64_inc(&nsw_rx_dropped[-err]);
		goto drop;
	}
	if (NSW_MSG_IS_REPLY(msg.type))
		nsw_disk_rx(skb, &from, &msg);
	else
		nsw_store_rx(skb, &from, &msg);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

/*
 * The datagram of @vec, with room in front for the UDP, IP and link
 * headers, allocated with @gfp (atomic: this runs in softirq too).
 */
static struct sk_buff *nsw_skb(const struct kvec *vec, size_t nvec,
			       size_t len, gfp_t gfp)
{
	unsigned int room = MAX_HEADER + sizeof(struct ipv6hdr) +
			    sizeof(struct udphdr);
	struct sk_buff *skb;
	size_t i;

	skb = alloc_skb(room + len, gfp | __GFP_NOWARN);
	if (!skb)
		return NULL;
	skb_reserve(skb, room);
	for (i = 0; i < nvec; i++)
		skb_put_data(skb, vec[i].iov_base, vec[i].iov_len);
	return skb;
}

static int nsw_xmit4(struct sock *sk, const struct sockaddr_in6 *to,
		     const struct in6_addr *from, struct dst_cache *cache,
		     struct sk_buff *skb, unsigned int *room)
{
	struct flowi4 fl4 = {
		.daddr		= to->sin6_addr.s6_addr32[3],
		.saddr		= from ? from->s6_addr32[3] : 0,
		.flowi4_proto	= IPPROTO_UDP,
		.fl4_sport	= inet_sk(sk)->inet_sport,
		.fl4_dport	= to->sin6_port,
	};
	struct rtable *rt = NULL;
	__be32 saddr;

	if (cache)
		rt = dst_cache_get_ip4(cache, &saddr);
	/* The cached route leaves from another address: look it up again. */
	if (rt && fl4.saddr && saddr != fl4.saddr) {
		ip_rt_put(rt);
		rt = NULL;
	}
	if (rt) {
		fl4.saddr = saddr;
	} else {
		rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		if (IS_ERR(rt)) {
			kfree_skb(skb);
			return PTR_ERR(rt);
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
	}
	*room = dst_mtu(&rt->dst) - sizeof(struct iphdr) -
		sizeof(struct udphdr);
	/* DF clear: a path with a smaller MTU fragments rather than drops. */
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, 0,
			    ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport,
			    fl4.fl4_dport, false, false);
	return 0;
}

static int nsw_xmit6(struct sock *sk, const struct sockaddr_in6 *to,
		     const struct in6_addr *from, struct dst_cache *cache,
		     struct sk_buff *skb, unsigned int *room)
{
	struct flowi6 fl6 = {
		.daddr		= to->sin6_addr,
		.flowi6_proto	= IPPROTO_UDP,
		.flowi6_oif	= to->sin6_scope_id,
		.fl6_sport	= inet_sk(sk)->inet_sport,
		.fl6_dport	= to->sin6_port,
	};
	struct dst_entry *dst = NULL;
	struct in6_addr saddr;

	if (from)
		fl6.saddr = *from;
	if (cache)
		dst = dst_cache_get_ip6(cache, &saddr);
	/* The cached route leaves from another address: look it up again. */
	if (dst && from && !ipv6_addr_equal(&saddr, from)) {
		dst_release(dst);
		dst = NULL;
	}
	if (dst) {
		fl6.saddr = saddr;
	} else {
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6,
						      NULL);
		if (IS_ERR(dst)) {
			kfree_skb(skb);
			return PTR_ERR(dst);
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl6.saddr);
	}
	*room = dst_mtu(dst) - sizeof(struct ipv6hdr) - sizeof(struct udphdr);
	udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &fl6.saddr, &fl6.daddr, 0,
			     ip6_dst_hoplimit(dst), 0, fl6.fl6_sport,
			     fl6.fl6_dport, false);
	return 0;
}

/*
 * Sends one datagram, from any context. The skb is built here and handed
 * to the udp_tunnel output (as tunnel drivers do): no sendmsg layers, and
 * with @cache (the peer's) no route lookup per datagram either. Never
 * waits: beyond the socket's send buffer it is -EAGAIN, and the request's
 * retransmission sends it again. @room, if not NULL, is set to what one
 * IP packet on the route taken may carry past IP and UDP headers. @from,
 * if not NULL, is the local address to send from (v4-mapped for IPv4).
 * @gfp is GFP_ATOMIC, or NSW_GFP_RESERVES for a page reclaim is writing
 * out.
 */
int nsw_send(const struct sockaddr_in6 *to, const struct in6_addr *from,
	     struct dst_cache *cache, const struct kvec *vec, size_t nvec,
	     unsigned int *room, gfp_t gfp)
{
	bool reserves = in_task() && (gfp & __GFP_MEMALLOC);
	unsigned int noreclaim = 0, unused;
	struct sk_buff *skb;
	struct sock *sk;
	int err;

	/*
	 * What the stack allocates for a reclaim's page on its way out (a
	 * neighbour entry, more headroom) may come from the reserves too.
	 */
	if (reserves)
		noreclaim = memalloc_noreclaim_save();
	skb = nsw_skb(vec, nvec, nsw_kvec_len(vec, nvec), gfp);
	if (!skb) {
		err = -ENOMEM;
		goto out;
	}
	/* BH off as well: the route cache is per CPU. */
	rcu_read_lock_bh();
	sk = rcu_dereference_bh(nsw_sk);
	if (!sk || refcount_read(&sk->sk_wmem_alloc) > READ_ONCE(sk->sk_sndbuf)) {
		kfree_skb(skb);
		err = sk ? -EAGAIN : -ENOTCONN;
		goto unlock;
	}
	skb_set_owner_w(skb, sk);
	if (!room)
		room = &unused;
	if (ipv6_addr_v4mapped(&to->sin6_addr))
		err = nsw_xmit4(sk, to, from, cache, skb, room);
	else
		err = nsw_xmit6(sk, to, from, cache, skb, room);
unlock:
	rcu_read_unlock_bh();
out:
	if (reserves)
		memalloc_noreclaim_restore(noreclaim);
	return err;
}

/*
 * Copies the chunks in @mask that the page message @m in @skb carries to
 * their places in @page (mapped), each run of them in one copy. Returns
 * 0, or an skb_copy_bits() error.
 */
int nsw_skb_copy_chunks(const struct sk_buff *skb, const struct nsw_msg *m,
			void *page, unsigned int mask)
{
	unsigned int c, end, off;
	int err;

	mask &= nsw_msg_chunks(m);
	for (c = 0; c < NSW_CHUNKS; c = end + 1) {
		for (end = c; end < NSW_CHUNKS && (mask & BIT(end)); end++)
			;
		if (end == c)
			continue;
		off = nsw_chunk_off(c);
		err = skb_copy_bits(skb, NSW_HDR_LEN + off - m->offset,
				    page + off, nsw_chunks_len(c, end - c));
		if (err)
			return err;
	}
	return 0;
}

int nsw_transport_init(u16 port)
{
	struct udp_port_cfg cfg = {
		.family		= AF_INET6,
		.local_ip6	= IN6ADDR_ANY_INIT,
		.local_udp_port	= htons(port),
		.ipv6_v6only	= 0,	/* IPv4 peers arrive v4-mapped */
	};
	struct udp_tunnel_sock_cfg tcfg = {
		.encap_type	= 1,
		.encap_rcv	= nsw_udp_rcv,
	};
	int err;

	/* The layout protocol.rst specifies, with no padding. */
	BUILD_BUG_ON(NSW_HDR_LEN != 48);
	/* A swap page is one wire page: no splitting, no padding. */
	BUILD_BUG_ON(PAGE_SIZE != NSW_WIRE_PAGE);
	err = udp_sock_create(&init_net, &cfg, &nsw_sock);
	if (err) {
		pr_err("cannot bind UDP port %u: %d\n", port, err);
		return err;
	}
	/* Page-sized datagrams in flight for a whole device queue. */
	nsw_sock->sk->sk_sndbuf = 4 * 1024 * 1024;
	nsw_sock->sk->sk_rcvbuf = 4 * 1024 * 1024;
	setup_udp_tunnel_sock(&init_net, nsw_sock, &tcfg);
	rcu_assign_pointer(nsw_sk, nsw_sock->sk);
	return 0;
}

/*
 * Marks the socket as one reclaim depends on, or no longer: the client
 * does while /dev/netswap0 is open (swap may be on it), and turns it off
 * once closed. Not for our sends (NSW_GFP_RESERVES asks for the reserves
 * itself): while a memalloc socket exists, the core lets drivers that
 * allocate with __netdev_alloc_skb()/napi_alloc_skb() refill their
 * receive rings from the reserves, so that the replies reclaim waits for
 * still arrive. A node that only stores, or whose device is not in use,
 * has no reason to let them. Callers serialize.
 */
void nsw_transport_memalloc(bool on)
{
	if (on)
		sk_set_memalloc(nsw_sock->sk);
	else
		sk_clear_memalloc(nsw_sock->sk);
}

void nsw_transport_exit(void)
{
	/* The device was closed before the module could go. */
	if (WARN_ON_ONCE(sock_flag(nsw_sock->sk, SOCK_MEMALLOC)))
		sk_clear_memalloc(nsw_sock->sk);
	/* Senders in any context finish before the socket goes. */
	RCU_INIT_POINTER(nsw_sk, NULL);
	synchronize_net();
	udp_tunnel_sock_release(nsw_sock);
	/* nsw_udp_rcv() runs under RCU in softirq: let every call finish. */
	synchronize_net();
	nsw_sock = NULL;
}
