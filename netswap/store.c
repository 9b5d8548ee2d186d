// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Store
 *
 * Locking: nsw_store.lock (BH-safe: softirq answers LOADs) protects the
 * slot map, pages[] and owner[]. Only the work item allocates slots;
 * freeing also happens from netlink (peer deletion) and module exit.
 *
 * A client's STORE, LOAD and FREE are carried out only within a session,
 * which its RESET begins (protocol.rst, "Sessions"); every reply carries
 * this incarnation's epoch in its handle, so a client tells at once that
 * a store restarted and never reads another page by an old handle.
 *
 * Each client's requests pass its sequence window (seqwin.h) first, so a
 * retransmitted or duplicated request is answered as before without
 * being carried out twice, and a stale one is dropped; each request of a
 * batch (a LOAD's) passes on its own. LOADs are answered in softirq as
 * they arrive (a page-in waits for them, and they need no memory);
 * everything else goes through the work item. peer->seqwin_lock
 * makes each check and record of the window whole. A request is recorded
 * after it was carried out, but no other request can want its slot in
 * between: a client never has requests n and n + NSW_SEQ_WINDOW
 * unanswered at once.
 *
 * Audits (protocol.rst, "Audits"): kept[] marks each slot with the
 * audit_gen of its owner's audit that keeps it; a SWEEP frees the
 * owner's slots without the current mark. Only the worker marks and
 * sweeps, so no STORE of the client runs while it sweeps.
 *
 * Memory: pages come from alloc_page(GFP_NOIO | __GFP_NORETRY): a store
 * that cannot get memory answers NOMEM and the client retries later,
 * rather than this node reclaiming (and perhaps swapping) on a peer's
 * behalf. Requests waiting for the worker hold at most
 * NSW_STORE_RXQ_BYTES, none of it from the emergency reserves, and no
 * answer is built from the reserves either (transport.c).
 */
#include "netswap.h"

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/highmem.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "store.h"
#include "peer.h"
#include "slotmap.h"
#include "seqwin.h"
#include "reasm.h"
#include "transport.h"
#include "events.h"
#include "compat.h"
#include "uapi/netswap.h"

/*
 * Requests waiting for the worker, at most, in bytes of memory they hold
 * (skb->truesize): as much as the socket's receive buffer. Beyond it they
 * are dropped (and counted: NSW_RX_BACKLOG), and clients retransmit.
 */
#define NSW_STORE_RXQ_BYTES	(4 << 20)
/* Slots a scan of the slot map looks at per hold of the lock. */
#define NSW_STORE_SCAN		4096U
/* A shrinker's ask lapses this long after it was last raised. */
#define NSW_SHRINK_ASK_SECS	10
/* The shrinker asks below RAM >> this (1/8) even with a smaller reserve. */
#define NSW_SHRINK_SHORT_SHIFT	3

static struct {
	u16 epoch;			/* random, not 0; set at init */
	spinlock_t lock;		/* all below but rxq, rxq_bytes, work */
	struct nsw_slotmap sm;
	u32 limit;			/* pages lent at most now, <= sm.nr */
	bool full_posted;		/* NETSWAP_EVENT_STORE_FULL sent */
	bool draining;			/* every page asked back, none taken */
	bool pinned;			/* holds a module reference: pages held */
	/*
	 * Pages memory pressure on this node asks back (the shrinker), paid
	 * off by each page freed, forgotten NSW_SHRINK_ASK_SECS after
	 * shrink_stamp (jiffies) if the clients cannot meet it.
	 */
	u32 shrink_ask;
	unsigned long shrink_stamp;
	struct shrinker *shrinker;
	bool short_of_reserve;		/* see nsw_store_reserve_ask() */
	bool short_said;		/* and that was logged */
	struct page **pages;
	u16 *owner;			/* peer index per slot */
	u8 *kept;			/* per slot: audit_gen of the audit keeping it */
	struct sk_buff_head rxq;
	unsigned int rxq_bytes;		/* truesize queued: rxq.lock, or stopped */
	struct work_struct work;
} nsw_store;

/*
 * STORE answers not sent yet, all to one client: the worker answers the
 * STOREs it carries out in a row in one STORE_ACK (protocol.rst), sent
 * when the next request is another client's or not a STORE, when it is
 * full, and before the worker sleeps. Only the worker touches it.
 */
static struct {
	struct nsw_peer *peer;		/* referenced while n > 0 */
	unsigned int n;			/* answers; the first is in hdr */
	struct nsw_hdr hdr;
	u8 more[NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN];
} nsw_acks;

/* What only the worker touches: nsw_acks, audits, learning a client. */
static void nsw_store_assert_worker(void)
{
	lockdep_assert(current_work() == &nsw_store.work);
}

void nsw_store_usage(u64 *limit_pages, u64 *lent_pages)
{
	spin_lock_bh(&nsw_store.lock);
	*limit_pages = nsw_store.limit;
	*lent_pages = nsw_store.sm.nr_used;
	spin_unlock_bh(&nsw_store.lock);
}

/* The shrinker's ask, once it has lapsed: none. */
static u32 nsw_store_shrink_ask(void)
	__must_hold(&nsw_store.lock)
{
	lockdep_assert_held(&nsw_store.lock);
	if (nsw_store.shrink_ask &&
	    time_after(jiffies, nsw_store.shrink_stamp +
				NSW_SHRINK_ASK_SECS * HZ))
		nsw_store.shrink_ask = 0;
	return nsw_store.shrink_ask;
}

/*
 * This node's reserve (lend_reserve_pct of RAM), and its band, a quarter
 * more, in pages: below the band no new page is taken, and a node that
 * fell below the reserve asks pages back until it is at the band again,
 * so that pages do not come and go at the edge.
 */
struct nsw_reserve {
	long avail;		/* si_mem_available() */
	long reserve;
	long band;
};

static void nsw_store_reserve(struct nsw_reserve *r)
{
	r->avail = si_mem_available();
	r->reserve = totalram_pages() / 100 * READ_ONCE(nsw_lend_reserve_pct);
	r->band = r->reserve + r->reserve / 4;
}

/*
 * Takes no new pages: it drains, holds more than its limit, is below its
 * reserve's band (@r), or memory pressure asks pages back. Overwrites of
 * pages it holds are still taken.
 */
static bool nsw_store_closed(const struct nsw_reserve *r)
	__must_hold(&nsw_store.lock)
{
	lockdep_assert_held(&nsw_store.lock);
	return nsw_store.draining || nsw_store.sm.nr_used >= nsw_store.limit ||
	       nsw_store_shrink_ask() || r->avail < r->band;
}

/*
 * Pages this node wants back for its own processes (@r): from when it
 * falls below the reserve until it is at the band again. *@say becomes
 * 1 when a shortage with pages lent begins, -1 when the one said ends:
 * the caller logs it once the lock is dropped.
 */
static u64 nsw_store_reserve_ask(const struct nsw_reserve *r, int *say)
	__must_hold(&nsw_store.lock)
{
	lockdep_assert_held(&nsw_store.lock);
	*say = 0;
	if (r->avail < r->reserve)
		nsw_store.short_of_reserve = true;
	else if (r->avail >= r->band)
		nsw_store.short_of_reserve = false;
	if (nsw_store.short_of_reserve != nsw_store.short_said &&
	    (nsw_store.sm.nr_used || nsw_store.short_said)) {
		nsw_store.short_said = nsw_store.short_of_reserve;
		*say = nsw_store.short_said ? 1 : -1;
	}
	return nsw_store.short_of_reserve ? r->band - r->avail : 0;
}

static void nsw_store_say_short(const struct nsw_reserve *r, int say)
{
	if (say > 0)
		pr_info("memory is short here (%ld MiB available, reserve %ld MiB): asking clients for pages back\n",
			r->avail >> (20 - PAGE_SHIFT),
			r->reserve >> (20 - PAGE_SHIFT));
	else if (say < 0)
		pr_info("memory is no longer short here\n");
}

/*
 * How many of @peer's pages it is asked to take elsewhere now
 * (protocol.rst, "Liveness"): all while draining; else its share of what
 * the store holds beyond its limit and what this node needs back (its
 * reserve, or the shrinker), in proportion to what it holds, rounded up;
 * at least what it holds beyond its own lend limit.
 */
static u64 nsw_store_give_back(struct nsw_peer *peer,
			       const struct nsw_reserve *r)
{
	u64 held = peer ? atomic64_read(&peer->held_pages) : 0;
	u64 lend_limit = peer ? READ_ONCE(peer->lend_limit) : 0;
	u64 lent, excess, ask = 0;
	int say;

	spin_lock_bh(&nsw_store.lock);
	if (nsw_store.draining) {
		spin_unlock_bh(&nsw_store.lock);
		return NSW_GIVE_BACK_ALL;
	}
	lent = nsw_store.sm.nr_used;
	excess = lent > nsw_store.limit ? lent - nsw_store.limit : 0;
	excess += max_t(u64, nsw_store_shrink_ask(),
			nsw_store_reserve_ask(r, &say));
	excess = min(excess, lent);
	spin_unlock_bh(&nsw_store.lock);
	nsw_store_say_short(r, say);

	/* Both below 2^32: the product fits. */
	if (excess && held)
		ask = div64_u64(excess * min(held, lent) + lent - 1, lent);
	if (lend_limit && held > lend_limit)
		ask = max(ask, held - lend_limit);
	return min(ask, held);
}

/* The asks of a figures read: one reserve for all peers, and their sum. */
struct nsw_store_sum {
	struct nsw_reserve r;
	u64 pages;
};

static int nsw_store_sum_give_back(struct nsw_peer *peer, void *arg)
{
	struct nsw_store_sum *sum = arg;

	if (atomic64_read(&peer->held_pages))
		sum->pages += nsw_store_give_back(peer, &sum->r);
	return 0;
}

/* The store's figures, NSW_STORE_FIGURES: draining, give_back_pages. */
void nsw_store_asks(bool *draining, u64 *give_back_pages)
{
	*give_back_pages = 0;
	spin_lock_bh(&nsw_store.lock);
	*draining = nsw_store.draining;
	if (*draining)
		*give_back_pages = nsw_store.sm.nr_used;
	spin_unlock_bh(&nsw_store.lock);
	if (!*draining) {
		struct nsw_store_sum sum = { .pages = 0 };

		nsw_store_reserve(&sum.r);
		nsw_peer_for_each(nsw_store_sum_give_back, &sum, 0);
		*give_back_pages = sum.pages;
	}
}

/* Drain (ask every page back, take no new one) or stop draining. */
void nsw_store_set_draining(bool on)
{
	bool was;

	spin_lock_bh(&nsw_store.lock);
	was = nsw_store.draining;
	nsw_store.draining = on;
	spin_unlock_bh(&nsw_store.lock);
	if (on && !was)
		pr_info("draining: taking no new pages, asking every client for its pages back\n");
	else if (!on && was)
		pr_info("drain cancelled: taking new pages again\n");
}

/*
 * The store keeps a module reference while it holds any page: unloading
 * would drop them without their owners knowing. Returns true when it
 * took or dropped one (the caller says so, outside the lock).
 */
static bool nsw_store_pin(void)
	__must_hold(&nsw_store.lock)
{
	bool want = nsw_store.sm.nr_used;

	lockdep_assert_held(&nsw_store.lock);
	if (want == nsw_store.pinned)
		return false;
	nsw_store.pinned = want;
	if (want)
		__module_get(THIS_MODULE);
	else
		module_put(THIS_MODULE);
	return true;
}

/*
 * Before a first page is taken: the reference, taken now, or false if
 * the module is being unloaded (rmmod passed its check, and the exit
 * would drop the page). *@pinned tells that it was taken now.
 */
static bool nsw_store_pin_first(bool *pinned)
	__must_hold(&nsw_store.lock)
{
	lockdep_assert_held(&nsw_store.lock);
	if (nsw_store.pinned)
		return true;
	if (!try_module_get(THIS_MODULE))
		return false;
	nsw_store.pinned = true;
	*pinned = true;
	return true;
}

static void nsw_store_pin_log(bool pinned)
{
	if (pinned)
		pr_info_ratelimited("holding pages for peers: unloading refused until they are moved (netswapctl drain)\n");
	else
		pr_info_ratelimited("holding no pages for peers: may be unloaded\n");
}

/*
 * Lend at most @pages from now on. The slot map was sized at load time
 * (lend_mb), so that is the ceiling. Pages already above the new limit
 * stay until their owners free them; *@used says how many there are.
 */
int nsw_store_set_limit(u64 pages, u64 *used, struct netlink_ext_ack *extack)
{
	if (pages > nsw_store.sm.nr) {
		NL_SET_ERR_MSG(extack,
			       "lend limit above what the module was loaded with (lend_mb)");
		return -ERANGE;
	}
	spin_lock_bh(&nsw_store.lock);
	nsw_store.limit = pages;
	*used = nsw_store.sm.nr_used;
	spin_unlock_bh(&nsw_store.lock);
	return 0;
}

static void nsw_store_reply(struct nsw_peer *peer, const struct nsw_msg *m,
			    u8 status, u64 handle, struct page *page)
{
	struct kvec vec = { .iov_len = NSW_HDR_LEN };
	struct nsw_hdr hdr;
	int err;

	nsw_hdr_encode(&hdr, m->type + 1, status, m->req_id,
		       nsw_handle_make(nsw_store.epoch, handle), 0);
	vec.iov_base = &hdr;
	/* For another node: never from this one's emergency reserves. */
	if (page)
		err = nsw_peer_send_page(peer, &hdr, page, GFP_ATOMIC);
	else
		err = nsw_peer_send(peer, &vec, 1);
	/* A lost reply is recovered by the client's retransmission. */
	if (err)
		pr_debug("reply to %pISpc failed: %d\n", &peer->shown, err);
}

static void nsw_store_acks_flush(void)
{
	nsw_store_assert_worker();
	if (!nsw_acks.n)
		return;
	/* A lost answer is recovered by the client's retransmission. */
	nsw_peer_send_batch(nsw_acks.peer, &nsw_acks.hdr, nsw_acks.more,
			    nsw_acks.n);
	nsw_peer_put(nsw_acks.peer);
	nsw_acks.peer = NULL;
	nsw_acks.n = 0;
}

/* Answers STORE @req_id, with the next ones to @peer. */
static void nsw_store_ack(struct nsw_peer *peer, u64 req_id, u8 status,
			  u64 handle)
{
	nsw_store_assert_worker();
	if (nsw_acks.n && nsw_acks.peer != peer)
		nsw_store_acks_flush();
	if (!nsw_acks.n) {
		kref_get(&peer->ref);
		nsw_acks.peer = peer;
	}
	nsw_batch_add(&nsw_acks.hdr, nsw_acks.more, nsw_acks.n++,
		      NSW_MSG_STORE_ACK, status, req_id,
		      nsw_handle_make(nsw_store.epoch, handle));
	if (nsw_acks.n == 1 + NSW_BATCH_MAX)
		nsw_store_acks_flush();
}

/*
 * Is @handle a page of @peer's? Pages name their owner by table index
 * alone: that is only sound while the index cannot pass to another peer
 * (peer.h), which @peer's slot shows.
 */
static struct page *nsw_store_find(struct nsw_peer *peer, u64 handle)
	__must_hold(&nsw_store.lock)
{
	u32 idx;

	lockdep_assert_held(&nsw_store.lock);
	if (nsw_slotmap_lookup(&nsw_store.sm, handle, &idx) ||
	    nsw_store.owner[idx] != peer->idx)
		return NULL;
	if (WARN_ON_ONCE(!nsw_peer_in_table(peer)))
		return NULL;
	return nsw_store.pages[idx];
}

/* Returns the page to free. */
static struct page *nsw_store_release(struct nsw_peer *peer, u64 handle)
	__must_hold(&nsw_store.lock)
{
	u32 idx = NSW_HANDLE_IDX(handle);
	struct page *page;

	lockdep_assert_held(&nsw_store.lock);
	page = nsw_store.pages[idx];
	nsw_slotmap_free(&nsw_store.sm, handle);
	nsw_store.pages[idx] = NULL;
	atomic64_dec(&peer->held_pages);
	if (nsw_store.shrink_ask)
		nsw_store.shrink_ask--;
	return page;
}

/*
 * Adds a STORE's chunk to the page being reassembled for it. Returns the
 * page once complete (the caller owns it then), NULL while chunks are
 * missing, or an ERR_PTR(-ENOMEM).
 */
static struct page *nsw_store_chunk(struct nsw_peer *peer,
				    struct sk_buff *skb,
				    const struct nsw_msg *m)
{
	struct nsw_reasm_slot *slot;
	void *evicted, *dst;
	struct page *page;

	slot = nsw_reasm_get(peer->reasm, m->req_id, &evicted);
	if (evicted)
		__free_page(evicted);
	if (!slot)
		return NULL;	/* older than the request in its slot */
	if (!slot->buf) {
		page = alloc_page(GFP_NOIO | __GFP_NOWARN | __GFP_NORETRY);
		if (!page)
			return ERR_PTR(-ENOMEM);
		slot->buf = page;
	}
	page = slot->buf;
	dst = kmap_local_page(page);
	/* The header check guaranteed whole chunks within the page. */
	WARN_ON_ONCE(nsw_skb_copy_chunks(skb, m, dst, nsw_msg_chunks(m)));
	kunmap_local(dst);
	if (!nsw_reasm_add(slot, nsw_msg_chunks(m)))
		return NULL;
	return nsw_reasm_take(slot);
}

/* Slot @idx of @peer's was stored by STORE @req_id. */
static void nsw_store_audit_stored(struct nsw_peer *peer, u32 idx, u64 req_id)
	__must_hold(&nsw_store.lock)
{
	lockdep_assert_held(&nsw_store.lock);
	nsw_store_assert_worker();
	if (peer->audit_id && req_id >= peer->audit_floor)
		nsw_store.kept[idx] = peer->audit_gen;
}

/*
 * Keeps the complete page @fresh for the client. Returns the status of
 * the reply; *@handle is where the page is now.
 */
static u8 nsw_store_page(struct nsw_peer *peer, struct page *fresh,
			 const struct nsw_msg *m, u64 *handle)
{
	u64 lend_limit = READ_ONCE(peer->lend_limit);
	struct page *old = NULL;
	struct nsw_reserve r;
	int err, event = -1;
	bool pinned = false;
	u32 idx;

	nsw_store_assert_worker();	/* the only one allocating slots */
	nsw_store_reserve(&r);
	spin_lock_bh(&nsw_store.lock);
	/* Overwrite in place: the client already has a page here. */
	if (m->handle && nsw_store_find(peer, m->handle)) {
		idx = NSW_HANDLE_IDX(m->handle);
		old = nsw_store.pages[idx];
		nsw_store.pages[idx] = fresh;
		nsw_store_audit_stored(peer, idx, m->req_id);
		*handle = m->handle;
		err = 0;
	} else if (nsw_store_closed(&r)) {
		err = -ENOSPC;
		if (!nsw_store.draining && !nsw_store.full_posted) {
			nsw_store.full_posted = true;
			event = NETSWAP_EVENT_STORE_FULL;
		}
	} else if (lend_limit && atomic64_read(&peer->held_pages) >= lend_limit) {
		err = -ENOSPC;
		if (!test_and_set_bit(NSW_PEER_EV_LEND_LIMIT, &peer->ev_bits))
			event = NETSWAP_EVENT_LEND_LIMIT;
	} else if (!nsw_store_pin_first(&pinned)) {
		err = -ENOSPC;
	} else {
		err = nsw_slotmap_alloc(&nsw_store.sm, handle);
		if (!err) {
			idx = NSW_HANDLE_IDX(*handle);
			nsw_store.pages[idx] = fresh;
			nsw_store.owner[idx] = peer->idx;
			nsw_store.kept[idx] = 0;
			nsw_store_audit_stored(peer, idx, m->req_id);
			atomic64_inc(&peer->held_pages);
			/* Room again: the next refusal is news. */
			nsw_store.full_posted = false;
			clear_bit(NSW_PEER_EV_LEND_LIMIT, &peer->ev_bits);
		} else if (pinned) {
			pinned = false;
			nsw_store_pin();	/* holds none after all */
		}
	}
	spin_unlock_bh(&nsw_store.lock);

	if (pinned)
		nsw_store_pin_log(true);
	if (old)
		put_page(old);	/* a LOAD may still be sending it */
	if (event >= 0)
		nsw_event_post(event, event == NETSWAP_EVENT_STORE_FULL ?
				      NULL : peer);
	if (err) {
		__free_page(fresh);
		atomic64_inc(&peer->rx_full_pages);
		*handle = 0;
		return NSW_ST_FULL;
	}
	atomic64_inc(&peer->rx_store_pages);
	return NSW_ST_OK;
}

static void nsw_store_load(struct nsw_peer *peer, const struct nsw_msg *m)
{
	struct page *page;

	spin_lock_bh(&nsw_store.lock);
	page = nsw_store_find(peer, m->handle);
	if (page)
		get_page(page);
	spin_unlock_bh(&nsw_store.lock);

	if (!page) {
		nsw_store_reply(peer, m, NSW_ST_NOENT, 0, NULL);
		return;
	}
	atomic64_inc(&peer->rx_load_pages);
	nsw_store_reply(peer, m, NSW_ST_OK, m->handle, page);
	put_page(page);
}

static u8 nsw_store_free(struct nsw_peer *peer, struct sk_buff *skb,
			 const struct nsw_msg *m)
{
	unsigned int i, n = m->len / sizeof(__be64);
	bool unpinned = false;
	const void *handles;
	struct page *page;
	u64 handle;

	/* FREE is small enough to be linear: at most 1328 bytes. */
	if (skb_linearize(skb))
		return NSW_ST_NOMEM;
	handles = skb->data + NSW_HDR_LEN;

	for (i = 0; i < n; i++) {
		handle = nsw_free_handle_at(handles, i);
		spin_lock_bh(&nsw_store.lock);
		page = nsw_store_find(peer, handle);
		if (page)
			page = nsw_store_release(peer, handle);
		if (nsw_store_pin())
			unpinned = true;
		spin_unlock_bh(&nsw_store.lock);
		if (page) {
			__free_page(page);
			atomic64_inc(&peer->rx_free_pages);
		}
	}
	if (unpinned)
		nsw_store_pin_log(false);
	/* Unknown handles: freed already, or never ours; nothing to do. */
	return NSW_ST_OK;
}

/*
 * Frees every page @peer has here but those its current audit keeps
 * (marked @keep; 0: none is kept), and returns how many. Runs from the
 * worker (RESET, SWEEP), netlink (peer deletion) and module exit, so it
 * takes the lock per batch of slots and frees the pages outside it.
 */
static u64 nsw_store_drop_pages(struct nsw_peer *peer, u8 keep)
{
	struct page *batch[64];
	unsigned int n, i;
	bool unpinned = false;
	u32 idx = 0, end;
	u64 freed = 0;

	while (idx < nsw_store.sm.nr) {
		n = 0;
		/* BH stays off for a bounded scan, however large lend_mb. */
		end = min(nsw_store.sm.nr - idx, NSW_STORE_SCAN) + idx;
		spin_lock_bh(&nsw_store.lock);
		for (; idx < end && n < ARRAY_SIZE(batch); idx++) {
			u64 handle = nsw_slotmap_handle(&nsw_store.sm, idx);

			if (nsw_store.owner[idx] != peer->idx ||
			    (keep && nsw_store.kept[idx] == keep) ||
			    !nsw_store_find(peer, handle))
				continue;
			batch[n++] = nsw_store_release(peer, handle);
		}
		if (nsw_store_pin())
			unpinned = true;
		spin_unlock_bh(&nsw_store.lock);
		for (i = 0; i < n; i++)
			__free_page(batch[i]);
		freed += n;
		cond_resched();
	}
	if (unpinned)
		nsw_store_pin_log(false);
	return freed;
}

/* Clears the marks of @peer's slots, a bounded run at a time. */
static void nsw_store_unmark(struct nsw_peer *peer)
{
	u32 idx = 0, end;

	nsw_store_assert_worker();
	while (idx < nsw_store.sm.nr) {
		end = min(nsw_store.sm.nr - idx, NSW_STORE_SCAN) + idx;
		spin_lock_bh(&nsw_store.lock);
		for (; idx < end; idx++)
			if (nsw_store.owner[idx] == peer->idx)
				nsw_store.kept[idx] = 0;
		spin_unlock_bh(&nsw_store.lock);
		cond_resched();
	}
}

/* Marks @peer's page @handle kept by the current audit. */
static void nsw_store_keep_one(struct nsw_peer *peer, u64 handle)
{
	nsw_store_assert_worker();
	spin_lock_bh(&nsw_store.lock);
	if (nsw_store_find(peer, handle))
		nsw_store.kept[NSW_HANDLE_IDX(handle)] = peer->audit_gen;
	spin_unlock_bh(&nsw_store.lock);
}

/*
 * An AUDIT: begins the audit, keeping the pages of the STOREs at or above
 * its floor that the window records.
 */
static u8 nsw_store_audit(struct nsw_peer *peer, struct sk_buff *skb,
			  const struct nsw_msg *m)
{
	struct nsw_seqwin_slot rec;
	unsigned int i;
	u64 floor;

	nsw_store_assert_worker();
	if (!m->handle)
		return NSW_ST_INVAL;
	if (skb_linearize(skb))
		return NSW_ST_NOMEM;
	floor = nsw_audit_floor(skb->data + NSW_HDR_LEN);
	/* A mark left by an audit 255 audits ago must not pass for this. */
	if (!++peer->audit_gen) {
		peer->audit_gen = 1;
		nsw_store_unmark(peer);
	}
	peer->audit_id = m->handle;
	peer->audit_floor = floor;
	peer->audit_stale = max(peer->audit_stale, floor);
	for (i = 0; i < NSW_SEQ_WINDOW; i++) {
		spin_lock_bh(&peer->seqwin_lock);
		rec = peer->seqwin->slot[i];
		spin_unlock_bh(&peer->seqwin_lock);
		if (rec.type == NSW_MSG_STORE && rec.status == NSW_ST_OK &&
		    rec.seq >= floor)
			nsw_store_keep_one(peer, rec.handle);
	}
	return NSW_ST_OK;
}

/* A KEEP of the current audit's marks its handles kept. */
static u8 nsw_store_keep(struct nsw_peer *peer, struct sk_buff *skb,
			 const struct nsw_msg *m)
{
	unsigned int i, n = m->len / sizeof(__be64);

	nsw_store_assert_worker();
	if (!peer->audit_id || m->handle != peer->audit_id)
		return NSW_ST_NOENT;
	if (skb_linearize(skb))
		return NSW_ST_NOMEM;
	for (i = 0; i < n; i++)
		nsw_store_keep_one(peer, nsw_free_handle_at(skb->data +
							    NSW_HDR_LEN, i));
	return NSW_ST_OK;
}

/* A SWEEP ends the audit; *@freed: the pages it freed. */
static u8 nsw_store_sweep(struct nsw_peer *peer, const struct nsw_msg *m,
			  u64 *freed)
{
	nsw_store_assert_worker();
	if (!peer->audit_id || m->handle != peer->audit_id)
		return NSW_ST_NOENT;
	*freed = nsw_store_drop_pages(peer, peer->audit_gen);
	peer->audit_id = 0;
	if (*freed)
		pr_info("audit of %pISpc: freed %llu pages it no longer had\n",
			&peer->shown, *freed);
	return NSW_ST_OK;
}

/*
 * Frees the partial pages of @peer's STOREs. Only the worker touches
 * them, or someone who knows the worker is done with @peer.
 */
static void nsw_store_drop_partial(struct nsw_peer *peer)
{
	unsigned int i;
	void *page;

	for (i = 0; peer->reasm && i < NSW_REASM_SLOTS; i++) {
		page = nsw_reasm_take(&peer->reasm[i]);
		if (page)
			__free_page(page);
	}
}

/* The worker, on a RESET that begins a session, or a peer going away. */
static void nsw_store_reset(struct nsw_peer *peer)
{
	u64 held = atomic64_read(&peer->held_pages);

	nsw_store_drop_partial(peer);
	nsw_store_drop_pages(peer, 0);
	if (held)
		pr_info("dropped %llu pages stored for %pISpc\n", held,
			&peer->shown);
}

/*
 * @peer is dying (netlink deletion, module exit) and no lookup finds it:
 * once the worker is done with what it already took, nothing touches
 * @peer's store state but us, and its index stays reserved until we are
 * done. At module exit the worker is stopped already.
 */
void nsw_store_drop_peer(struct nsw_peer *peer)
{
	flush_work(&nsw_store.work);
	nsw_store_reset(peer);
}

/*
 * Replies to @peer leave from the address it sent @skb to, or a store
 * with several would answer from one the client does not know.
 */
static void nsw_store_set_local(struct nsw_peer *peer,
				const struct sk_buff *skb)
{
	struct in6_addr to;

	nsw_store_assert_worker();
	nsw_skb_dest(skb, &to);
	if (!ipv6_addr_equal(&peer->local, &to))
		peer->local = to;
}

/* Finds or learns the peer @skb came from; returns a reference. */
static struct nsw_peer *nsw_store_peer(const struct sockaddr_in6 *from,
				       const struct sk_buff *skb)
{
	struct nsw_reasm_slot *reasm;
	struct nsw_seqwin *win;
	struct nsw_peer *peer;

	nsw_store_assert_worker();
	rcu_read_lock();
	peer = nsw_peer_get_rcu(nsw_peer_lookup_rcu(from));
	rcu_read_unlock();
	if (!peer || !(peer->flags & NETSWAP_PEER_F_LEARNED)) {
		nsw_peer_put(peer);
		peer = nsw_peer_add(from, NETSWAP_PEER_F_LEARNED, GFP_NOIO,
				    NULL);
		if (IS_ERR(peer))
			return NULL;
	}
	/* Before the window: softirq answers LOADs once it is there. */
	nsw_store_set_local(peer, skb);
	/* Only this worker sets these; they are freed with the peer. */
	if (!peer->seqwin) {
		win = kvzalloc(sizeof(*win), GFP_NOIO | __GFP_NOWARN);
		reasm = kvcalloc(NSW_REASM_SLOTS, sizeof(*reasm),
				 GFP_NOIO | __GFP_NOWARN);
		if (!win || !reasm) {
			kvfree(win);
			kvfree(reasm);
			nsw_peer_put(peer);
			return NULL;
		}
		peer->reasm = reasm;
		/* Initialised before softirq may see it (nsw_store_load_now). */
		smp_store_release(&peer->seqwin, win);
		pr_info("storing pages for %pISpc\n", &peer->shown);
	}
	return peer;
}

/*
 * Pages @peer (NULL: one unknown here) may store here now: what the lend
 * limit and the reserve (@r) leave, and what its own limit does. A PONG
 * says so (protocol.rst).
 */
static u64 nsw_store_room(struct nsw_peer *peer, const struct nsw_reserve *r)
{
	u64 room, lend_limit = 0, held = 0;

	if (peer) {
		lend_limit = READ_ONCE(peer->lend_limit);
		held = atomic64_read(&peer->held_pages);
	}
	spin_lock_bh(&nsw_store.lock);
	room = nsw_store_closed(r) ? 0 : nsw_store.limit - nsw_store.sm.nr_used;
	spin_unlock_bh(&nsw_store.lock);
	if (lend_limit)
		room = min(room, held < lend_limit ? lend_limit - held : 0);
	return min_t(u64, room, NSW_PONG_ROOM_MAX);
}

/*
 * Echoes the PING's req_id, from the address it came to, with the room
 * and the pages the store asks back (protocol.rst, "Liveness"); a
 * draining store asks anyone for all.
 */
static void nsw_store_pong(struct sk_buff *skb,
			   const struct sockaddr_in6 *from,
			   const struct nsw_msg *m)
{
	struct nsw_hdr hdr;
	__be64 give_back;
	struct kvec vec[2] = {
		{ .iov_base = &hdr, .iov_len = NSW_HDR_LEN },
		{ .iov_base = &give_back, .iov_len = NSW_PONG_LEN },
	};
	struct nsw_reserve r;
	struct nsw_peer *peer;
	struct in6_addr to;
	u64 room;

	nsw_store_reserve(&r);
	rcu_read_lock();
	peer = nsw_peer_lookup_rcu(from);
	give_back = cpu_to_be64(nsw_store_give_back(peer, &r));
	room = nsw_store_room(peer, &r);
	rcu_read_unlock();

	nsw_skb_dest(skb, &to);
	nsw_hdr_encode(&hdr, NSW_MSG_PONG, NSW_ST_OK, m->req_id,
		       nsw_handle_make(nsw_store.epoch, room), NSW_PONG_LEN);
	nsw_send(from, &to, NULL, vec, ARRAY_SIZE(vec), NULL, GFP_ATOMIC);
}

static void nsw_store_record(struct nsw_peer *peer,
			     struct nsw_seqwin_slot *slot,
			     const struct nsw_msg *m, u8 status, u64 handle)
{
	spin_lock_bh(&peer->seqwin_lock);
	nsw_seqwin_record(slot, m->req_id, m->type, status, handle);
	spin_unlock_bh(&peer->seqwin_lock);
}

static bool nsw_store_nonce_known(struct nsw_peer *peer, u64 nonce)
	__must_hold(&peer->seqwin_lock)
{
	unsigned int i;

	lockdep_assert_held(&peer->seqwin_lock);
	for (i = 0; i < NSW_RESET_NONCES; i++)
		if (peer->reset_nonce[i] == nonce)
			return true;
	return false;
}

/*
 * A RESET: a copy of one of the client's last RESETs is answered again;
 * any other drops everything the client has here and begins a session,
 * whose base the reply carries (protocol.rst).
 */
static void nsw_store_session(struct nsw_peer *peer, const struct nsw_msg *m)
{
	bool known;
	u64 base;

	nsw_store_assert_worker();
	if (!m->handle) {
		nsw_store_reply(peer, m, NSW_ST_INVAL, 0, NULL);
		return;
	}
	spin_lock_bh(&peer->seqwin_lock);
	known = nsw_store_nonce_known(peer, m->handle);
	base = peer->seqwin->base;
	spin_unlock_bh(&peer->seqwin_lock);
	if (!known) {
		nsw_store_reset(peer);
		spin_lock_bh(&peer->seqwin_lock);
		base = nsw_seqwin_restart(peer->seqwin, m->req_id);
		memmove(&peer->reset_nonce[1], &peer->reset_nonce[0],
			sizeof(peer->reset_nonce) - sizeof(peer->reset_nonce[0]));
		peer->reset_nonce[0] = m->handle;
		peer->store_session = true;
		spin_unlock_bh(&peer->seqwin_lock);
		peer->audit_id = 0;
		peer->audit_stale = 0;
	}
	/* A client cannot send 2^48 requests: its numbers start at 1. */
	if (base > NSW_HANDLE_SLOT_MASK) {
		nsw_store_reply(peer, m, NSW_ST_INVAL, 0, NULL);
		return;
	}
	nsw_store_reply(peer, m, NSW_ST_OK, base, NULL);
}

/* No session: say so, and carry out nothing (protocol.rst, "Sessions"). */
static void nsw_store_nosession(struct nsw_peer *peer,
				const struct nsw_msg *m)
{
	if (m->type == NSW_MSG_STORE)
		nsw_store_ack(peer, m->req_id, NSW_ST_NOSESSION, 0);
	else
		nsw_store_reply(peer, m, NSW_ST_NOSESSION, 0, NULL);
}

/* One request of @peer's, alone or from a batch. */
static void nsw_store_request(struct nsw_peer *peer, struct sk_buff *skb,
			      const struct nsw_msg *m)
{
	enum nsw_seq_verdict verdict;
	struct nsw_seqwin_slot *slot;
	struct page *page;
	bool session;
	u64 handle;
	u8 status;

	nsw_store_assert_worker();
	if (m->type == NSW_MSG_RESET) {
		nsw_store_session(peer, m);
		return;
	}
	spin_lock_bh(&peer->seqwin_lock);
	session = peer->store_session;
	verdict = nsw_seqwin_check(peer->seqwin, m->req_id, m->type, &slot);
	status = slot->status;
	handle = slot->handle;
	spin_unlock_bh(&peer->seqwin_lock);
	if (!session) {
		nsw_store_nosession(peer, m);
		return;
	}
	switch (verdict) {
	case NSW_SEQ_STALE:
		atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		return;
	case NSW_SEQ_DUP:
		/* Reading a page twice is harmless, and cheaper to redo. */
		if (m->type == NSW_MSG_LOAD)
			break;
		if (m->type == NSW_MSG_STORE)
			nsw_store_ack(peer, m->req_id, status, handle);
		else
			nsw_store_reply(peer, m, status, handle, NULL);
		return;
	case NSW_SEQ_NEW:
		/* The client gave up on it before its last audit. */
		if (m->type == NSW_MSG_STORE && m->req_id < peer->audit_stale) {
			atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
			return;
		}
		handle = 0;
		break;
	}

	switch (m->type) {
	case NSW_MSG_STORE:
		page = nsw_store_chunk(peer, skb, m);
		if (!page)
			return;		/* chunks missing still */
		if (IS_ERR(page))
			status = NSW_ST_NOMEM;
		else
			status = nsw_store_page(peer, page, m, &handle);
		break;
	case NSW_MSG_LOAD:
		nsw_store_load(peer, m);
		nsw_store_record(peer, slot, m, NSW_ST_OK, 0);
		return;
	case NSW_MSG_FREE:
		status = nsw_store_free(peer, skb, m);
		break;
	case NSW_MSG_AUDIT:
		status = nsw_store_audit(peer, skb, m);
		break;
	case NSW_MSG_KEEP:
		status = nsw_store_keep(peer, skb, m);
		break;
	case NSW_MSG_SWEEP:
		status = nsw_store_sweep(peer, m, &handle);
		break;
	default:
		return;		/* a reply type: never queued here */
	}
	/* Without memory nothing happened: let the retransmission retry. */
	if (status != NSW_ST_NOMEM)
		nsw_store_record(peer, slot, m, status, handle);
	if (m->type == NSW_MSG_STORE)
		nsw_store_ack(peer, m->req_id, status, handle);
	else
		nsw_store_reply(peer, m, status, handle, NULL);
}

static void nsw_store_handle(struct sk_buff *skb)
{
	const struct sockaddr_in6 *from = (void *)skb->cb;
	struct nsw_peer *peer;
	struct nsw_msg m, one;
	unsigned int i;

	/* Validated in softirq (a batch's entries too); decode again. */
	if (nsw_hdr_decode(skb->data, skb->len, &m))
		return;
	/* Anyone may ask whether we are alive; that makes no one a client. */
	if (m.type == NSW_MSG_PING) {
		nsw_store_pong(skb, from, &m);
		return;
	}
	/* STORE answers first: a RESET must not overtake them. */
	if (m.type != NSW_MSG_STORE)
		nsw_store_acks_flush();
	peer = nsw_store_peer(from, skb);
	if (!peer)
		return;		/* no memory: the client retransmits */
	atomic64_add(skb->len, &peer->rx_bytes);
	if (!nsw_msg_batched(m.type)) {
		nsw_store_request(peer, skb, &m);
	} else {
		for (i = 0; i < nsw_batch_len(&m); i++) {
			nsw_batch_at(&m, skb->data + NSW_HDR_LEN, i, &one);
			nsw_store_request(peer, skb, &one);
		}
	}
	nsw_peer_put(peer);
}

static struct sk_buff *nsw_store_dequeue(void)
{
	struct sk_buff *skb;

	spin_lock_bh(&nsw_store.rxq.lock);
	skb = __skb_dequeue(&nsw_store.rxq);
	if (skb)
		nsw_store.rxq_bytes -= skb->truesize;
	spin_unlock_bh(&nsw_store.rxq.lock);
	return skb;
}

static void nsw_store_work(struct work_struct *work)
{
	struct sk_buff *skb;

	while ((skb = nsw_store_dequeue())) {
		nsw_store_handle(skb);
		kfree_skb(skb);
		cond_resched();
	}
	nsw_store_acks_flush();
}

/*
 * Answers a LOAD from a client we know at once: a page-in waits for it,
 * and waking the worker would add a context switch to every one. Returns
 * false if the worker has to see it (a client's first request).
 */
static bool nsw_store_load_now(struct sk_buff *skb,
			       const struct sockaddr_in6 *from,
			       const struct nsw_msg *m)
{
	enum nsw_seq_verdict verdict;
	struct nsw_seqwin_slot *slot;
	struct nsw_seqwin *win;
	bool session;
	struct nsw_peer *peer;
	struct nsw_msg one;
	unsigned int i;

	lockdep_assert_in_softirq();
	/* Softirq is an RCU reader: the peer outlives this call. */
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "LOAD answered outside RCU");
	peer = nsw_peer_lookup_rcu(from);
	if (!peer)
		return false;
	/*
	 * Only a client the worker has learned has a window. Pairs with
	 * nsw_store_peer(): the window is initialised.
	 */
	win = smp_load_acquire(&peer->seqwin);
	if (!win)
		return false;
	/* Without a session the worker answers NOSESSION. */
	spin_lock(&peer->seqwin_lock);
	session = peer->store_session;
	spin_unlock(&peer->seqwin_lock);
	if (!session)
		return false;
	atomic64_add(skb->len, &peer->rx_bytes);
	for (i = 0; i < nsw_batch_len(m); i++) {
		nsw_batch_at(m, skb->data + NSW_HDR_LEN, i, &one);
		spin_lock(&peer->seqwin_lock);
		verdict = nsw_seqwin_check(win, one.req_id, one.type, &slot);
		if (verdict == NSW_SEQ_NEW)
			nsw_seqwin_record(slot, one.req_id, one.type,
					  NSW_ST_OK, 0);
		spin_unlock(&peer->seqwin_lock);
		if (verdict == NSW_SEQ_STALE)
			atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		else	/* new, or a duplicate: reading twice is harmless */
			nsw_store_load(peer, &one);
	}
	return true;
}

/*
 * Queues @skb for the worker, if there is room. One in memory from the
 * emergency reserves (this node may be a client short of memory) never
 * waits here: the reserves are not for other nodes' pages.
 */
static bool nsw_store_queue(struct sk_buff *skb)
{
	bool queued = false;

	lockdep_assert_in_softirq();
	if (skb_pfmemalloc(skb))
		return false;
	/* The route is of no use to the worker; the device may go meanwhile. */
	skb_dst_drop(skb);
	spin_lock(&nsw_store.rxq.lock);
	if (nsw_store.rxq_bytes + skb->truesize <= NSW_STORE_RXQ_BYTES) {
		nsw_store.rxq_bytes += skb->truesize;
		__skb_queue_tail(&nsw_store.rxq, skb);
		queued = true;
	}
	spin_unlock(&nsw_store.rxq.lock);
	return queued;
}

/*
 * Memory pressure on this node: the lent pages are what it could get
 * back, but only their owners can free them (after moving them), so the
 * shrinker frees nothing itself. It asks the clients for what reclaim
 * wants, through the PONGs (nsw_store_give_back()), and takes no new
 * pages meanwhile.
 */
static unsigned long nsw_store_count(struct shrinker *s,
				     struct shrink_control *sc)
{
	unsigned long n;

	spin_lock_bh(&nsw_store.lock);
	n = nsw_store.sm.nr_used - min(nsw_store.sm.nr_used,
				       nsw_store_shrink_ask());
	if (nsw_store.draining)
		n = 0;
	spin_unlock_bh(&nsw_store.lock);
	return n ?: SHRINK_EMPTY;
}

static unsigned long nsw_store_scan(struct shrinker *s,
				    struct shrink_control *sc)
{
	struct nsw_reserve r;
	u32 old, ask;

	/*
	 * Reclaim calls on every shrinker, page cache churn too: ask only
	 * when this node is really short (below its reserve, and an eighth
	 * of RAM with a smaller one), and free nothing (0, not SHRINK_STOP,
	 * so reclaim does not pile up what it deferred).
	 */
	nsw_store_reserve(&r);
	if (r.avail > max_t(long, r.reserve,
			    totalram_pages() >> NSW_SHRINK_SHORT_SHIFT))
		return 0;
	spin_lock_bh(&nsw_store.lock);
	old = nsw_store_shrink_ask();
	ask = min_t(u64, (u64)old + sc->nr_to_scan, nsw_store.sm.nr_used);
	nsw_store.shrink_ask = ask;
	nsw_store.shrink_stamp = jiffies;
	spin_unlock_bh(&nsw_store.lock);
	if (!old && ask)
		pr_info_ratelimited("reclaim here: asking clients for %u pages back\n",
				    ask);
	return 0;
}

/* From the transport. Consumes @skb. */
void nsw_store_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		  const struct nsw_msg *m)
{
	BUILD_BUG_ON(sizeof(*from) > sizeof(skb->cb));
	lockdep_assert_in_softirq();

	if (m->type == NSW_MSG_LOAD) {
		/* At most 1344 bytes of further LOADs: read in place. */
		if (!pskb_may_pull(skb, NSW_HDR_LEN + m->len) ||
		    !nsw_batch_ok(m->type, skb->data + NSW_HDR_LEN, m->len)) {
			atomic64_inc(&nsw_rx_dropped[NSW_WERR_LEN]);
			kfree_skb(skb);
			return;
		}
		if (nsw_store_load_now(skb, from, m)) {
			kfree_skb(skb);
			return;
		}
	}

	memcpy(skb->cb, from, sizeof(*from));
	if (!nsw_store_queue(skb)) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_BACKLOG]);
		kfree_skb(skb);
		return;
	}
	queue_work(nsw_wq, &nsw_store.work);
}

int nsw_store_init(unsigned long quota_pages)
{
	u32 nr = min_t(unsigned long, quota_pages, U32_MAX);
	u64 *used;
	u16 *gen;

	spin_lock_init(&nsw_store.lock);
	skb_queue_head_init(&nsw_store.rxq);
	INIT_WORK(&nsw_store.work, nsw_store_work);

	used = kvcalloc(nsw_slotmap_words(nr) ?: 1, sizeof(*used), GFP_KERNEL);
	gen = kvcalloc(nr ?: 1, sizeof(*gen), GFP_KERNEL);
	nsw_store.pages = kvcalloc(nr ?: 1, sizeof(*nsw_store.pages),
				   GFP_KERNEL);
	nsw_store.owner = kvcalloc(nr ?: 1, sizeof(*nsw_store.owner),
				   GFP_KERNEL);
	nsw_store.kept = kvcalloc(nr ?: 1, sizeof(*nsw_store.kept), GFP_KERNEL);
	if (!used || !gen || !nsw_store.pages || !nsw_store.owner ||
	    !nsw_store.kept) {
		kvfree(used);
		kvfree(gen);
		kvfree(nsw_store.pages);
		kvfree(nsw_store.owner);
		kvfree(nsw_store.kept);
		return -ENOMEM;
	}
	/* A client tells a restarted store by its epoch: never 0. */
	do
		nsw_store.epoch = get_random_u16();
	while (!nsw_store.epoch);
	nsw_slotmap_init(&nsw_store.sm, used, gen, nr, nsw_store.epoch);
	nsw_store.limit = nr;
	nsw_store.shrinker = nsw_shrinker_create(nsw_store_count,
						 nsw_store_scan, "netswap-store");
	if (!nsw_store.shrinker)
		pr_warn("no shrinker: memory pressure here asks no pages back\n");
	return 0;
}

/* After the transport is closed: nothing queues requests any more. */
void nsw_store_stop(void)
{
	cancel_work_sync(&nsw_store.work);
	skb_queue_purge(&nsw_store.rxq);
	nsw_store.rxq_bytes = 0;
}

/* Peers are gone by now, and with them every page they had here. */
void nsw_store_exit(void)
{
	nsw_shrinker_destroy(nsw_store.shrinker);
	WARN_ON(nsw_store.sm.nr_used || nsw_store.pinned);
	kvfree(nsw_store.sm.used);
	kvfree(nsw_store.sm.gen);
	kvfree(nsw_store.pages);
	kvfree(nsw_store.owner);
	kvfree(nsw_store.kept);
}
