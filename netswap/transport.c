// SPDX-License-Identifier: GPL-2.0
/*
 * UDP transport, see transport.h.
 *
 * The socket is a udp_tunnel socket: its encap_rcv hook runs in softirq
 * before the socket's pfmemalloc filter, so replies to our swap-out and
 * page-in requests still get through when this node is short of memory
 * (a plain socket would drop them and deadlock reclaim). sk_set_memalloc()
 * lets our sends dip into the reserves for the same reason.
 *
 * A 4 KiB page travels as NSW_CHUNKS datagrams of at most NSW_MAX_DGRAM
 * bytes, each within a 1500-byte MTU: IP never fragments them, so no
 * reassembly memory of the IP stack (which a lossy link fills with
 * incomplete pages for ipfrag_time, 30 s) is ever involved. See
 * Documentation/netswap/protocol.rst.
 */
#include "netswap.h"

#include <linux/net.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/sched/mm.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>
#include <net/ipv6.h>

#include "transport.h"
#include "client.h"
#include "store.h"

atomic64_t nsw_rx_dropped[NSW_RX_DROP_MAX];
static struct socket *nsw_sock;

static void nsw_skb_source(struct sk_buff *skb, struct sockaddr_in6 *from)
{
	memset(from, 0, sizeof(*from));
	from->sin6_family = AF_INET6;
	from->sin6_port = udp_hdr(skb)->source;
	if (skb->protocol == htons(ETH_P_IP))
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr, &from->sin6_addr);
	else
		from->sin6_addr = ipv6_hdr(skb)->saddr;
}

/* Softirq. Always consumes the skb. */
static int nsw_udp_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct sockaddr_in6 from;
	struct nsw_msg msg;
	int err;

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
		nsw_client_rx(skb, &from, &msg);
	else
		nsw_store_rx(skb, &from);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

/*
 * Sends one datagram. Never sleeps for socket buffer space: a full buffer
 * is -EAGAIN and the request's retransmission sends it again.
 */
int nsw_send(const struct sockaddr_in6 *to, struct kvec *vec, size_t nvec,
	     size_t len)
{
	struct msghdr msg = {
		.msg_name	= (struct sockaddr *)to,
		.msg_namelen	= sizeof(*to),
		.msg_flags	= MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	unsigned int noreclaim;
	int ret;

	/* Under reclaim already, or soon to be: never recurse into it. */
	noreclaim = memalloc_noreclaim_save();
	ret = kernel_sendmsg(nsw_sock, &msg, vec, nvec, len);
	memalloc_noreclaim_restore(noreclaim);
	if (ret < 0)
		return ret;
	return ret == len ? 0 : -EMSGSIZE;
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
	err = udp_sock_create(&init_net, &cfg, &nsw_sock);
	if (err) {
		pr_err("cannot bind UDP port %u: %d\n", port, err);
		return err;
	}
	sk_set_memalloc(nsw_sock->sk);
	/* Page-sized datagrams in flight for a whole device queue. */
	nsw_sock->sk->sk_sndbuf = 4 * 1024 * 1024;
	nsw_sock->sk->sk_rcvbuf = 4 * 1024 * 1024;
	setup_udp_tunnel_sock(&init_net, nsw_sock, &tcfg);
	return 0;
}

void nsw_transport_exit(void)
{
	udp_tunnel_sock_release(nsw_sock);
	/* nsw_udp_rcv() runs under RCU in softirq: let every call finish. */
	synchronize_net();
	nsw_sock = NULL;
}
