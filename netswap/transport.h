/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UDP transport: one kernel socket, dual stack, serving both roles.
 * Received datagrams are validated here and handed on: replies to the
 * client (in softirq), requests to the store (which queues them).
 */
#ifndef _NSW_TRANSPORT_H
#define _NSW_TRANSPORT_H

#include <linux/gfp.h>
#include <linux/in6.h>
#include <linux/uio.h>

#include "wire.h"

struct dst_cache;
struct sk_buff;

int nsw_transport_init(u16 port);
void nsw_transport_exit(void);
void nsw_transport_memalloc(bool on);
int nsw_send(const struct sockaddr_in6 *to, const struct in6_addr *from,
	     struct dst_cache *cache, const struct kvec *vec, size_t nvec,
	     unsigned int *room, gfp_t gfp);

/*
 * How the client sends the pages reclaim writes out: from the emergency
 * reserves if need be, since they free memory once stored. Everything
 * else is sent GFP_ATOMIC.
 */
#define NSW_GFP_RESERVES	(GFP_ATOMIC | __GFP_MEMALLOC)

void nsw_skb_dest(const struct sk_buff *skb, struct in6_addr *to);
int nsw_skb_copy_chunks(const struct sk_buff *skb, const struct nsw_msg *m,
			void *page, unsigned int mask);

/* The length of the datagram @vec makes. */
static inline size_t nsw_kvec_len(const struct kvec *vec, size_t nvec)
{
	size_t i, len = 0;

	for (i = 0; i < nvec; i++)
		len += vec[i].iov_len;
	return len;
}

/*
 * Datagrams dropped, by reason: an enum nsw_wire_err for those the header
 * check refused, NSW_RX_STALE for a reply that answers no request in
 * flight (a duplicate, a late copy, or forged), NSW_RX_HANDLE for a
 * STORE_ACK whose handle names no slot of the store's session,
 * NSW_RX_NOTHOST for one not sent to this host alone (broadcast,
 * multicast), NSW_RX_BACKLOG for a request the store did not queue for
 * its worker (nsw_store_queue()).
 */
enum {
	NSW_RX_STALE = NSW_WERR_MAX,
	NSW_RX_HANDLE,
	NSW_RX_NOTHOST,
	NSW_RX_BACKLOG,
	NSW_RX_DROP_MAX
};

extern atomic64_t nsw_rx_dropped[NSW_RX_DROP_MAX];

#endif /* _NSW_TRANSPORT_H */
