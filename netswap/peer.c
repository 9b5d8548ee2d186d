// SPDX-License-Identifier: GPL-2.0
/*
 * The peer table, see peer.h. Writers serialise on nsw_peers_mutex;
 * readers (the receive path in softirq, the I/O path) use RCU. The table
 * is small and fixed so that a remote-map entry can name a peer by index.
 * A free slot is only filled under the mutex, and a dying peer's slot only
 * emptied by its last reference (nsw_peer_release()), in any context.
 */
#include "netswap.h"

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "disk.h"
#include "events.h"
#include "netswap_wire.h"
#include "peer.h"
#include "session.h"
#include "store.h"
#include "transport.h"
#include "uapi/netswap.h"

static struct nsw_peer __rcu *nsw_peers[NSW_MAX_PEERS];
static DEFINE_MUTEX(nsw_peers_mutex);
/* The table index of the peer that got the last new page. */
static unsigned int nsw_last_target;

/* The slot may empty under us (a dying peer's last put): read it once. */
static struct nsw_peer *nsw_peer_locked(unsigned int i)
{
	return rcu_dereference_check(nsw_peers[i],
				     lockdep_is_held(&nsw_peers_mutex));
}

/* The peer in slot @i unless it is dying: what every lookup sees. */
static struct nsw_peer *nsw_peer_live_rcu(unsigned int i)
{
	struct nsw_peer *peer = rcu_dereference_check(nsw_peers[i],
					lockdep_is_held(&nsw_peers_mutex));

	return peer && !READ_ONCE(peer->dying) ? peer : NULL;
}

struct nsw_peer *nsw_peer_lookup_rcu(const struct sockaddr_in6 *addr)
{
	struct nsw_peer *peer;
	unsigned int i;

	for (i = 0; i < NSW_MAX_PEERS; i++) {
		peer = nsw_peer_live_rcu(i);
		if (peer && nsw_addr_equal(&peer->addr, addr))
			return peer;
	}
	return NULL;
}

struct nsw_peer *nsw_peer_by_idx_rcu(u16 idx)
{
	if (idx >= NSW_MAX_PEERS)
		return NULL;
	return nsw_peer_live_rcu(idx);
}

/*
 * Does @peer still own its table slot, dying or not? The caller holds a
 * reference, so it does unless an index was given up too early.
 */
bool nsw_peer_in_table(const struct nsw_peer *peer)
{
	return rcu_access_pointer(nsw_peers[peer->idx]) == peer;
}

struct nsw_peer *nsw_peer_get_rcu(struct nsw_peer *peer)
{
	if (peer && !kref_get_unless_zero(&peer->ref))
		return NULL;
	return peer;
}

static void nsw_peer_free_rcu(struct rcu_head *rcu)
{
	struct nsw_peer *peer = container_of(rcu, struct nsw_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
	/* vfree() defers itself when called from softirq. */
	kvfree(peer->seqwin);
	kvfree(peer->reasm);
	kvfree(peer->tx_ring);
	kfree(peer);
}

/*
 * The last reference: nothing names the peer's index any more, so its slot
 * may go to a new peer. Any context (softirq puts too).
 */
static void nsw_peer_release(struct kref *ref)
{
	struct nsw_peer *peer = container_of(ref, struct nsw_peer, ref);

	/* The store frees a peer's pages before the table lets it go. */
	WARN_ON_ONCE(atomic64_read(&peer->held_pages));
	if (!WARN_ON_ONCE(!nsw_peer_in_table(peer)))
		RCU_INIT_POINTER(nsw_peers[peer->idx], NULL);
	call_rcu(&peer->rcu, nsw_peer_free_rcu);
}

void nsw_peer_put(struct nsw_peer *peer)
{
	if (peer)
		kref_put(&peer->ref, nsw_peer_release);
}

void nsw_addr_display(const struct sockaddr_in6 *addr,
		      union nsw_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!ipv6_addr_v4mapped(&addr->sin6_addr)) {
		out->in6 = *addr;
		return;
	}
	out->in4.sin_family = AF_INET;
	out->in4.sin_port = addr->sin6_port;
	out->in4.sin_addr.s_addr = addr->sin6_addr.s6_addr32[3];
}

/*
 * Returns the peer for @addr with @flags added and a reference for the
 * caller, creating it if needed. Adding a flag the peer already has is
 * -EEXIST. @gfp is GFP_NOIO from the store worker, which may run while
 * this node is itself reclaiming. A dying peer of that address is not it:
 * the new one gets another slot.
 */
struct nsw_peer *nsw_peer_add(const struct sockaddr_in6 *addr,
			      unsigned long flags, gfp_t gfp,
			      struct netlink_ext_ack *extack)
{
	struct nsw_peer *peer, *ret;
	int i, free_idx = -1;

	mutex_lock(&nsw_peers_mutex);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		peer = nsw_peer_locked(i);
		if (!peer) {
			if (free_idx < 0)
				free_idx = i;
			continue;
		}
		if (peer->dying || !nsw_addr_equal(&peer->addr, addr))
			continue;
		if ((peer->flags & flags) == flags) {
			NL_SET_ERR_MSG(extack, "peer already exists");
			ret = ERR_PTR(-EEXIST);
			goto out;
		}
		peer->flags |= flags;
		kref_get(&peer->ref);
		ret = peer;
		goto out;
	}
	if (free_idx < 0) {
		NL_SET_ERR_MSG(extack, "peer table is full");
		ret = ERR_PTR(-ENOSPC);
		goto out;
	}
	peer = kzalloc(sizeof(*peer), gfp);
	if (!peer) {
		ret = ERR_PTR(-ENOMEM);
		goto out;
	}
	peer->tx_ring = kvcalloc(NSW_SEQ_WINDOW, sizeof(*peer->tx_ring), gfp);
	if (!peer->tx_ring)
		goto err_peer;
	if (dst_cache_init(&peer->dst_cache, gfp))
		goto err_ring;
	/* Each session's RESET_ACK tells where to go on (session.c). */
	peer->tx_next = 1;
	spin_lock_init(&peer->tx_lock);
	mutex_init(&peer->sess_lock);
	nsw_cwnd_init(&peer->cwnd);
	spin_lock_init(&peer->seqwin_lock);
	peer->ctl_tx.ctl = true;
	nsw_ctl_init(&peer->ctl);
	peer->last_rx = jiffies;
	peer->addr = *addr;
	nsw_addr_display(addr, &peer->shown);
	peer->idx = free_idx;
	peer->flags = flags;
	spin_lock_init(&peer->rtt_lock);
	nsw_rtt_init(&peer->rtt);
	kref_init(&peer->ref);		/* the table's reference */
	kref_get(&peer->ref);		/* the caller's */
	rcu_assign_pointer(nsw_peers[free_idx], peer);
	ret = peer;
out:
	mutex_unlock(&nsw_peers_mutex);
	return ret;

err_ring:
	kvfree(peer->tx_ring);
err_peer:
	kfree(peer);
	ret = ERR_PTR(-ENOMEM);
	goto out;
}

/* A peer holding pages here: its deletion frees them, so it must be asked. */
static int nsw_peer_del_held(struct nsw_peer *peer, bool force,
			     struct netlink_ext_ack *extack)
{
	s64 held = atomic64_read(&peer->held_pages);

	if (!held)
		return 0;
	if (!force) {
#ifdef NL_SET_ERR_MSG_FMT
		NL_SET_ERR_MSG_FMT(extack,
				   "it stores %lld pages here; deleting it frees them: use force",
				   held);
#else	/* 6.1: no formatted extack messages */
		NL_SET_ERR_MSG(extack,
			       "it stores pages here; deleting it frees them: use force");
#endif
		return -EBUSY;
	}
	pr_info("%pISpc deleted with %lld of its pages here: freeing them\n",
		&peer->shown, held);
	return 0;
}

/* From now on no lookup finds @peer, and no new peer gets its slot. */
static void nsw_peer_unlink(struct nsw_peer *peer)
	__must_hold(&nsw_peers_mutex)
{
	lockdep_assert_held(&nsw_peers_mutex);
	WRITE_ONCE(peer->dying, true);
}

/*
 * The store's pages of @peer go first, the table's reference last: its
 * slot only frees once no page or request can name its index.
 */
static void nsw_peer_finish(struct nsw_peer *peer)
{
	/* Its index may name another peer once the last reference goes. */
	nsw_disk_forget_peer(peer);
	nsw_store_drop_peer(peer);
	nsw_peer_put(peer);
}

/*
 * Deletes the peer of @addr. Refused while it holds pages of ours, and,
 * unless @force, while it stores pages here (they would be freed).
 */
int nsw_peer_del(const struct sockaddr_in6 *addr, bool force,
		 struct netlink_ext_ack *extack)
{
	struct nsw_peer *peer = NULL;
	int err;

	mutex_lock(&nsw_peers_mutex);
	peer = nsw_peer_lookup_rcu(addr);
	if (!peer) {
		NL_SET_ERR_MSG(extack, "no such peer");
		err = -ENOENT;
		goto out;
	}
	if (atomic64_read(&peer->placed_pages)) {
		NL_SET_ERR_MSG(extack,
			       "peer holds pages of ours; swapoff first");
		err = -EBUSY;
		goto out;
	}
	err = nsw_peer_del_held(peer, force, extack);
	if (!err)
		nsw_peer_unlink(peer);
out:
	mutex_unlock(&nsw_peers_mutex);
	if (!err) {
		/*
		 * No lookup finds it after a grace period: the store worker
		 * learns a new peer in another slot for its next request.
		 */
		synchronize_rcu();
		nsw_peer_finish(peer);
	}
	return err;
}

/*
 * Is @peer below its place limit? The first time it is not, tell the
 * event listeners; when it is again, re-arm that.
 */
static bool nsw_peer_has_room(struct nsw_peer *peer)
{
	u64 limit = READ_ONCE(peer->place_limit);

	if (!limit || atomic64_read(&peer->placed_pages) < limit) {
		if (test_bit(NSW_PEER_EV_PLACE_LIMIT, &peer->ev_bits))
			clear_bit(NSW_PEER_EV_PLACE_LIMIT, &peer->ev_bits);
		return true;
	}
	if (!test_and_set_bit(NSW_PEER_EV_PLACE_LIMIT, &peer->ev_bits))
		nsw_event_post(NETSWAP_EVENT_PLACE_LIMIT, peer);
	return false;
}

/* May a new page go to @peer? With @waiting, before its session begins. */
static bool nsw_peer_takes_pages(struct nsw_peer *peer, bool waiting,
				 u64 avoid)
{
	return (peer->flags & NETSWAP_PEER_F_CONFIGURED) &&
	       !(avoid & BIT_ULL(peer->idx)) &&
	       (waiting || nsw_sess_up(atomic_read(&peer->session))) &&
	       !READ_ONCE(peer->full) && !nsw_peer_down(peer) &&
	       !READ_ONCE(peer->give_back_pages) && nsw_peer_has_room(peer);
}

/* Below this much room (its last PONG), a store is nearly full. */
#define NSW_ROOM_LOW	(SZ_16M >> PAGE_SHIFT)

/*
 * Is @b a better place than @a? The one with room, else by round trip:
 * @b with the odds a_rtt / (a_rtt + b_rtt), so the nearer peer takes more
 * pages and the farther still some, which keeps its RTT estimate fresh.
 */
static bool nsw_peer_better(const struct nsw_peer *a,
			    const struct nsw_peer *b)
{
	bool a_low = READ_ONCE(a->room_pages) < NSW_ROOM_LOW;
	bool b_low = READ_ONCE(b->room_pages) < NSW_ROOM_LOW;
	u32 a_rtt = READ_ONCE(a->rtt.srtt_us), b_rtt = READ_ONCE(b->rtt.srtt_us);

	if (a_low != b_low)
		return a_low;
	if (!a_rtt || !b_rtt)
		return false;
	return get_random_u32() % ((u64)a_rtt + b_rtt) < a_rtt;
}

/*
 * Where a new page goes: of the next two peers in round robin that may
 * take it (nsw_peer_takes_pages(), none in @avoid), the better placed
 * (nsw_peer_better()); NULL if none. Two choices spread pages evenly
 * while steering them from stores that are nearly full or far away.
 * Racing callers may pick the same peer: the spread only has to be even
 * on average, not exact.
 */
struct nsw_peer *nsw_peer_next_target(bool waiting, u64 avoid)
{
	unsigned int last = READ_ONCE(nsw_last_target), i, idx;
	struct nsw_peer *peer, *first = NULL, *ret;

	rcu_read_lock();
	for (i = 1; i <= NSW_MAX_PEERS; i++) {
		idx = (last + i) % NSW_MAX_PEERS;
		peer = nsw_peer_live_rcu(idx);
		if (!peer || !nsw_peer_takes_pages(peer, waiting, avoid))
			continue;
		if (!first) {
			first = peer;
			continue;
		}
		if (nsw_peer_better(first, peer))
			first = peer;
		break;
	}
	ret = first ? nsw_peer_get_rcu(first) : NULL;
	if (ret)
		WRITE_ONCE(nsw_last_target, ret->idx);
	rcu_read_unlock();
	return ret;
}

/* Is there a peer a new page may go to, none in @avoid? */
bool nsw_peer_any_target(u64 avoid)
{
	struct nsw_peer *peer;
	bool any = false;
	unsigned int i;

	rcu_read_lock();
	for (i = 0; i < NSW_MAX_PEERS && !any; i++) {
		peer = nsw_peer_live_rcu(i);
		any = peer && nsw_peer_takes_pages(peer, false, avoid);
	}
	rcu_read_unlock();
	return any;
}

int nsw_peer_for_each(int (*fn)(struct nsw_peer *peer, void *arg),
		      void *arg, unsigned int start)
{
	struct nsw_peer *peer;
	unsigned int i;
	int ret = 0;

	rcu_read_lock();
	for (i = start; i < NSW_MAX_PEERS; i++) {
		peer = nsw_peer_live_rcu(i);
		if (!peer)
			continue;
		ret = fn(peer, arg);
		if (ret)
			break;
	}
	rcu_read_unlock();
	return ret;
}

void nsw_peers_exit(void)
{
	struct nsw_peer *peer;
	unsigned int i;

	/* The store worker is stopped: nothing learns peers meanwhile. */
	mutex_lock(&nsw_peers_mutex);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		peer = nsw_peer_live_rcu(i);
		if (!peer)
			continue;
		nsw_peer_unlink(peer);
		nsw_peer_finish(peer);
	}
	mutex_unlock(&nsw_peers_mutex);
	/* Let nsw_peer_free_rcu() run before the module text goes away. */
	rcu_barrier();
}

/*
 * nsw_send() to @peer, counting the bytes that left. @vec starts with the
 * header. A reply leaves from the address the peer's requests came to;
 * our own requests from where routing sends them, the address the store
 * knows this client by.
 */
static int nsw_peer_xmit(struct nsw_peer *peer, const struct kvec *vec,
			 size_t nvec, gfp_t gfp)
{
	const struct nsw_hdr *hdr = vec[0].iov_base;
	unsigned int old = READ_ONCE(peer->room), room = old;
	struct in6_addr local = peer->local;
	int err;

	if (!NSW_MSG_IS_REPLY(hdr->type))
		local = in6addr_any;
	err = nsw_send(&peer->addr, ipv6_addr_any(&local) ? NULL : &local,
		       &peer->dst_cache, vec, nvec, &room, gfp);
	if (!err)
		atomic64_add(nsw_kvec_len(vec, nvec), &peer->tx_bytes);
	/*
	 * Written only when the route's MTU changed, not by every send on
	 * every CPU; racing senders store the same route's figure.
	 */
	if (room != old)
		WRITE_ONCE(peer->room, room);
	return err;
}

/* Anything but a page reclaim writes out. */
int nsw_peer_send(struct nsw_peer *peer, const struct kvec *vec,
		  size_t nvec)
{
	return nsw_peer_xmit(peer, vec, nvec, GFP_ATOMIC);
}

/*
 * Sends the batch of @n entries built in @hdr and @more (nsw_batch_add()),
 * @n > 0. A lost one is recovered as its requests are: retransmitted,
 * or, for LOADs ahead, given up.
 */
int nsw_peer_send_batch(struct nsw_peer *peer, struct nsw_hdr *hdr,
			void *more, unsigned int n)
{
	struct kvec vec[2] = {
		{ .iov_base = hdr, .iov_len = NSW_HDR_LEN },
		{ .iov_base = more, .iov_len = (n - 1) * NSW_BATCH_ENTRY_LEN },
	};

	hdr->len = cpu_to_be32(vec[1].iov_len);
	return nsw_peer_send(peer, vec, vec[1].iov_len ? 2 : 1);
}

/*
 * Sends the page message in @hdr (type, status, req_id, handle) with
 * @page's bytes, in as few datagrams as the route to @peer takes whole.
 * Stops at the first error: the request's retransmission sends the page
 * again. @gfp: see nsw_send().
 */
int nsw_peer_send_page(struct nsw_peer *peer, struct nsw_hdr *hdr,
		       struct page *page, gfp_t gfp)
{
	unsigned int c = 0, n = nsw_chunks_per_dgram(READ_ONCE(peer->room));
	struct kvec vec[2] = { { .iov_base = hdr, .iov_len = NSW_HDR_LEN } };
	void *p = kmap_local_page(page);
	int err = 0;

	while (c < NSW_CHUNKS) {
		nsw_hdr_set_chunks(hdr, c, n);
		vec[1].iov_base = p + nsw_chunk_off(c);
		vec[1].iov_len = nsw_chunks_len(c, n);
		err = nsw_peer_xmit(peer, vec, 2, gfp);
		/*
		 * A whole page's skb is an order-1 allocation, which memory
		 * short and fragmented may refuse while chunks still fit:
		 * the rest of this page goes in chunks.
		 */
		if (err == -ENOMEM && n > 1) {
			n = 1;
			continue;
		}
		if (err)
			break;
		c += n;
	}
	kunmap_local(p);
	return err;
}

/* Datagrams a page takes to @peer, as of the last send (3 before it). */
unsigned int nsw_peer_page_dgrams(const struct nsw_peer *peer)
{
	unsigned int n = nsw_chunks_per_dgram(READ_ONCE(peer->room));

	return DIV_ROUND_UP(NSW_CHUNKS, n);
}
