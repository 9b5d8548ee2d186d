/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Peers
 *
 * The remote nodes this node swaps to (configured by netlink) and
 * the ones that swap to it (learned from their first request).
 *
 * Lifetime: the table holds one reference to each peer; lookups under RCU
 * take their own with nsw_peer_get_rcu() when they keep the pointer past
 * the read-side section. nsw_peer_del() marks a peer dying, which hides it
 * from every lookup, and drops the table's reference; the peer keeps its
 * table slot until its last reference is gone and is freed a grace period
 * later. So an index names one peer for as long as anything (a page the
 * store holds for it, a request in flight) may still name it: the client's
 * remote map and the store's pages can name a peer in a few bits.
 */
#ifndef _NSW_PEER_H
#define _NSW_PEER_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <net/dst_cache.h>
#include <net/ipv6.h>

#include "audit.h"
#include "ctl.h"
#include "cwnd.h"
#include "rtt.h"
#include "sendwin.h"
#include "uapi/netswap.h"
#include "netswap_wire.h"

struct kvec;
struct netlink_ext_ack;
struct nsw_hdr;
struct nsw_reasm_slot;
struct nsw_seqwin;
struct page;

#define NSW_MAX_PEERS	64
#define NSW_PING_NONCES	4

/* An address as the logs show it: IPv4 peers as IPv4, not v4-mapped. */
union nsw_sockaddr {
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct nsw_peer {
	struct sockaddr_in6 addr;	/* IPv4 peers as v4-mapped */
	union nsw_sockaddr shown;	/* for %pISpc in log messages */
	u16 idx;			/* slot in the peer table */
	bool dying;			/* deleted: lookups skip it */
	unsigned long flags;		/* NETSWAP_PEER_F_* bits */
	bool full;			/* refused our last store for quota */

	/*
	 * Limits in pages, 0: none (PEER_SET). place_limit: our pages there,
	 * checked when a new page picks its peer, so pages in flight may
	 * pass it by at most the device's in-flight pages. lend_limit: its
	 * pages here, exact (checked under the store's lock).
	 */
	u64 place_limit;
	u64 lend_limit;
	unsigned long ev_bits;		/* NSW_PEER_EV_*: event sent */
	struct dst_cache dst_cache;	/* its route, for nsw_send() */
	/*
	 * Our address its requests came to (store role; zero: none yet), and
	 * all we send to it leaves from: a multi-homed store answers from
	 * the address the client knows it by. Only the store worker writes
	 * it, and only when the client moved to another address of ours; a
	 * send that reads it torn then is lost and retransmitted.
	 */
	struct in6_addr local;
	/*
	 * What one IP packet to it may carry past the IP and UDP headers,
	 * from that route's MTU at the last send (0 before the first): how
	 * many chunks of a page go in one datagram.
	 */
	unsigned int room;
	atomic64_t tx_bytes;		/* UDP payload sent to it */
	atomic64_t rx_bytes;		/* and taken from it */

	/* Client role, the send window, sendwin.h. */
	spinlock_t tx_lock;		/* tx_next, claiming ring slots, cwnd */
	u64 tx_next;			/* never 0 */
	struct nsw_tx **tx_ring;
	struct nsw_cwnd cwnd;		/* STOREs in flight, cwnd.h */
	struct nsw_tx ctl_tx;		/* the control request, see ctl.c */
	struct nsw_ctl ctl;
	/* Client role: the session with this store, session.h. */
	atomic_t session;
	u64 sess_base;			/* its first request number */
	struct mutex sess_lock;		/* beginning one */

	/* Our pages with a copy there that is to go: rerep.c writes it. */
	u64 degraded_pages;

	/* Liveness, see liveness.c. */
	unsigned long last_rx;		/* jiffies of its last valid reply */
	u8 state;			/* enum netswap_peer_state */
	u64 ping_nonce[NSW_PING_NONCES];	/* req_ids of our last PINGs */
	unsigned int ping_next;		/* liveness worker only */
	/*
	 * From its last PONG (softirq writes, anyone reads them with
	 * READ_ONCE()): pages of ours its store asks us to move elsewhere
	 * (NSW_GIVE_BACK_ALL: it drains), and new pages it would take.
	 */
	u64 give_back_pages;
	u64 room_pages;

	/*
	 * Client role: our pages on this peer. rtt is updated under rtt_lock
	 * from the reply path (softirq only) and read locklessly.
	 */
	spinlock_t rtt_lock;
	struct nsw_rtt rtt;
	atomic64_t placed_pages;
	atomic64_t tx_store_pages;
	atomic64_t tx_load_pages;
	atomic64_t tx_free_pages;
	atomic64_t failed_requests;
	atomic64_t retransmitted_requests;
	atomic64_t checksum_error_pages;	/* pages that came back altered */
	atomic64_t reclaimed_pages;	/* freed there by audits, audit.h */
	struct nsw_audit audit;

	/* Store role: this peer's pages in our RAM. */
	atomic64_t held_pages;
	atomic64_t rx_store_pages;
	atomic64_t rx_load_pages;
	atomic64_t rx_free_pages;
	atomic64_t rx_full_pages;
	/* Set once by the store worker (release), read by softirq (acquire). */
	struct nsw_seqwin *seqwin;	/* store role only, see seqwin.h */
	spinlock_t seqwin_lock;		/* seqwin, store_session, reset_nonce */
	/*
	 * Store role: a RESET of this client's began a session in this
	 * incarnation; the nonces of its last RESETs (protocol.rst).
	 */
	bool store_session;
	u64 reset_nonce[NSW_RESET_NONCES];
	/* Store role, the worker's only: the client's audit (protocol.rst). */
	u64 audit_id;			/* 0: none under way */
	u64 audit_floor;		/* its STOREs from here on are kept */
	u64 audit_stale;		/* new STOREs below this are stale */
	u8 audit_gen;			/* its mark in the store's kept[] */
	struct nsw_reasm_slot *reasm;	/* store role only, see reasm.h */

	struct kref ref;
	struct rcu_head rcu;
};

/* peer->ev_bits: the event for this condition was sent; cleared when it ends. */
enum {
	NSW_PEER_EV_PLACE_LIMIT,
	NSW_PEER_EV_LEND_LIMIT,
	NSW_PEER_EV_FULL,
};

void nsw_peers_exit(void);

/*
 * Only link-local addresses have a scope id (the interface); 0, a peer
 * configured without one, matches any.
 */
static inline bool nsw_addr_equal(const struct sockaddr_in6 *a,
				  const struct sockaddr_in6 *b)
{
	return a->sin6_port == b->sin6_port &&
	       ipv6_addr_equal(&a->sin6_addr, &b->sin6_addr) &&
	       (!a->sin6_scope_id || !b->sin6_scope_id ||
		a->sin6_scope_id == b->sin6_scope_id);
}

struct nsw_peer *nsw_peer_lookup_rcu(const struct sockaddr_in6 *addr);
struct nsw_peer *nsw_peer_by_idx_rcu(u16 idx);
struct nsw_peer *nsw_peer_get_rcu(struct nsw_peer *peer);
void nsw_peer_put(struct nsw_peer *peer);

struct nsw_peer *nsw_peer_add(const struct sockaddr_in6 *addr,
			      unsigned long flags, gfp_t gfp,
			      struct netlink_ext_ack *extack);
void nsw_addr_display(const struct sockaddr_in6 *addr,
		      union nsw_sockaddr *out);
int nsw_peer_del(const struct sockaddr_in6 *addr, bool force,
		 struct netlink_ext_ack *extack);
bool nsw_peer_in_table(const struct nsw_peer *peer);
struct nsw_peer *nsw_peer_next_target(bool waiting, u64 avoid);
bool nsw_peer_any_target(u64 avoid);
int nsw_peer_send(struct nsw_peer *peer, const struct kvec *vec,
		  size_t nvec);
int nsw_peer_send_batch(struct nsw_peer *peer, struct nsw_hdr *hdr,
			void *more, unsigned int n);
int nsw_peer_send_page(struct nsw_peer *peer, struct nsw_hdr *hdr,
		       struct page *page, gfp_t gfp);
unsigned int nsw_peer_page_dgrams(const struct nsw_peer *peer);

static inline bool nsw_peer_down(const struct nsw_peer *peer)
{
	return READ_ONCE(peer->state) == NETSWAP_PEER_DOWN;
}

/* Its store drains: every page of ours there is to move elsewhere. */
static inline bool nsw_peer_draining(const struct nsw_peer *peer)
{
	return READ_ONCE(peer->give_back_pages) == NSW_GIVE_BACK_ALL;
}

/* A valid reply came from @peer. */
static inline void nsw_peer_heard(struct nsw_peer *peer)
{
	unsigned long now = jiffies;

	lockdep_assert_in_softirq();
	/* One write per tick, not per reply: the line is shared. */
	if (READ_ONCE(peer->last_rx) != now)
		WRITE_ONCE(peer->last_rx, now);
}

/* Calls @fn on each peer under RCU; stops when it returns non-zero. */
int nsw_peer_for_each(int (*fn)(struct nsw_peer *peer, void *arg),
		      void *arg, unsigned int start);

#endif /* _NSW_PEER_H */
