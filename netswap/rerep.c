// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Re-replication
 *
 * A page is written to `replicas` distinct peers (request.c); this keeps
 * it so when peers fail or leave. Once a second, and at once when a write
 * or a read found a copy missing, a tick counts the pages with fewer good
 * copies than wanted (degraded_pages) and, if there are any, starts a
 * pass: NSW_REREP_LANES lanes walk the map, each reading such a page
 * through the device (from a copy that is still good, checked against its
 * checksum) and storing it on a peer that holds no copy of it, each with
 * a request of its own: REQ_OP_DRV_IN and REQ_OP_DRV_OUT, so retransmission,
 * sessions and failover are the I/O path's.
 *
 * A copy is good while its store is up, in the session it was made in,
 * and keeps it. One on a peer that is down, lost with its session or
 * spoiled (map.h) is to be replaced; one on a store that drains, or of
 * the pages a store asks back (give_back_pages, from its PONGs), is to be
 * moved: it can still be read, but the copy made elsewhere replaces it,
 * and the old one is freed there.
 *
 * The copy lands only if the page did not change while it was made
 * (nsw_map_install()); else it is freed. The workload keeps priority: a
 * lane waits a little before each page while the device has requests of
 * its own, and the lanes take at most NSW_REREP_LANES of the device's
 * request slots.
 */
#include "netswap.h"

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/mm.h>

#include "disk.h"
#include "events.h"
#include "map.h"
#include "peer.h"
#include "request.h"
#include "rerep.h"
#include "session.h"
#include "uapi/netswap.h"

#define NSW_REREP_TICK		HZ

/* What a copy of a page is worth, see the DOC above. */
enum nsw_copy_state {
	NSW_COPY_NONE,		/* no copy in this slot */
	NSW_COPY_GOOD,
	NSW_COPY_MOVE,		/* readable, but to be moved */
	NSW_COPY_BAD,		/* to be replaced */
};

/* @peer's copies are to be moved; for a count, consumes one of @budget. */
static bool nsw_rerep_moving(struct nsw_peer *peer, atomic64_t *budget)
{
	u64 ask = READ_ONCE(peer->give_back_pages);

	if (ask == NSW_GIVE_BACK_ALL)
		return true;
	return ask && budget && atomic64_dec_if_positive(budget) >= 0;
}

/*
 * The state of the copy @entry names. @budget (per peer, or NULL: only
 * count) lets a store's ask for some of its pages move that many.
 */
static enum nsw_copy_state nsw_copy_state(u64 entry, atomic64_t *budget)
{
	enum nsw_copy_state st = NSW_COPY_BAD;
	struct nsw_peer *peer;

	if (!entry)
		return NSW_COPY_NONE;
	if (nsw_entry_lost(entry))
		return NSW_COPY_BAD;
	rcu_read_lock();
	peer = nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry));
	if (peer && !nsw_peer_down(peer) && nsw_session_handle(peer, entry))
		st = nsw_rerep_moving(peer, budget ? &budget[peer->idx] : NULL) ?
		     NSW_COPY_MOVE : NSW_COPY_GOOD;
	rcu_read_unlock();
	return st;
}

/* What a page's slots say, and what to do about it. */
struct nsw_page_plan {
	u64 snap[NSW_MAX_REPLICAS];
	unsigned int good;
	unsigned int readable;	/* good or to be moved */
	int slot;		/* the slot the next copy takes; -1: none */
	bool move;		/* that slot's copy is to be moved */
	u64 avoid;		/* peers named by any slot */
};

/*
 * Looks at @pgoff: is it degraded, with fewer good copies than wanted?
 * Freed pages (PENDING) and pages without data are not. @p says which
 * slot another copy takes and which peers it must avoid.
 */
static bool nsw_rerep_plan(struct nsw_map *map, u64 pgoff, atomic64_t *budget,
			   struct nsw_page_plan *p)
{
	enum nsw_copy_state st;
	int empty = -1;
	unsigned int c;

	nsw_map_snapshot(map, pgoff, p->snap);
	p->good = 0;
	p->readable = 0;
	p->slot = -1;
	p->move = false;
	p->avoid = 0;
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		if (p->snap[c] & NSW_ENTRY_PENDING)
			return false;
		if (p->snap[c] && !nsw_entry_lost(p->snap[c]))
			p->avoid |= BIT_ULL(NSW_ENTRY_PEER(p->snap[c]));
		st = nsw_copy_state(p->snap[c], budget);
		p->good += st == NSW_COPY_GOOD;
		p->readable += st == NSW_COPY_GOOD || st == NSW_COPY_MOVE;
		if ((st == NSW_COPY_BAD || st == NSW_COPY_MOVE) && p->slot < 0) {
			p->slot = c;
			p->move = st == NSW_COPY_MOVE;
		}
		if (st == NSW_COPY_NONE && empty < 0)
			empty = c;
	}
	if (p->slot < 0)
		p->slot = empty;
	return (p->snap[0] | p->snap[1] | p->snap[2]) &&
	       p->good < nsw_replicas_now();
}

/* One of rerep.c's own requests for @pgoff, waited for. */
static int nsw_rerep_io(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			u64 pgoff, const struct nsw_page_plan *p, bool write)
{
	struct request_queue *q = dev->disk->queue;
	struct nsw_cmd *cmd;
	struct request *rq;
	int err;

	rq = blk_mq_alloc_request(q, write ? REQ_OP_DRV_OUT : REQ_OP_DRV_IN, 0);
	if (IS_ERR(rq))
		return PTR_ERR(rq);
	cmd = blk_mq_rq_to_pdu(rq);
	cmd->kind = write ? NSW_CMD_COPY : NSW_CMD_COPY_READ;
	cmd->copy_pgoff = pgoff;
	memcpy(cmd->copy_snap, p->snap, sizeof(cmd->copy_snap));
	cmd->copy_slot = p->slot;
	cmd->copy_avoid = p->avoid;
	/* NOIO: reclaim would write to this device, whose slot we hold. */
	err = blk_rq_map_kern(q, rq, page_address(lane->page), PAGE_SIZE,
			      GFP_NOIO);
	if (!err)
		err = blk_status_to_errno(blk_execute_rq(rq, false));
	blk_mq_free_request(rq);
	return err;
}

/*
 * A copy asked back has nowhere to go, but the page has another good
 * one: give the store its memory back and keep the page degraded.
 */
static void nsw_rerep_drop(struct nsw_dev *dev, u64 pgoff,
			   const struct nsw_page_plan *p)
{
	if (nsw_map_install(&dev->map, pgoff, p->slot, 0, p->snap))
		atomic64_inc(&dev->rerep.dropped_pages);
}

/* Makes one more copy of @pgoff, if it still needs one. */
static void nsw_rerep_page(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			   u64 pgoff)
{
	struct nsw_rerep *rr = &dev->rerep;
	struct nsw_page_plan p;

	if (!nsw_rerep_plan(&dev->map, pgoff, rr->give_back, &p) ||
	    !p.readable || p.slot < 0)
		return;
	if (!nsw_peer_any_target(p.avoid)) {
		if (p.move && p.good)
			nsw_rerep_drop(dev, pgoff, &p);
		return;
	}
	/* The workload's own requests first. */
	if (atomic_read(&dev->busy) > atomic_read(&rr->running))
		usleep_range(1000, 2000);
	if (nsw_rerep_io(dev, lane, pgoff, &p, false) ||
	    nsw_rerep_io(dev, lane, pgoff, &p, true))
		return;
	atomic64_inc(&rr->copied_pages);
	atomic64_dec_if_positive(&rr->degraded_pages);
}

static void nsw_rerep_lane_fn(struct work_struct *work)
{
	struct nsw_rerep_lane *lane = container_of(work, struct nsw_rerep_lane,
						   work);
	struct nsw_dev *dev = lane->dev;
	struct nsw_rerep *rr = &dev->rerep;
	u64 pgoff;

	for (pgoff = lane->idx; pgoff < dev->map.nr;
	     pgoff += NSW_REREP_LANES) {
		if (READ_ONCE(rr->stopping))
			break;
		nsw_rerep_page(dev, lane, pgoff);
		cond_resched();
	}
	if (atomic_dec_and_test(&rr->running) && !READ_ONCE(rr->stopping))
		mod_delayed_work(nsw_wq, &rr->tick, NSW_REREP_TICK);
}

/*
 * Counts the degraded pages, in all and per peer holding a copy that is
 * to go. Returns the count.
 */
static u64 nsw_rerep_count(struct nsw_dev *dev, u64 *per_peer)
{
	struct nsw_page_plan p;
	u64 pgoff, n = 0;
	unsigned int c;

	for (pgoff = 0; pgoff < dev->map.nr; pgoff++) {
		if (!(pgoff % 4096))
			cond_resched();
		if (!nsw_rerep_plan(&dev->map, pgoff, NULL, &p))
			continue;
		n++;
		for (c = 0; c < NSW_MAX_REPLICAS; c++)
			if (p.snap[c] && !nsw_entry_lost(p.snap[c]) &&
			    nsw_copy_state(p.snap[c], NULL) != NSW_COPY_GOOD)
				per_peer[NSW_ENTRY_PEER(p.snap[c])]++;
	}
	return n;
}

/* Publishes @peer's degraded pages; tells listeners when none are left. */
static int nsw_rerep_peer_figure(struct nsw_peer *peer, void *arg)
{
	u64 *per_peer = arg, was = READ_ONCE(peer->degraded_pages);

	WRITE_ONCE(peer->degraded_pages, per_peer[peer->idx]);
	if (was && !per_peer[peer->idx]) {
		pr_info("%pISpc: every page that had a copy there has its copies again\n",
			&peer->shown);
		nsw_event_post(NETSWAP_EVENT_PEER_SAFE, peer);
	}
	return 0;
}

/* Sets @peer's budget of moves for this pass. */
static int nsw_rerep_budget(struct nsw_peer *peer, void *arg)
{
	struct nsw_rerep *rr = arg;
	u64 ask = READ_ONCE(peer->give_back_pages);

	atomic64_set(&rr->give_back[peer->idx],
		     ask == NSW_GIVE_BACK_ALL ? 0 : min_t(u64, ask, S64_MAX));
	return 0;
}

/* Does a store ask for some of our pages back? */
static int nsw_rerep_asked(struct nsw_peer *peer, void *arg)
{
	return !!READ_ONCE(peer->give_back_pages);
}

/* Folds what makes a copy good or not of @peer into *@arg. */
static int nsw_rerep_sign(struct nsw_peer *peer, void *arg)
{
	u64 *sig = arg;

	*sig = (*sig ^ (atomic_read(&peer->session) |
			(u64)READ_ONCE(peer->state) << 32 |
			(u64)!!READ_ONCE(peer->give_back_pages) << 40 |
			(u64)peer->idx << 48)) * 0x100000001b3ULL;
	return 0;
}

/*
 * Must the map be looked at? While pages are degraded or a store asks
 * for pages back, after a kick, and when a peer's state, session or ask
 * changed, or replicas did: not once a second over a large map that is
 * fine.
 */
static bool nsw_rerep_due(struct nsw_rerep *rr)
{
	u64 sig = nsw_replicas_now();

	nsw_peer_for_each(nsw_rerep_sign, &sig, 0);
	if (!atomic_xchg(&rr->kicked, 0) && sig == rr->sig &&
	    !atomic64_read(&rr->degraded_pages) &&
	    !nsw_peer_for_each(nsw_rerep_asked, NULL, 0))
		return false;
	rr->sig = sig;
	return true;
}

static void nsw_rerep_tick(struct work_struct *work)
{
	struct nsw_rerep *rr = container_of(to_delayed_work(work),
					    struct nsw_rerep, tick);
	struct nsw_dev *dev = container_of(rr, struct nsw_dev, rerep);
	u64 *per_peer, n;
	unsigned int i;

	if (atomic_read(&rr->running) || READ_ONCE(rr->stopping))
		return;
	if (!nsw_rerep_due(rr))
		goto again;
	per_peer = kcalloc(NSW_MAX_PEERS, sizeof(*per_peer), GFP_KERNEL);
	if (!per_peer)
		goto again;
	n = atomic64_read(&dev->map.mapped) ? nsw_rerep_count(dev, per_peer) : 0;
	atomic64_set(&rr->degraded_pages, n);
	nsw_peer_for_each(nsw_rerep_peer_figure, per_peer, 0);
	kfree(per_peer);
	nsw_peer_for_each(nsw_rerep_budget, rr, 0);
	if (n || nsw_peer_for_each(nsw_rerep_asked, NULL, 0)) {
		atomic_set(&rr->running, NSW_REREP_LANES);
		for (i = 0; i < NSW_REREP_LANES; i++)
			queue_work(rr->wq, &rr->lanes[i].work);
		return;
	}
again:
	queue_delayed_work(nsw_wq, &rr->tick, NSW_REREP_TICK);
}

/* A page lost a copy, or was written with fewer: look soon. */
void nsw_rerep_kick(struct nsw_dev *dev)
{
	struct nsw_rerep *rr = &dev->rerep;

	if (READ_ONCE(rr->stopping) || atomic_xchg(&rr->kicked, 1))
		return;
	mod_delayed_work(nsw_wq, &rr->tick, HZ / 10);
}

int nsw_rerep_start(struct nsw_dev *dev)
{
	struct nsw_rerep *rr = &dev->rerep;
	unsigned int i;

	INIT_DELAYED_WORK(&rr->tick, nsw_rerep_tick);
	rr->wq = alloc_workqueue("netswap_rerep", WQ_UNBOUND, NSW_REREP_LANES);
	if (!rr->wq)
		return -ENOMEM;
	for (i = 0; i < NSW_REREP_LANES; i++) {
		rr->lanes[i].dev = dev;
		rr->lanes[i].idx = i;
		INIT_WORK(&rr->lanes[i].work, nsw_rerep_lane_fn);
		rr->lanes[i].page = alloc_page(GFP_KERNEL);
		if (!rr->lanes[i].page)
			goto err;
	}
	queue_delayed_work(nsw_wq, &rr->tick, NSW_REREP_TICK);
	return 0;
err:
	while (i--)
		__free_page(rr->lanes[i].page);
	destroy_workqueue(rr->wq);
	return -ENOMEM;
}

/* Before the disk goes: no copy is being made after this. */
void nsw_rerep_stop(struct nsw_dev *dev)
{
	struct nsw_rerep *rr = &dev->rerep;
	unsigned int i;

	WRITE_ONCE(rr->stopping, true);
	cancel_delayed_work_sync(&rr->tick);
	/* Lanes end at their next page; their requests end in time. */
	destroy_workqueue(rr->wq);
	cancel_delayed_work_sync(&rr->tick);
	for (i = 0; i < NSW_REREP_LANES; i++)
		__free_page(rr->lanes[i].page);
}

/*
 * After the last reply handler left the device (synchronize_net()): a
 * kick that raced with nsw_rerep_stop() may have queued the tick again.
 */
void nsw_rerep_finish(struct nsw_dev *dev)
{
	cancel_delayed_work_sync(&dev->rerep.tick);
}
