// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Re-replication
 *
 * A page is written to `replicas` distinct peers (request.c); this keeps
 * it so when peers fail or leave. When a write or a read found a copy
 * missing, a peer's state, session or ask changed, and once a second
 * while that is not all done, a tick counts the pages with fewer good
 * copies than wanted (degraded_pages) and, if there are any, starts a
 * pass: NSW_REREP_LANES lanes walk the map, each reading such a page
 * through the device (from a copy that is still good, checked against its
 * checksum) and storing it on a peer that holds no copy of it, each with
 * a request of its own: REQ_OP_DRV_IN and REQ_OP_DRV_OUT, so retransmission,
 * sessions and failover are the I/O path's. The lanes count what they
 * leave degraded, and that count replaces the tick's: a page the tick saw
 * mid-write or being freed is not counted for long.
 *
 * A copy is good while its store is up, in the session it was made in,
 * and keeps it. One on a peer that is down, lost with its session or
 * spoiled (map.h) is to be replaced; one on a store that drains, or of
 * the pages a store asks back (give_back_pages, from its PONGs), is to be
 * moved: it can still be read, but the copy made elsewhere replaces it,
 * and the old one is freed there. It is dropped instead when the page
 * keeps enough copies without it, or, on a store that drains, when the
 * page has another good one and no peer can take it: the store gets its
 * memory back either way.
 *
 * The copy lands only if the page was not written while it was made
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
/* Ticks between counts while a pass can do nothing, and in quiet times. */
#define NSW_REREP_STUCK_TICKS	10
#define NSW_REREP_QUIET_TICKS	30

/* What a copy of a page is worth, see the DOC above. */
enum nsw_copy_state {
	NSW_COPY_NONE,		/* no copy in this slot */
	NSW_COPY_GOOD,
	NSW_COPY_ASKED,		/* good, but its store asks some pages back */
	NSW_COPY_MOVE,		/* readable, but to be moved: its store drains */
	NSW_COPY_BAD,		/* to be replaced */
};

static enum nsw_copy_state nsw_copy_state(u64 entry)
{
	enum nsw_copy_state st = NSW_COPY_BAD;
	struct nsw_peer *peer;
	u64 ask;

	if (!entry)
		return NSW_COPY_NONE;
	if (nsw_entry_lost(entry))
		return NSW_COPY_BAD;
	rcu_read_lock();
	peer = nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry));
	if (peer && !nsw_peer_down(peer) && nsw_session_handle(peer, entry)) {
		ask = READ_ONCE(peer->give_back_pages);
		st = ask == NSW_GIVE_BACK_ALL ? NSW_COPY_MOVE :
		     ask ? NSW_COPY_ASKED : NSW_COPY_GOOD;
	}
	rcu_read_unlock();
	return st;
}

/* What a page's slots say, and what to do about it. */
struct nsw_page_plan {
	struct nsw_map_view view;
	enum nsw_copy_state st[NSW_MAX_REPLICAS];
	unsigned int good;	/* GOOD or ASKED */
	bool drains;		/* the leaving copy's store drains */
	unsigned int readable;	/* good or to be moved */
	u64 avoid;		/* peers named by any slot */
};

/*
 * Looks at @pgoff. Returns false for a page freed (PENDING) or without
 * data, which need nothing.
 */
static bool nsw_rerep_plan(struct nsw_map *map, u64 pgoff,
			   struct nsw_page_plan *p)
{
	u64 e, any = 0;
	unsigned int c;

	nsw_map_snapshot(map, pgoff, &p->view);
	p->good = 0;
	p->readable = 0;
	p->avoid = 0;
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		e = p->view.slot[c];
		if (e & NSW_ENTRY_PENDING)
			return false;
		any |= e;
		if (e && !nsw_entry_lost(e))
			p->avoid |= BIT_ULL(NSW_ENTRY_PEER(e));
		p->st[c] = nsw_copy_state(e);
		p->good += p->st[c] == NSW_COPY_GOOD ||
			   p->st[c] == NSW_COPY_ASKED;
		p->readable += p->st[c] == NSW_COPY_GOOD ||
			       p->st[c] == NSW_COPY_ASKED ||
			       p->st[c] == NSW_COPY_MOVE;
	}
	return any;
}

/* Has the page fewer good copies than wanted? */
static bool nsw_plan_degraded(const struct nsw_page_plan *p)
{
	return p->good < nsw_replicas_now();
}

/*
 * The slot whose copy is to go, or -1: one on a store that drains, else
 * one on a store asking pages back while its budget for this pass lasts
 * (@budget, per peer; taken only for the slot returned).
 */
static int nsw_plan_leaving(struct nsw_page_plan *p, atomic64_t *budget)
{
	unsigned int c;

	p->drains = true;
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		if (p->st[c] == NSW_COPY_MOVE)
			return c;
	p->drains = false;
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		if (p->st[c] != NSW_COPY_ASKED ||
		    atomic64_dec_if_positive(&budget[NSW_ENTRY_PEER(p->view.slot[c])]) < 0)
			continue;
		p->st[c] = NSW_COPY_MOVE;
		p->good--;
		return c;
	}
	return -1;
}

/* The slot a new copy of a degraded page takes: a bad one, else empty. */
static int nsw_plan_free_slot(const struct nsw_page_plan *p)
{
	unsigned int c;

	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		if (p->st[c] == NSW_COPY_BAD)
			return c;
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		if (p->st[c] == NSW_COPY_NONE)
			return c;
	return -1;
}

/* One of rerep.c's own requests for @pgoff, copy @slot, waited for. */
static int nsw_rerep_io(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			u64 pgoff, const struct nsw_page_plan *p, int slot,
			bool write)
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
	cmd->copy_view = p->view;
	cmd->copy_slot = slot;
	cmd->copy_avoid = p->avoid;
	/* NOIO: reclaim would write to this device, whose slot we hold. */
	err = blk_rq_map_kern(q, rq, page_address(lane->page), PAGE_SIZE,
			      GFP_NOIO);
	if (!err) {
		atomic_inc(&dev->rerep.inflight);
		err = blk_status_to_errno(blk_execute_rq(rq, false));
		atomic_dec(&dev->rerep.inflight);
	}
	blk_mq_free_request(rq);
	return err;
}

/*
 * Copies @pgoff, as @p saw it, into @slot on a peer that holds none of
 * it, replacing what @slot held. Returns true if the copy landed.
 */
static bool nsw_rerep_copy(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			   u64 pgoff, const struct nsw_page_plan *p, int slot)
{
	struct nsw_rerep *rr = &dev->rerep;

	/* The workload's own requests first. */
	if (atomic_read(&dev->busy) > atomic_read(&rr->inflight))
		usleep_range(1000, 2000);
	if (nsw_rerep_io(dev, lane, pgoff, p, slot, false) ||
	    nsw_rerep_io(dev, lane, pgoff, p, slot, true))
		return false;
	atomic64_inc(&rr->copied_pages);
	return true;
}

/*
 * Drops copy @slot of @pgoff, which is to go, when the page keeps enough
 * copies without it, or has another good one and the leaving copy has
 * nowhere else to go: the store gets its memory back.
 */
static void nsw_rerep_drop(struct nsw_dev *dev, u64 pgoff,
			   const struct nsw_page_plan *p, int slot)
{
	if (nsw_map_install(&dev->map, pgoff, slot, 0, &p->view, 0))
		atomic64_inc(&dev->rerep.dropped_pages);
}

/*
 * Does for @pgoff what @p says it needs: a copy made, moved or dropped.
 * Returns false if it left the page and @p as they were.
 */
static bool nsw_rerep_act(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			  u64 pgoff, struct nsw_page_plan *p)
{
	struct nsw_rerep *rr = &dev->rerep;
	bool degraded, target;
	int slot;

	if (!p->readable)
		return false;
	degraded = nsw_plan_degraded(p);
	slot = nsw_plan_leaving(p, rr->give_back);
	if (slot >= 0 && p->good >= nsw_replicas_now()) {
		nsw_rerep_drop(dev, pgoff, p, slot);
		return true;
	}
	if (slot < 0 && !degraded)
		return false;
	if (slot < 0)
		slot = nsw_plan_free_slot(p);
	if (slot < 0)
		return false;
	target = nsw_peer_any_target(p->avoid);
	/* Fewer copies, only for a store that leaves: not for a passing ask. */
	if (!target && p->st[slot] == NSW_COPY_MOVE && p->drains && p->good)
		nsw_rerep_drop(dev, pgoff, p, slot);
	else if (target && nsw_rerep_copy(dev, lane, pgoff, p, slot) &&
		 degraded && p->good + 1 >= nsw_replicas_now())
		atomic64_dec_if_positive(&rr->degraded_pages);
	return true;
}

/*
 * Adds @p's page, if degraded, to a count: in all (@n) and per peer
 * holding a copy of it that is to go (@per_peer).
 */
static void nsw_plan_count(const struct nsw_page_plan *p, u64 *n,
			   u64 *per_peer)
{
	unsigned int c;

	if (!nsw_plan_degraded(p))
		return;
	(*n)++;
	/* Lost entries still name their peer: map.h. */
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		if (p->st[c] == NSW_COPY_MOVE || p->st[c] == NSW_COPY_BAD)
			per_peer[NSW_ENTRY_PEER(p->view.slot[c])]++;
}

/*
 * Does what @pgoff needs, then counts it as it is left: a pass counts
 * the map afresh, so the figures do not keep pages that were being
 * written or were freed when the tick counted.
 */
static void nsw_rerep_page(struct nsw_dev *dev, struct nsw_rerep_lane *lane,
			   u64 pgoff)
{
	struct nsw_page_plan p;

	if (!nsw_rerep_plan(&dev->map, pgoff, &p))
		return;
	if (nsw_rerep_act(dev, lane, pgoff, &p) &&
	    !nsw_rerep_plan(&dev->map, pgoff, &p))
		return;
	nsw_plan_count(&p, &lane->degraded, lane->per_peer);
}

/* Copies made and dropped since load: the work passes did. */
static u64 nsw_rerep_done(struct nsw_rerep *rr)
{
	return atomic64_read(&rr->copied_pages) +
	       atomic64_read(&rr->dropped_pages);
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

static void nsw_rerep_publish(struct nsw_rerep *rr, u64 n, u64 *per_peer)
{
	atomic64_set(&rr->degraded_pages, n);
	nsw_peer_for_each(nsw_rerep_peer_figure, per_peer, 0);
}

/* The last lane of a pass: the lanes' counts are the figures now. */
static void nsw_rerep_pass_end(struct nsw_rerep *rr)
{
	unsigned int i, k;
	u64 n = 0;

	memset(rr->pass_per_peer, 0, sizeof(rr->pass_per_peer));
	for (i = 0; i < NSW_REREP_LANES; i++) {
		n += rr->lanes[i].degraded;
		for (k = 0; k < NSW_MAX_PEERS; k++)
			rr->pass_per_peer[k] += rr->lanes[i].per_peer[k];
	}
	nsw_rerep_publish(rr, n, rr->pass_per_peer);
}

static void nsw_rerep_lane_fn(struct work_struct *work)
{
	struct nsw_rerep_lane *lane = container_of(work, struct nsw_rerep_lane,
						   work);
	struct nsw_dev *dev = lane->dev;
	struct nsw_rerep *rr = &dev->rerep;
	u64 pgoff;

	lane->degraded = 0;
	memset(lane->per_peer, 0, sizeof(lane->per_peer));
	for (pgoff = lane->idx; pgoff < dev->map.nr;
	     pgoff += NSW_REREP_LANES) {
		if (READ_ONCE(rr->stopping))
			break;
		nsw_rerep_page(dev, lane, pgoff);
		cond_resched();
	}
	/* running counts the lanes and one more, that the last lane drops. */
	if (atomic_dec_return(&rr->running) > 1)
		return;
	if (READ_ONCE(rr->stopping)) {
		atomic_set_release(&rr->running, 0);
		return;
	}
	nsw_rerep_pass_end(rr);
	/* Count again after a pass that did work: the next pass is due. */
	if (nsw_rerep_done(rr) != rr->pass_start)
		atomic_set(&rr->kicked, 1);
	/* The figures are out: a tick may count and start a pass again. */
	atomic_set_release(&rr->running, 0);
	mod_delayed_work(nsw_wq, &rr->tick, NSW_REREP_TICK);
}

/*
 * Counts the degraded pages, in all and per peer holding a copy that is
 * to go (rr->per_peer). Returns the count.
 */
static u64 nsw_rerep_count(struct nsw_dev *dev)
{
	u64 *per_peer = dev->rerep.per_peer;
	struct nsw_page_plan p;
	u64 pgoff, n = 0;

	memset(per_peer, 0, sizeof(dev->rerep.per_peer));
	for (pgoff = 0; pgoff < dev->map.nr; pgoff++) {
		if (!(pgoff % 4096))
			cond_resched();
		if (nsw_rerep_plan(&dev->map, pgoff, &p))
			nsw_plan_count(&p, &n, per_peer);
	}
	return n;
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

/* FNV-1a's 64-bit prime: mixes a peer's fields into the signature. */
#define NSW_REREP_SIGN_PRIME	0x100000001b3ULL

/* What the tick learns of the peers in one walk. */
struct nsw_rerep_look {
	u64 sig;	/* of what makes their copies good or not */
	bool asked;	/* a store asks some of our pages back */
};

/* Folds what makes a copy good or not of @peer into the look @arg. */
static int nsw_rerep_sign(struct nsw_peer *peer, void *arg)
{
	struct nsw_rerep_look *look = arg;
	u64 ask = READ_ONCE(peer->give_back_pages);

	look->asked |= !!ask;
	look->sig = (look->sig ^ (atomic_read(&peer->session) |
				  (u64)READ_ONCE(peer->state) << 32 |
				  (u64)!!ask << 40 |
				  (u64)peer->idx << 48)) * NSW_REREP_SIGN_PRIME;
	return 0;
}

/*
 * Must the map be looked at? After a kick, or when a peer's state,
 * session or ask changed, or replicas did. While pages are degraded or a
 * store asks pages back, every tick if the last pass got anywhere, else
 * every NSW_REREP_STUCK_TICKS; in quiet times every NSW_REREP_QUIET_TICKS.
 * Not once a second over a large map that is fine, or that no peer can
 * help.
 */
static bool nsw_rerep_due(struct nsw_rerep *rr,
			  const struct nsw_rerep_look *look)
{
	u64 done = nsw_rerep_done(rr);
	bool progress;

	progress = done != rr->done;
	rr->done = done;
	rr->quiet++;
	if (atomic_xchg(&rr->kicked, 0) || look->sig != rr->sig) {
		rr->sig = look->sig;
		rr->quiet = 0;
		return true;
	}
	if (atomic64_read(&rr->degraded_pages) || look->asked)
		return progress || !(rr->quiet % NSW_REREP_STUCK_TICKS);
	return !(rr->quiet % NSW_REREP_QUIET_TICKS);
}

static void nsw_rerep_tick(struct work_struct *work)
{
	struct nsw_rerep *rr = container_of(to_delayed_work(work),
					    struct nsw_rerep, tick);
	struct nsw_dev *dev = container_of(rr, struct nsw_dev, rerep);
	struct nsw_rerep_look look = { .sig = nsw_replicas_now() };
	unsigned int i;
	u64 n;

	if (atomic_read_acquire(&rr->running) || READ_ONCE(rr->stopping))
		return;
	nsw_peer_for_each(nsw_rerep_sign, &look, 0);
	if (!nsw_rerep_due(rr, &look))
		goto again;
	n = atomic64_read(&dev->map.mapped) ? nsw_rerep_count(dev) : 0;
	nsw_rerep_publish(rr, n, rr->per_peer);
	nsw_peer_for_each(nsw_rerep_budget, rr, 0);
	if (n || look.asked) {
		rr->pass_start = nsw_rerep_done(rr);
		atomic_set(&rr->running, NSW_REREP_LANES + 1);
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

/* Before the disk is added: a write may kick as soon as it is. */
int nsw_rerep_init(struct nsw_dev *dev)
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
	return 0;
err:
	while (i--)
		__free_page(rr->lanes[i].page);
	destroy_workqueue(rr->wq);
	return -ENOMEM;
}

/* The disk is added: copies may be made. */
void nsw_rerep_start(struct nsw_dev *dev)
{
	queue_delayed_work(nsw_wq, &dev->rerep.tick, NSW_REREP_TICK);
}

/* Before the disk goes: no copy is being made after this. */
void nsw_rerep_stop(struct nsw_dev *dev)
{
	struct nsw_rerep *rr = &dev->rerep;

	WRITE_ONCE(rr->stopping, true);
	cancel_delayed_work_sync(&rr->tick);
	/* Lanes end at their next page; their requests end in time. */
	flush_workqueue(rr->wq);
	cancel_delayed_work_sync(&rr->tick);
}

/*
 * After the last reply handler left the device (synchronize_net()): a
 * kick that raced with nsw_rerep_stop() may have queued the tick again.
 * Also what undoes nsw_rerep_init().
 */
void nsw_rerep_destroy(struct nsw_dev *dev)
{
	struct nsw_rerep *rr = &dev->rerep;
	unsigned int i;

	cancel_delayed_work_sync(&rr->tick);
	destroy_workqueue(rr->wq);
	for (i = 0; i < NSW_REREP_LANES; i++)
		__free_page(rr->lanes[i].page);
}
