// SPDX-License-Identifier: GPL-2.0
/*
 * Read-ahead of swapped-out pages: see readahead.h for what it is for,
 * why a cached page is always the device's content, and slot lifetimes.
 */
#include "netswap.h"

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/skbuff.h>

#include "map.h"
#include "pagesum.h"
#include "readahead.h"
#include "request.h"
#include "session.h"
#include "transport.h"
#include "netswap_wire.h"

enum nsw_ra_state {
	NSW_RA_FREE,
	NSW_RA_LOADING,
	NSW_RA_READY,
};

int nsw_ra_init(struct nsw_ra *ra)
{
	unsigned int i;

	spin_lock_init(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		ra->slots[i].tx.ra = true;
		ra->slots[i].page = alloc_page(GFP_KERNEL);
		if (!ra->slots[i].page)
			goto err;
	}
	return 0;
err:
	while (i--)
		__free_page(ra->slots[i].page);
	return -ENOMEM;
}

/* @s leaves LOADING or READY. */
static void nsw_ra_free(struct nsw_ra *ra, struct nsw_ra_slot *s)
	__must_hold(&ra->lock)
{
	lockdep_assert_held(&ra->lock);
	if (s->state == NSW_RA_LOADING) {
		nsw_peer_put(s->peer);
		s->peer = NULL;
	}
	s->state = NSW_RA_FREE;
	WRITE_ONCE(ra->used, ra->used - 1);
}

/*
 * Gives up a LOAD in flight: false, with inflight 0, if it was claimed
 * but not sent yet (nsw_ra_queue() handles it). Answers are completed
 * under ra->lock too, so none races with this.
 */
static bool nsw_ra_cancel(struct nsw_ra *ra, struct nsw_ra_slot *s)
	__must_hold(&ra->lock)
{
	u64 id;

	lockdep_assert_held(&ra->lock);
	id = atomic64_read(&s->tx.inflight);
	if (!id || atomic64_cmpxchg(&s->tx.inflight, id, 0) != id)
		return false;
	nsw_sendwin_end(s->peer, id);
	atomic64_inc(&ra->unused_pages);
	nsw_ra_free(ra, s);
	return true;
}

/*
 * Device exit, after the last reply handler is done (synchronize_net()),
 * so no answer can touch a slot any more; or a failed init, before any.
 */
void nsw_ra_destroy(struct nsw_ra *ra)
{
	unsigned int i;

	spin_lock_bh(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		struct nsw_ra_slot *s = &ra->slots[i];

		if (s->state == NSW_RA_LOADING)
			nsw_ra_cancel(ra, s);
	}
	spin_unlock_bh(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++)
		__free_page(ra->slots[i].page);
}

/*
 * For a LOADING slot: unanswered for a retransmission timeout, or its
 * peer is down. Such a LOAD is not sent again, and what part of it landed
 * may be from long ago.
 */
static bool nsw_ra_overdue(struct nsw_ra *ra, const struct nsw_ra_slot *s)
	__must_hold(&ra->lock)
{
	unsigned long rto;

	lockdep_assert_held(&ra->lock);
	rto = usecs_to_jiffies(nsw_rtt_timeout(&s->peer->rtt, 0));
	return time_after(jiffies, s->since + rto) || nsw_peer_down(s->peer);
}

static struct nsw_ra_slot *nsw_ra_find(struct nsw_ra *ra, u64 pgoff)
	__must_hold(&ra->lock)
{
	unsigned int i;

	lockdep_assert_held(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		struct nsw_ra_slot *s = &ra->slots[i];

		if (s->state != NSW_RA_FREE && s->pgoff == pgoff)
			return s;
	}
	return NULL;
}

/* A read of @pgoff: copies the page to @dst if it is here. */
bool nsw_ra_take(struct nsw_ra *ra, u64 pgoff, struct page *dst)
{
	struct nsw_ra_slot *s;
	bool hit = false;

	if (!READ_ONCE(ra->used))
		return false;
	spin_lock_bh(&ra->lock);
	s = nsw_ra_find(ra, pgoff);
	if (s && s->state == NSW_RA_READY) {
		copy_highpage(dst, s->page);
		nsw_ra_free(ra, s);
		hit = true;
	}
	spin_unlock_bh(&ra->lock);
	if (hit)
		atomic64_inc(&ra->hit_pages);
	return hit;
}

/*
 * A read of @pgoff from @peer, which nsw_ra_take() did not find here. If
 * the page's LOAD ahead is still on the way, the read takes that request
 * over instead of sending another and waiting a whole round trip: the
 * chunks already in are copied to @dst and flagged in @got, @sent_ns is
 * when the LOAD left, @tx takes its request number (published last) and
 * from then on its answers go to @tx. Returns false if there is no such
 * LOAD. An answer that read the window just before the handover is
 * dropped by nsw_ra_reply(); the reader's retransmission covers it.
 */
bool nsw_ra_adopt(struct nsw_ra *ra, u64 pgoff, struct nsw_peer *peer,
		  struct nsw_tx *tx, struct page *dst, atomic_t *got,
		  u64 *sent_ns)
{
	struct nsw_ra_slot *s;
	bool adopted = false;
	u64 id;

	if (!READ_ONCE(ra->used))
		return false;
	spin_lock_bh(&ra->lock);
	s = nsw_ra_find(ra, pgoff);
	if (!s || s->state != NSW_RA_LOADING || s->forgotten ||
	    s->peer != peer)
		goto unlock;
	/*
	 * Expired but not reaped yet: a fresh LOAD is better than the
	 * rest of this one, whose landed chunks might be all that is
	 * left of an answer the store gave while it was misbehaving.
	 */
	if (nsw_ra_overdue(ra, s)) {
		nsw_ra_cancel(ra, s);
		goto unlock;
	}
	/* 0: claimed, not sent yet. The answer path takes ra->lock. */
	id = atomic64_read(&s->tx.inflight);
	if (!id || atomic64_cmpxchg(&s->tx.inflight, id, 0) != id)
		goto unlock;
	if (s->got)
		copy_highpage(dst, s->page);
	atomic_set(got, s->got);
	*sent_ns = s->sent_ns;
	atomic64_set_release(&tx->inflight, id);
	nsw_sendwin_handover(peer, id, tx);
	nsw_ra_free(ra, s);
	adopted = true;
unlock:
	spin_unlock_bh(&ra->lock);
	if (adopted)
		atomic64_inc(&ra->hit_pages);
	return adopted;
}

/*
 * Pages [@pgoff, @pgoff + @nr) were written or discarded, and the map no
 * longer leads to their old copies. Any context: also the swap slot free
 * hook, which may run with hard interrupts off (free_swap_slot() holds the
 * slots cache's lock with spin_lock_irq()), where a spin_unlock_bh()
 * would run pending softirqs and turn interrupts back on under that lock.
 */
void nsw_ra_forget(struct nsw_ra *ra, u64 pgoff, u64 nr)
{
	unsigned long flags;
	unsigned int i;

	/*
	 * Pairs with nsw_ra_claim(): either it reads the map as it is now,
	 * or this reads the count it raised before reading the map.
	 */
	smp_mb();
	if (!READ_ONCE(ra->used))
		return;
	spin_lock_irqsave(&ra->lock, flags);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		struct nsw_ra_slot *s = &ra->slots[i];

		if (s->state == NSW_RA_FREE || s->pgoff - pgoff >= nr)
			continue;
		if (s->state == NSW_RA_READY) {
			atomic64_inc(&ra->unused_pages);
			nsw_ra_free(ra, s);
		} else {
			s->forgotten = true;
		}
	}
	spin_unlock_irqrestore(&ra->lock, flags);
}

/*
 * A slot for a new LOAD: a free one, else the page that arrived first and
 * was not read.
 */
static struct nsw_ra_slot *nsw_ra_slot_get(struct nsw_ra *ra)
	__must_hold(&ra->lock)
{
	struct nsw_ra_slot *oldest = NULL;
	unsigned int i;

	lockdep_assert_held(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		struct nsw_ra_slot *s = &ra->slots[i];

		if (s->state == NSW_RA_FREE)
			return s;
		if (s->state == NSW_RA_READY &&
		    (!oldest || time_before(s->since, oldest->since)))
			oldest = s;
	}
	if (oldest) {
		atomic64_inc(&ra->unused_pages);
		nsw_ra_free(ra, oldest);
	}
	return oldest;
}

/*
 * Claims a slot for @pgoff if the map holds the page on a peer that is
 * up. The map is read under ra->lock: a write takes the page out of the
 * map before nsw_ra_forget() takes the lock, so either this sees the map
 * without the old copy, or the write sees this slot.
 */
static struct nsw_ra_slot *nsw_ra_claim(struct nsw_ra *ra,
					struct nsw_map *map, u64 pgoff,
					u64 *handle)
	__must_hold(&ra->lock)
{
	struct nsw_peer *peer = NULL;
	struct nsw_ra_slot *s = NULL;
	struct nsw_pick pick;

	lockdep_assert_held(&ra->lock);
	/*
	 * Counted before the map is read, as if claimed: nsw_ra_forget()
	 * skips the lock while nothing is counted.
	 */
	WRITE_ONCE(ra->used, ra->used + 1);
	smp_mb();	/* pairs with nsw_ra_forget() */
	/* The copy a read would ask: nsw_ra_adopt() then finds it. */
	peer = nsw_read_pick(map, pgoff, 0, &pick);
	*handle = pick.handle;
	if (peer)
		s = nsw_ra_slot_get(ra);
	if (!s)
		goto fail;
	s->peer = peer;
	s->pgoff = pgoff;
	s->sum = nsw_map_sum(map, pgoff);
	s->got = 0;
	s->forgotten = false;
	s->since = jiffies;
	s->sent_ns = ktime_get_ns();
	s->state = NSW_RA_LOADING;
	return s;
fail:
	nsw_peer_put(peer);
	WRITE_ONCE(ra->used, ra->used - 1);
	return NULL;
}

/*
 * LOADs ahead not sent yet, all to one peer: the pages one read asks to
 * have ahead go out as one batched LOAD (protocol.rst), not a datagram
 * each. Built on the stack of nsw_ra_ahead(); NSW_RA_BATCH keeps it
 * small, and a read rarely asks for more.
 */
#define NSW_RA_BATCH	16

struct nsw_ra_batch {
	struct nsw_peer *peer;		/* referenced while n > 0 */
	unsigned int n;			/* LOADs; the first is in hdr */
	struct nsw_hdr hdr;
	u8 more[(NSW_RA_BATCH - 1) * NSW_BATCH_ENTRY_LEN];
};

static void nsw_ra_flush(struct nsw_ra_batch *b)
{
	if (!b->n)
		return;
	/* Lost, they expire: nsw_ra_expire(). */
	nsw_peer_send_batch(b->peer, &b->hdr, b->more, b->n);
	nsw_peer_put(b->peer);
	b->peer = NULL;
	b->n = 0;
}

/*
 * Gives the slot claimed by nsw_ra_claim() its request number and adds
 * its LOAD to @b. From then on a read may take the request over and free
 * the slot (nsw_ra_adopt()), so @b holds its own reference on the peer,
 * taken while the slot's is still there.
 */
static void nsw_ra_queue(struct nsw_ra *ra, struct nsw_ra_batch *b,
			 struct nsw_ra_slot *s, u64 handle)
{
	struct nsw_peer *peer = s->peer;
	u64 seq;

	if (b->n && (b->peer != peer || b->n == NSW_RA_BATCH))
		nsw_ra_flush(b);
	if (!b->n) {
		kref_get(&peer->ref);
		b->peer = peer;
	}
	if (nsw_sendwin_start(peer, &s->tx, 0, &seq)) {
		/* The peer's window is full: not worth waiting for. */
		spin_lock_bh(&ra->lock);
		nsw_ra_free(ra, s);
		spin_unlock_bh(&ra->lock);
		if (!b->n) {
			nsw_peer_put(b->peer);
			b->peer = NULL;
		}
		return;
	}
	nsw_batch_add(&b->hdr, b->more, b->n++, NSW_MSG_LOAD, 0, seq, handle);
	atomic64_inc(&ra->loaded_pages);
}

/*
 * A read request for [@pgoff, @pgoff + @nr) is on its way. If it goes on
 * from the previous one, LOAD the pages after it that are not here yet.
 * Task context, not under reclaim: its LOADs would use reclaim's reserves.
 */
void nsw_ra_ahead(struct nsw_ra *ra, struct nsw_map *map, u64 pgoff,
		  unsigned int nr)
{
	u64 p, end = pgoff + nr + min(READ_ONCE(nsw_readahead_pages),
				      NSW_RA_MAX_AHEAD);
	struct nsw_ra_batch b;
	struct nsw_ra_slot *s;
	bool sequential;
	u64 handle;

	lockdep_assert(!in_interrupt() && !(current->flags & PF_MEMALLOC));

	spin_lock_bh(&ra->lock);
	sequential = pgoff == ra->next;
	ra->next = pgoff + nr;
	spin_unlock_bh(&ra->lock);
	if (!sequential)
		return;
	b.peer = NULL;
	b.n = 0;
	for (p = pgoff + nr; p < end && p < map->nr; p++) {
		spin_lock_bh(&ra->lock);
		s = nsw_ra_find(ra, p) ? NULL : nsw_ra_claim(ra, map, p, &handle);
		spin_unlock_bh(&ra->lock);
		/* Claimed: LOADING with inflight 0, no one else takes it. */
		if (s)
			nsw_ra_queue(ra, &b, s, handle);
	}
	nsw_ra_flush(&b);
}

/*
 * An answer to a LOAD ahead; @tx is a slot's. Chunks land under ra->lock,
 * so none lands twice or after the page was checked.
 */
void nsw_ra_reply(struct nsw_ra *ra, struct nsw_peer *peer,
		  struct nsw_tx *tx, struct sk_buff *skb,
		  const struct nsw_msg *m)
{
	struct nsw_ra_slot *s = container_of(tx, struct nsw_ra_slot, tx);
	unsigned int new;
	bool ok = false;
	void *p;

	lockdep_assert_in_softirq();	/* ra->lock without _bh */
	spin_lock(&ra->lock);
	if (s->state != NSW_RA_LOADING || s->peer != peer ||
	    (u64)atomic64_read(&tx->inflight) != m->req_id ||
	    m->type != NSW_MSG_LOAD_ACK)
		goto unlock;
	if (nsw_msg_has_page(m->type, m->status)) {
		new = nsw_msg_chunks(m) & ~s->got;
		if (!new)
			goto unlock;	/* a duplicate */
		p = kmap_local_page(s->page);
		ok = !nsw_skb_copy_chunks(skb, m, p, new);
		kunmap_local(p);
		s->got |= new;
		if (ok && s->got != NSW_CHUNKS_ALL)
			goto unlock;	/* more chunks to come */
	}
	/* Complete, refused or broken: the LOAD is over either way. */
	if (atomic64_cmpxchg(&tx->inflight, m->req_id, 0) != m->req_id)
		goto unlock;
	nsw_sendwin_end(peer, m->req_id);
	if (ok && !s->forgotten) {
		ok = nsw_page_sum(s->page) == s->sum;
		if (!ok)
			atomic64_inc(&peer->checksum_error_pages);
	}
	if (ok && !s->forgotten) {
		atomic64_inc(&peer->tx_load_pages);
		nsw_peer_put(s->peer);
		s->peer = NULL;
		s->state = NSW_RA_READY;
		s->since = jiffies;
	} else {
		atomic64_inc(&ra->unused_pages);
		nsw_ra_free(ra, s);
	}
unlock:
	spin_unlock(&ra->lock);
}

/*
 * Gives up the LOADs ahead unanswered for a retransmission timeout, or
 * whose peer is down: a lost one is not sent again, and its request
 * number must not stay in the peer's window, where it would block the
 * peer's requests once the window comes round to it. Returns true while
 * LOADs ahead are still on the way, for the caller to look again.
 */
bool nsw_ra_expire(struct nsw_ra *ra)
{
	bool loading = false;
	unsigned int i;

	if (!READ_ONCE(ra->used))
		return false;
	spin_lock_bh(&ra->lock);
	for (i = 0; i < NSW_RA_SLOTS; i++) {
		struct nsw_ra_slot *s = &ra->slots[i];

		if (s->state != NSW_RA_LOADING)
			continue;
		if (!nsw_ra_overdue(ra, s) || !nsw_ra_cancel(ra, s))
			loading = true;
	}
	spin_unlock_bh(&ra->lock);
	return loading;
}
