// SPDX-License-Identifier: GPL-2.0
/*
 * Remote map and the freeing of remote pages, see map.h.
 *
 * Counters: a peer's `placed` counts the map entries naming it, the map's
 * `mapped` all entries (LOST ones too); both change exactly where an
 * entry enters or leaves the map (nsw_map_account()).
 */
#include "netswap.h"

#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "map.h"
#include "peer.h"
#include "ctl.h"
#include "fault.h"
#include "session.h"
#include "audit.h"

#define NSW_ORPHANS		1024
#define NSW_FREE_DELAY		(HZ / 50)
/* How soon to try again to free pages on a peer that is down. */
#define NSW_FREE_RETRY		HZ
/* A FREE is retransmitted after 200 ms, doubling, and given up after 5. */
#define NSW_FREE_TRIES		5
#define NSW_FREE_FIRST_WAIT	(HZ / 5)

/* The peer @entry names, or NULL (LOST, or gone). */
static struct nsw_peer *nsw_map_entry_peer_rcu(u64 entry)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "map entry's peer looked up outside RCU");
	if (nsw_entry_lost(entry))
		return NULL;
	return nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry));
}

static void nsw_map_count(u64 entry, int delta)
{
	struct nsw_peer *peer;

	rcu_read_lock();
	peer = nsw_map_entry_peer_rcu(entry);
	if (peer)
		atomic64_add(delta, &peer->placed_pages);
	rcu_read_unlock();
}

static void nsw_map_account(struct nsw_map *map, u64 entry, int delta)
{
	nsw_map_count(entry, delta);
	atomic64_add(delta, &map->mapped);
}

static u64 *nsw_map_slot(struct nsw_map *map, u64 pgoff, unsigned int copy)
{
	return &map->entries[pgoff * NSW_MAX_REPLICAS + copy];
}

static raw_spinlock_t *nsw_map_lock(struct nsw_map *map, u64 pgoff)
{
	return &map->locks[pgoff % NSW_MAP_LOCKS];
}

static u64 nsw_map_xchg(struct nsw_map *map, u64 *slot, u64 entry)
{
	u64 old = xchg(slot, entry);

	if (old == entry)
		return old;
	if (old)
		nsw_map_account(map, old, -1);
	if (entry)
		nsw_map_account(map, entry, 1);
	return old;
}

/*
 * Every slot of @pgoff and its generation as they are at one time: the
 * generation says which write the entries belong to.
 */
void nsw_map_snapshot(struct nsw_map *map, u64 pgoff,
		      struct nsw_map_view *view)
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	unsigned long flags;
	unsigned int c;

	raw_spin_lock_irqsave(lock, flags);
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		view->slot[c] = READ_ONCE(*nsw_map_slot(map, pgoff, c));
	view->gen = map->gens[pgoff];
	raw_spin_unlock_irqrestore(lock, flags);
}

/*
 * For writes: takes every copy's entry out into @old, so the write may
 * overwrite those remote pages in place while no one else can free them.
 * A pending free ends here: the page is the slot's again.
 */
void nsw_map_take(struct nsw_map *map, u64 pgoff, u64 old[NSW_MAX_REPLICAS])
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	unsigned long flags;
	unsigned int c;

	clear_bit(pgoff, map->pending);
	raw_spin_lock_irqsave(lock, flags);
	map->gens[pgoff]++;
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		old[c] = nsw_map_xchg(map, nsw_map_slot(map, pgoff, c), 0) &
			 ~NSW_ENTRY_PENDING;
	raw_spin_unlock_irqrestore(lock, flags);
}

/*
 * Puts @entry in slot @copy. Returns the entry it replaced, for the
 * caller to orphan once it dropped the lock (the orphan queue's is not
 * a raw spinlock), or 0.
 */
static u64 nsw_map_set_locked(struct nsw_map *map, u64 pgoff,
			      unsigned int copy, u64 entry)
	__must_hold(nsw_map_lock(map, pgoff))
{
	u64 old;

	lockdep_assert_held(nsw_map_lock(map, pgoff));
	old = nsw_map_xchg(map, nsw_map_slot(map, pgoff, copy), entry) &
	      ~NSW_ENTRY_PENDING;
	/* A concurrent write stored a copy elsewhere, or one was replaced. */
	return old != entry ? old : 0;
}

/* A write completed: @entry now holds copy @copy of the page. */
void nsw_map_set(struct nsw_map *map, u64 pgoff, unsigned int copy,
		 u64 entry)
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	unsigned long flags;
	u64 old;

	raw_spin_lock_irqsave(lock, flags);
	old = nsw_map_set_locked(map, pgoff, copy, entry);
	raw_spin_unlock_irqrestore(lock, flags);
	if (old)
		nsw_map_orphan(map, old);
}

/*
 * A copy made in the background of the page as @view saw it, whose data
 * has the checksum @sum: it becomes copy @copy, replacing what was there,
 * only if the page was not written since and no slot changed (no free,
 * no lost session). An @entry of 0 just drops copy @copy. Returns false
 * if the page changed: the caller frees the copy it made.
 */
bool nsw_map_install(struct nsw_map *map, u64 pgoff, unsigned int copy,
		     u64 entry, const struct nsw_map_view *view, u32 sum)
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	unsigned long flags;
	unsigned int c;
	bool same;
	u64 old = 0;

	raw_spin_lock_irqsave(lock, flags);
	same = map->gens[pgoff] == view->gen &&
	       (!entry || READ_ONCE(map->sums[pgoff]) == sum);
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		same &= READ_ONCE(*nsw_map_slot(map, pgoff, c)) == view->slot[c];
	if (same)
		old = nsw_map_set_locked(map, pgoff, copy, entry);
	raw_spin_unlock_irqrestore(lock, flags);
	if (old)
		nsw_map_orphan(map, old);
	return same;
}

/*
 * Copy @copy, which was @entry in the page's generation @gen, came back
 * altered or not at all: it is LOST from now on (rerep.c makes another),
 * and its remote page is freed. Not if the page was written since: the
 * copy may hold the new data, under the same entry.
 */
void nsw_map_spoil(struct nsw_map *map, u64 pgoff, unsigned int copy,
		   u64 entry, u32 gen)
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	u64 *slot = nsw_map_slot(map, pgoff, copy);
	unsigned long flags;
	u64 old = 0;

	raw_spin_lock_irqsave(lock, flags);
	if (map->gens[pgoff] == gen && READ_ONCE(*slot) == entry)
		old = nsw_map_set_locked(map, pgoff, copy,
					 nsw_entry_lost_of(entry));
	raw_spin_unlock_irqrestore(lock, flags);
	if (old)
		nsw_map_orphan(map, old);
}

/* Any context. The page @entry names cannot be freed: audit its peer. */
static void nsw_map_want_audit(u64 entry)
{
	struct nsw_peer *peer;

	rcu_read_lock();
	peer = nsw_map_entry_peer_rcu(entry);
	if (peer)
		nsw_audit_want(peer);
	rcu_read_unlock();
}

/* Is the peer holding @entry down? Then freeing it has to wait. */
static bool nsw_map_peer_down(u64 entry)
{
	struct nsw_peer *peer;
	bool down;

	if (!entry)
		return false;
	rcu_read_lock();
	peer = nsw_map_entry_peer_rcu(entry);
	down = peer && nsw_peer_down(peer);
	rcu_read_unlock();
	return down;
}

/*
 * Any context. The remote page @entry names is no longer referenced. On a
 * peer that is down (rerep.c replaces all its copies at once), an audit
 * frees it when the peer is back, not a FREE each.
 */
void nsw_map_orphan(struct nsw_map *map, u64 entry)
{
	if (nsw_entry_lost(entry))
		return;		/* its store has it no more */
	if (nsw_map_peer_down(entry)) {
		nsw_map_want_audit(entry);
		return;
	}
	if (!kfifo_in_spinlocked(&map->orphans, &entry, 1,
				 &map->orphans_lock)) {
		pr_warn_ratelimited("orphan queue full: a remote page waits for an audit\n");
		nsw_map_want_audit(entry);
		return;
	}
	queue_delayed_work(nsw_wq, &map->free_work, NSW_FREE_DELAY);
}

/* Marks @pgoff's entries freed, if they name remote pages not yet marked. */
static bool nsw_map_mark(struct nsw_map *map, u64 pgoff)
{
	raw_spinlock_t *lock = nsw_map_lock(map, pgoff);
	unsigned long flags;
	bool marked = false;
	unsigned int c;
	u64 *slot, entry;

	raw_spin_lock_irqsave(lock, flags);
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		slot = nsw_map_slot(map, pgoff, c);
		entry = READ_ONCE(*slot);
		/* nsw_map_forget_peer() changes entries outside the lock. */
		do {
			if (!entry || entry & NSW_ENTRY_PENDING)
				break;
		} while (!try_cmpxchg(slot, &entry, entry | NSW_ENTRY_PENDING));
		marked |= entry && !(entry & NSW_ENTRY_PENDING);
	}
	raw_spin_unlock_irqrestore(lock, flags);
	/* After the mark: the worker reads the entries after clearing this. */
	if (marked)
		set_bit(pgoff, map->pending);
	return marked;
}

/* Any context, including under swap_lock: never sleeps or allocates. */
void nsw_map_discard(struct nsw_map *map, u64 pgoff, u64 nr)
{
	bool any = false;
	u64 i;

	for (i = pgoff; i < pgoff + nr && i < map->nr; i++)
		any |= nsw_map_mark(map, i);
	if (any)
		queue_delayed_work(nsw_wq, &map->free_work, NSW_FREE_DELAY);
}

/*
 * A FREE batch on its way to one peer: one per peer at a time, so a peer
 * that does not answer holds back only its own pages. Worker only, but
 * for what the reply writes: status, then answered.
 */
struct nsw_map_free {
	struct nsw_tx tx;		/* tx.ctl: its reply goes to ctl.c */
	struct nsw_map *map;
	struct nsw_peer *peer;		/* referenced while n is not 0 */
	unsigned int n;			/* handles in it */
	bool sent;			/* request seq is out */
	unsigned int tries;
	unsigned long due;		/* to retransmit, give up or send again */
	u64 seq;
	u8 status;
	bool answered;
	u32 sess;			/* the session of handles[] */
	u32 batch_sess;			/* the session of map->batch[] */
	__be64 handles[NSW_FREE_BATCH];
};

/* The reply to @tx's FREE, which it won and ended. */
void nsw_map_free_rx(struct nsw_tx *tx, u8 status)
{
	struct nsw_map_free *fl = container_of(tx, struct nsw_map_free, tx);

	lockdep_assert_in_softirq();
	fl->status = status;
	/* The status before the flag: the worker reads it after. */
	smp_store_release(&fl->answered, true);
	mod_delayed_work(nsw_wq, &fl->map->free_work, 0);
}

/* What struct nsw_map_free says is the worker's alone. */
static void nsw_map_assert_worker(struct nsw_map *map)
{
	lockdep_assert(current_work() == &map->free_work.work);
}

static void nsw_map_next(unsigned long *next, unsigned long when)
{
	if (!*next || time_before(when, *next))
		*next = when;
}

static void nsw_map_free_ended(struct nsw_map *map, struct nsw_map_free *fl)
{
	fl->sent = false;
	if (atomic_dec_and_test(&map->frees_out))
		wake_up(&map->free_wait);
}

/* @fl's handles are freed, or never will be by us: it is empty again. */
static void nsw_map_free_drop(struct nsw_map *map, struct nsw_map_free *fl,
			      bool freed)
{
	struct nsw_peer *peer = fl->peer;

	if (freed) {
		atomic64_add(fl->n, &peer->tx_free_pages);
		/* Room again, perhaps. */
		WRITE_ONCE(peer->full, false);
		clear_bit(NSW_PEER_EV_FULL, &peer->ev_bits);
	} else {
		atomic64_inc(&peer->failed_requests);
		nsw_audit_want(peer);
		pr_warn_ratelimited("could not free %u pages on %pISpc, auditing it later\n",
				    fl->n, &peer->shown);
	}
	fl->n = 0;
	fl->peer = NULL;
	nsw_peer_put(peer);
}

/*
 * Sends @fl's batch. If its peer is down or its window full, keeps it to
 * try again later: pages a paused peer still holds are worth freeing when
 * it is back (and freeing twice is harmless: see protocol.rst, Handles).
 */
static void nsw_map_free_send(struct nsw_map *map, struct nsw_map_free *fl)
{
	fl->answered = false;
	if (nsw_ctl_send(fl->peer, &fl->tx, NSW_MSG_FREE, fl->handles,
			 fl->n * sizeof(__be64), &fl->seq)) {
		fl->due = jiffies + NSW_FREE_RETRY;
		map->retry = true;
		return;
	}
	atomic_inc(&map->frees_out);
	fl->sent = true;
	fl->tries = 0;
	fl->due = jiffies + NSW_FREE_FIRST_WAIT;
}

/* Is @fl's peer gone from the table? */
static bool nsw_map_free_gone(struct nsw_map_free *fl, u16 idx)
{
	bool gone;

	rcu_read_lock();
	gone = nsw_peer_by_idx_rcu(idx) != fl->peer;
	rcu_read_unlock();
	return gone;
}

/*
 * Moves peer @idx's FREE on: ends it once answered; while unanswered,
 * retransmits it with backoff, and gives up once it has tried enough or
 * the peer is down, keeping its handles to send again later.
 */
static void nsw_map_free_poll(struct nsw_map *map, u16 idx)
{
	struct nsw_map_free *fl = &map->frees[idx];
	bool gone, down;

	nsw_map_assert_worker(map);
	if (!fl->n)
		return;
	gone = nsw_map_free_gone(fl, idx);
	down = gone || nsw_peer_down(fl->peer);
	/* Pairs with nsw_map_free_rx(): the status is the reply's. */
	if (fl->sent && smp_load_acquire(&fl->answered)) {
		nsw_map_free_ended(map, fl);
		nsw_map_free_drop(map, fl, fl->status == NSW_ST_OK);
		return;
	}
	/*
	 * The store lost those pages with the session, or the index names
	 * another peer now: never send them to its next session.
	 */
	if (atomic_read(&fl->peer->session) != fl->sess) {
		if (fl->sent && !nsw_ctl_withdraw(fl->peer, &fl->tx, fl->seq))
			return;
		if (fl->sent)
			nsw_map_free_ended(map, fl);
		fl->n = 0;
		nsw_peer_put(fl->peer);
		fl->peer = NULL;
		return;
	}
	if (fl->sent) {
		if (!down && time_before(jiffies, fl->due))
			return;
		if (!down && ++fl->tries < NSW_FREE_TRIES) {
			atomic64_inc(&fl->peer->retransmitted_requests);
			nsw_ctl_resend(fl->peer, NSW_MSG_FREE, fl->handles,
				       fl->n * sizeof(__be64), fl->seq);
			fl->due = jiffies + (NSW_FREE_FIRST_WAIT << fl->tries);
			return;
		}
		/* Lost that race: the reply queues us again. */
		if (!nsw_ctl_withdraw(fl->peer, &fl->tx, fl->seq))
			return;
		nsw_map_free_ended(map, fl);
		fl->due = jiffies + NSW_FREE_RETRY;
		map->retry = true;
	}
	if (gone)
		nsw_map_free_drop(map, fl, false);
	else if (!READ_ONCE(map->stopping) && !down &&
		 time_after_eq(jiffies, fl->due))
		nsw_map_free_send(map, fl);
	else
		map->retry = true;
}

/* Moves the batch built for peer @idx into its FREE, if that is empty. */
static void nsw_map_free_start(struct nsw_map *map, u16 idx)
{
	struct nsw_map_free *fl = &map->frees[idx];
	unsigned int n = map->batch_len[idx];
	struct nsw_peer *peer;

	nsw_map_assert_worker(map);
	if (!n || fl->n || READ_ONCE(map->stopping))
		return;
	map->batch_len[idx] = 0;
	rcu_read_lock();
	peer = nsw_peer_get_rcu(nsw_peer_by_idx_rcu(idx));
	rcu_read_unlock();
	if (!peer)
		return;
	memcpy(fl->handles, map->batch[idx], n * sizeof(__be64));
	fl->n = n;
	fl->peer = peer;
	fl->sess = fl->batch_sess;
	fl->due = jiffies;
	nsw_map_free_poll(map, idx);
}

/* Can the batch for the peer holding @entry take it now? */
static bool nsw_map_room(struct nsw_map *map, u64 entry)
{
	u16 idx = NSW_ENTRY_PEER(entry);

	return idx >= NSW_MAX_PEERS || !map->frees[idx].n ||
	       map->batch_len[idx] < NSW_FREE_BATCH;
}

/*
 * The handle to free for @entry: with the epoch of its session, *@sess,
 * or 0 if that session is over and the store lost the page anyway.
 */
static u64 nsw_map_wire_handle(u64 entry, u32 *sess)
{
	struct nsw_peer *peer;
	u64 handle = 0;

	rcu_read_lock();
	peer = nsw_map_entry_peer_rcu(entry);
	if (peer) {
		*sess = atomic_read(&peer->session);
		handle = nsw_session_handle(peer, entry);
	}
	rcu_read_unlock();
	return handle;
}

static void nsw_map_batch_add(struct nsw_map *map, u64 entry)
{
	u16 idx = NSW_ENTRY_PEER(entry);
	u32 sess = 0;
	u64 handle;

	nsw_map_assert_worker(map);
	if (idx >= NSW_MAX_PEERS || nsw_entry_lost(entry))
		return;
	if (map->batch_len[idx] == NSW_FREE_BATCH)
		nsw_map_free_start(map, idx);
	/* Rare: the entry changed peers after nsw_map_room(). */
	if (map->batch_len[idx] == NSW_FREE_BATCH) {
		if (!kfifo_in_spinlocked(&map->orphans, &entry, 1,
					 &map->orphans_lock))
			nsw_map_want_audit(entry);
		return;
	}
	handle = nsw_map_wire_handle(entry, &sess);
	if (!handle)
		return;		/* nothing left to free */
	/* One session a batch: an earlier one's pages went with it. */
	if (map->frees[idx].batch_sess != sess)
		map->batch_len[idx] = 0;
	map->frees[idx].batch_sess = sess;
	map->batch[idx][map->batch_len[idx]++] = cpu_to_be64(handle);
	if (map->batch_len[idx] == NSW_FREE_BATCH)
		nsw_map_free_start(map, idx);
}

/* Test builds only (fault.h): a rewrite may land between claim and free. */
static void nsw_map_fault_delay(unsigned long pgoff)
{
	unsigned int ms = nsw_fault(free_delay_ms);

	if (!ms)
		return;
	pr_info("fault: free worker holds page %lu for %u ms\n", pgoff, ms);
	msleep(ms);
	pr_info("fault: free worker goes on with page %lu\n", pgoff);
}

/*
 * Frees the remote page of @slot if its entry is still marked freed. The
 * cmpxchg fails if a write took the entry meanwhile, even one that mapped
 * the same remote page again: it is then the new data, and not marked.
 */
static void nsw_map_free_one(struct nsw_map *map, unsigned long pgoff,
			     u64 *slot)
{
	u64 entry = READ_ONCE(*slot);

	if (!(entry & NSW_ENTRY_PENDING))
		return;
	nsw_map_fault_delay(pgoff);
	if (cmpxchg(slot, entry, 0) != entry)
		return;
	nsw_map_account(map, entry, -1);
	nsw_map_batch_add(map, entry);
}

/*
 * Frees the copies of freed page @pgoff whose peers can take a FREE now.
 * Returns false if one has to wait: its peer is down, or its batch full.
 */
static bool nsw_map_free_page(struct nsw_map *map, unsigned long pgoff)
{
	bool done = true;
	unsigned int c;
	u64 *slot;

	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		slot = nsw_map_slot(map, pgoff, c);
		if (!(READ_ONCE(*slot) & NSW_ENTRY_PENDING))
			continue;
		/*
		 * Left in the map, still pending, until the peer is back or
		 * has answered the FREE it has.
		 */
		if (nsw_map_peer_down(READ_ONCE(*slot))) {
			map->retry = true;
			done = false;
		} else if (!nsw_map_room(map, READ_ONCE(*slot))) {
			done = false;
		} else {
			nsw_map_free_one(map, pgoff, slot);
		}
	}
	return done;
}

/* Freeing a swap slot only marks it; here its remote pages are freed. */
static void nsw_map_free_work(struct work_struct *work)
{
	struct nsw_map *map = container_of(to_delayed_work(work),
					   struct nsw_map, free_work);
	unsigned long i, next = 0;
	unsigned int orphans;
	u64 entry;
	u16 p;

	map->retry = false;
	for (p = 0; p < NSW_MAX_PEERS; p++)
		nsw_map_free_poll(map, p);
	for_each_set_bit(i, map->pending, map->nr) {
		/* Before reading the entries: nsw_map_mark(). */
		if (!test_and_clear_bit(i, map->pending))
			continue;
		if (!nsw_map_free_page(map, i))
			set_bit(i, map->pending);
		cond_resched();
	}
	/* Only those queued now: a full batch may queue one again. */
	orphans = kfifo_len(&map->orphans);
	while (orphans-- && kfifo_out_spinlocked(&map->orphans, &entry, 1,
						 &map->orphans_lock))
		nsw_map_batch_add(map, entry);
	for (p = 0; p < NSW_MAX_PEERS; p++) {
		nsw_map_free_start(map, p);
		if (map->frees[p].n)
			nsw_map_next(&next, map->frees[p].due);
	}
	if (map->retry)
		nsw_map_next(&next, jiffies + NSW_FREE_RETRY);
	if (next)
		queue_delayed_work(nsw_wq, &map->free_work,
				   time_after(next, jiffies) ? next - jiffies : 0);
}

/* Drops the orphans naming peer @idx: their pages are gone with it. */
static void nsw_map_forget_orphans(struct nsw_map *map, u16 idx)
{
	unsigned int n;
	unsigned long flags;
	u64 entry;

	spin_lock_irqsave(&map->orphans_lock, flags);
	for (n = kfifo_len(&map->orphans); n; n--) {
		if (!kfifo_get(&map->orphans, &entry))
			break;
		if (nsw_entry_lost(entry) || NSW_ENTRY_PEER(entry) != idx)
			kfifo_put(&map->orphans, entry);
	}
	spin_unlock_irqrestore(&map->orphans_lock, flags);
}

/*
 * Peer @idx begins a session, or leaves the table: every entry naming it
 * is of a session that is over, or of a peer that is gone, and must never
 * be read or freed by that index again. Entries become LOST (or go, if
 * freed already), orphans go. Returns how many entries.
 */
u64 nsw_map_forget_peer(struct nsw_map *map, u16 idx)
{
	u64 i, entry, next, n = 0;

	might_sleep();
	nsw_map_forget_orphans(map, idx);
	for (i = 0; i < map->nr * NSW_MAX_REPLICAS; i++) {
		if (!(i % 4096))
			cond_resched();
		entry = READ_ONCE(map->entries[i]);
		do {
			if (!entry || nsw_entry_lost(entry) ||
			    NSW_ENTRY_PEER(entry) != idx)
				break;
			next = entry & NSW_ENTRY_PENDING ? 0 :
				nsw_entry_lost_of(entry);
			/* A write or a free may change it under us. */
		} while (!try_cmpxchg(&map->entries[i], &entry, next));
		if (!entry || nsw_entry_lost(entry) ||
		    NSW_ENTRY_PEER(entry) != idx)
			continue;
		nsw_map_account(map, entry, -1);
		if (next)
			nsw_map_account(map, next, 1);
		n++;
	}
	return n;
}

/*
 * Puts the handles of up to @max entries naming @peer in its current
 * session, from slot *@pos on, into @out; returns how many.
 * Entries marked freed count too: the page is there until its FREE.
 */
unsigned int nsw_map_handles(struct nsw_map *map, struct nsw_peer *peer,
			     u64 *pos, __be64 *out, unsigned int max)
{
	unsigned int n = 0;
	u64 entry, handle;

	might_sleep();
	for (; *pos < map->nr * NSW_MAX_REPLICAS && n < max; (*pos)++) {
		if (!(*pos % 4096))
			cond_resched();
		entry = READ_ONCE(map->entries[*pos]);
		if (!entry || nsw_entry_lost(entry) ||
		    NSW_ENTRY_PEER(entry) != peer->idx)
			continue;
		handle = nsw_session_handle(peer, entry);
		if (handle)
			out[n++] = cpu_to_be64(handle);
	}
	return n;
}

/*
 * The device goes away: sends what is pending now, waits until each FREE
 * is answered or given up, and sends none after, so nothing of the map is
 * left in a peer's window.
 */
void nsw_map_flush(struct nsw_map *map)
{
	mod_delayed_work(nsw_wq, &map->free_work, 0);
	flush_delayed_work(&map->free_work);
	WRITE_ONCE(map->stopping, true);
	wait_event(map->free_wait, !atomic_read(&map->frees_out));
	/* A reply that ended the last one may still be queueing the work. */
	synchronize_net();
	cancel_delayed_work_sync(&map->free_work);
}

int nsw_map_init(struct nsw_map *map, u64 nr)
{
	int err = -ENOMEM;
	unsigned int i;

	map->nr = nr;
	atomic64_set(&map->mapped, 0);
	atomic_set(&map->frees_out, 0);
	spin_lock_init(&map->orphans_lock);
	init_waitqueue_head(&map->free_wait);
	map->stopping = false;
	INIT_DELAYED_WORK(&map->free_work, nsw_map_free_work);

	for (i = 0; i < NSW_MAP_LOCKS; i++)
		raw_spin_lock_init(&map->locks[i]);
	map->entries = vzalloc(array3_size(nr, NSW_MAX_REPLICAS,
					   sizeof(*map->entries)));
	if (!map->entries)
		goto err;
	map->sums = vzalloc(array_size(nr, sizeof(*map->sums)));
	if (!map->sums)
		goto err_entries;
	map->gens = vzalloc(array_size(nr, sizeof(*map->gens)));
	if (!map->gens)
		goto err_sums;
	map->pending = vzalloc(array_size(BITS_TO_LONGS(nr),
					  sizeof(unsigned long)));
	if (!map->pending)
		goto err_gens;
	map->batch = vzalloc(array_size(NSW_MAX_PEERS, sizeof(*map->batch)));
	if (!map->batch)
		goto err_pending;
	map->batch_len = kcalloc(NSW_MAX_PEERS, sizeof(*map->batch_len),
				 GFP_KERNEL);
	if (!map->batch_len)
		goto err_batch;
	map->frees = vzalloc(array_size(NSW_MAX_PEERS, sizeof(*map->frees)));
	if (!map->frees)
		goto err_batch_len;
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		map->frees[i].tx.ctl = true;
		map->frees[i].map = map;
	}
	err = kfifo_alloc(&map->orphans, NSW_ORPHANS, GFP_KERNEL);
	if (err)
		goto err_frees;
	return 0;

err_frees:
	vfree(map->frees);
err_batch_len:
	kfree(map->batch_len);
err_batch:
	vfree(map->batch);
err_pending:
	vfree(map->pending);
err_gens:
	vfree(map->gens);
err_sums:
	vfree(map->sums);
err_entries:
	vfree(map->entries);
err:
	return err;
}

/* After nsw_map_flush(), or if the map was never used. */
void nsw_map_destroy(struct nsw_map *map)
{
	unsigned int i;

	cancel_delayed_work_sync(&map->free_work);
	/* FREEs kept for peers that were down. */
	for (i = 0; i < NSW_MAX_PEERS; i++)
		nsw_peer_put(map->frees[i].peer);
	vfree(map->frees);
	kfifo_free(&map->orphans);
	kfree(map->batch_len);
	vfree(map->batch);
	vfree(map->pending);
	vfree(map->gens);
	vfree(map->sums);
	vfree(map->entries);
}
