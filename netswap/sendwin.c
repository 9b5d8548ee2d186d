// SPDX-License-Identifier: GPL-2.0
/*
 * The client's send window to each peer, see sendwin.h. peer->tx_lock
 * serialises handing out numbers and places in the STORE window; a
 * number's owner frees its ring slot without it.
 */
#include "netswap.h"

#include <linux/spinlock.h>

#include "peer.h"
#include "sendwin.h"

/*
 * Gives @tx the peer's next request number if tx->inflight is still
 * @from; a STORE's number takes a place in the STORE window with it.
 * -EBUSY while either window is full (the request NSW_SEQ_WINDOW
 * numbers back is still unanswered, or cwnd.h), -EALREADY if someone
 * else moved tx->inflight on.
 */
int nsw_sendwin_start(struct nsw_peer *peer, struct nsw_tx *tx, u64 from,
		      u64 *seq)
{
	struct nsw_tx **slot;
	int err = -EBUSY;

	spin_lock_bh(&peer->tx_lock);
	slot = &peer->tx_ring[peer->tx_next % NSW_SEQ_WINDOW];
	if (*slot)
		goto out;
	if (tx->store && !nsw_cwnd_take(&peer->cwnd))
		goto out;
	err = -EALREADY;
	/* Before the ring: the reply path checks inflight. */
	if (atomic64_cmpxchg(&tx->inflight, from, peer->tx_next) != from) {
		if (tx->store)
			nsw_cwnd_cancel(&peer->cwnd);
		goto out;
	}
	tx->in_cwnd = tx->store;
	*seq = peer->tx_next++;
	WRITE_ONCE(*slot, tx);
	err = 0;
out:
	spin_unlock_bh(&peer->tx_lock);
	return err;
}

/*
 * The request waiting for @seq's answer, or NULL. The ring lives as long
 * as @peer, which the caller's RCU section keeps. The caller still has to
 * win the cmpxchg on tx->inflight: the request may end under it.
 */
struct nsw_tx *nsw_sendwin_find(struct nsw_peer *peer, u64 seq)
{
	struct nsw_tx *tx;

	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "netswap send window read outside an RCU reader");
	tx = READ_ONCE(peer->tx_ring[seq % NSW_SEQ_WINDOW]);
	if (!tx || (u64)atomic64_read_acquire(&tx->inflight) != seq)
		return NULL;
	return tx;
}

/*
 * Request @seq now answers to @to, whose inflight already holds @seq. The
 * old owner moved its own inflight to 0 first, so nobody else writes the
 * slot meanwhile.
 */
void nsw_sendwin_handover(struct nsw_peer *peer, u64 seq, struct nsw_tx *to)
{
	/* @to's state before the pointer: nsw_sendwin_find() follows it. */
	smp_store_release(&peer->tx_ring[seq % NSW_SEQ_WINDOW], to);
}

/* The owner of request @seq is done with it: free its slot. */
void nsw_sendwin_end(struct nsw_peer *peer, u64 seq)
{
	WRITE_ONCE(peer->tx_ring[seq % NSW_SEQ_WINDOW], NULL);
}

/* A session begins: number from @next on, unless already past it. */
void nsw_sendwin_skip(struct nsw_peer *peer, u64 next)
{
	spin_lock_bh(&peer->tx_lock);
	if (peer->tx_next < next)
		peer->tx_next = next;
	spin_unlock_bh(&peer->tx_lock);
}

/*
 * The lowest request number in flight to @peer, or the next if none: an
 * audit's floor (audit.c). Numbers more than a window back hold no slot.
 */
u64 nsw_sendwin_floor(struct nsw_peer *peer)
{
	u64 seq;

	spin_lock_bh(&peer->tx_lock);
	seq = peer->tx_next > NSW_SEQ_WINDOW ? peer->tx_next - NSW_SEQ_WINDOW : 1;
	for (; seq < peer->tx_next; seq++)
		if (READ_ONCE(peer->tx_ring[seq % NSW_SEQ_WINDOW]))
			break;
	spin_unlock_bh(&peer->tx_lock);
	return seq;
}

/* @tx gives its place in the STORE window back. */
static bool nsw_sendwin_unplace(struct nsw_peer *peer, struct nsw_tx *tx,
				bool answered)
	__must_hold(&peer->tx_lock)
{
	lockdep_assert_held(&peer->tx_lock);
	if (!tx->in_cwnd)
		return false;
	tx->in_cwnd = false;
	return nsw_cwnd_put(&peer->cwnd, answered);
}

/*
 * nsw_sendwin_end() for STORE @tx: also gives its place in the STORE
 * window back, if it still holds one, @answered or given up. Returns
 * true if a STORE was refused a place meanwhile: the caller wakes
 * whoever sends them.
 */
bool nsw_sendwin_store_end(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq,
			   bool answered)
{
	bool wake;

	spin_lock_bh(&peer->tx_lock);
	wake = nsw_sendwin_unplace(peer, tx, answered);
	spin_unlock_bh(&peer->tx_lock);
	nsw_sendwin_end(peer, seq);
	return wake;
}

/*
 * STORE @tx, request @seq, went unanswered for a retransmission timeout:
 * a loss, which cuts the window (once an episode). The page counts as
 * gone from the path, as TCP counts a segment it retransmits after a
 * timeout: it gives its place back, and its retransmissions travel
 * outside the window, so a lost page does not hold back the pages after
 * it. Returns what nsw_sendwin_store_end() does.
 */
bool nsw_sendwin_store_lost(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq)
{
	bool wake = false;

	spin_lock_bh(&peer->tx_lock);
	/* Not answered meanwhile: its end takes tx_lock after the cmpxchg. */
	if ((u64)atomic64_read(&tx->inflight) == seq) {
		nsw_cwnd_loss(&peer->cwnd, seq, peer->tx_next);
		wake = nsw_sendwin_unplace(peer, tx, false);
	}
	spin_unlock_bh(&peer->tx_lock);
	return wake;
}
