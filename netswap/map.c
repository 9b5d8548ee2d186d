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

#define NSW_ORPHANS		1024
#define NSW_FREE_DELAY		(HZ / 50)
/* How soon to try again to free pages on a peer that is down. */
#define NSW_FREE_RETRY		HZ

static void nsw_map_count(u64 entry, int delta)
{
	struct nsw_peer *peer;

	if (nsw_entry_lost(entry))
		return;
	rcu_read_lock();
	peer = nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry));
	if (peer)
		atomic64_add(delta, &peer->placed);
	rcu_read_unlock();
}

static void nsw_map_account(struct nsw_map *map, u64 entry, int delta)
{
	nsw_map_count(entry, delta);
	atomic64_add(delta, &map->mapped);
}

static u64 nsw_map_xchg(struct nsw_map *map, u64 pgoff, u64 entry)
{
	u64 old = xchg(&map->entries[pgoff], entry);

	if (old == entry)
		return old;
	if (old)
		nsw_map_account(map, old, -1);
	if (entry)
		nsw_map_account(map, entry, 1);
	return old;
}

/* For reads: the entry, or 0 if the page was never written or freed. */
u64 nsw_map_lookup(struct nsw_map *map, u64 pgoff)
{
	u64 entry = READ_ONCE(map->entries[pgoff]);

	return entry & NSW_ENTRY_PENDING ? 0 : entry;
}

/*
 * For writes: takes the entry out, so the write may overwrite that remote
 * page in place while no one else can free it. A pending free ends here:
 * the page is the slot's again.
 */
u64 nsw_map_take(struct nsw_map *map, u64 pgoff)
{
	clear_bit(pgoff, map->pending);
	return nsw_map_xchg(map, pgoff, 0) & ~NSW_ENTRY_PENDING;
}

/* A write completed: @entry now holds the page. */
void nsw_map_set(struct nsw_map *map, u64 pgoff, u64 entry)
{
	u64 old = nsw_map_xchg(map, pgoff, entry) & ~NSW_ENTRY_PENDING;

	/* A concurrent write to the same page stored a copy elsewhere. */
	if (old && old != entry)
		nsw_map_orphan(map, old);
}

/* Any context. The remote page @entry names is no longer referenced. */
void nsw_map_orphan(struct nsw_map *map, u64 entry)
{
	if (!kfifo_in_spinlocked(&map->orphans, &entry, 1,
				 &map->orphans_lock)) {
		atomic64_inc(&map->lost);
		pr_warn_ratelimited("orphan queue full, a remote page leaks until peer reset\n");
		return;
	}
	queue_delayed_work(nsw_wq, &map->free_work, NSW_FREE_DELAY);
}

/* Marks @pgoff's entry freed, if it names a remote page not yet marked. */
static bool nsw_map_mark(struct nsw_map *map, u64 pgoff)
{
	u64 old, entry = READ_ONCE(map->entries[pgoff]);

	do {
		if (!entry || entry & NSW_ENTRY_PENDING)
			return false;
		old = entry;
		entry = cmpxchg(&map->entries[pgoff], old,
				old | NSW_ENTRY_PENDING);
	} while (entry != old);
	/* After the mark: the worker reads the entry after clearing this. */
	set_bit(pgoff, map->pending);
	return true;
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
 * The peer is down or did not answer: keep what fits of the batch for
 * later, since pages a paused peer still holds are worth freeing when it
 * is back (and freeing twice is harmless: see protocol.rst, Handles).
 */
static unsigned int nsw_map_requeue(struct nsw_map *map, u16 idx,
				    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!kfifo_in_spinlocked(&map->orphans, &map->batch[idx][i], 1,
					 &map->orphans_lock))
			break;
	}
	return n - i;
}

/*
 * The handles of @idx's batch, in the wire buffer: those of pages its
 * session still holds. The others went with the store's restart.
 */
static unsigned int nsw_map_wire(struct nsw_map *map, struct nsw_peer *peer,
				 unsigned int n)
{
	unsigned int i, w = 0;
	u64 handle;

	for (i = 0; i < n; i++) {
		handle = nsw_session_handle(peer, map->batch[peer->idx][i]);
		if (handle)
			map->wire[w++] = cpu_to_be64(handle);
	}
	return w;
}

static void nsw_map_send_batch(struct nsw_map *map, u16 idx)
{
	unsigned int n = map->batch_len[idx];
	struct nsw_peer *peer;
	int err;

	if (!n)
		return;
	map->batch_len[idx] = 0;
	rcu_read_lock();
	peer = nsw_peer_get_rcu(nsw_peer_by_idx_rcu(idx));
	rcu_read_unlock();
	if (!peer) {
		atomic64_add(n, &map->lost);
		return;
	}
	n = nsw_map_wire(map, peer, n);
	if (!n) {
		nsw_peer_put(peer);
		return;
	}
	err = nsw_ctl_request(peer, NSW_MSG_FREE, 0, map->wire,
			      n * sizeof(__be64), NULL);
	if (err == -EHOSTDOWN || err == -ETIMEDOUT) {
		map->retry = true;
		n = nsw_map_requeue(map, idx, n);
	}
	if (err && n) {
		atomic64_add(n, &map->lost);
		atomic64_add(n, &peer->tx_errors);
		pr_warn_ratelimited("could not free %u pages on %pISpc\n", n,
				    &peer->shown);
	} else {
		atomic64_add(n, &peer->tx_frees);
		/* Room again, perhaps. */
		WRITE_ONCE(peer->full, false);
		clear_bit(NSW_PEER_EV_FULL, &peer->ev_bits);
	}
	nsw_peer_put(peer);
}

static void nsw_map_batch_add(struct nsw_map *map, u64 entry)
{
	u16 idx = NSW_ENTRY_PEER(entry);

	if (nsw_entry_lost(entry))
		return;		/* nothing left to free */
	map->batch[idx][map->batch_len[idx]++] = entry & ~NSW_ENTRY_PENDING;
	if (map->batch_len[idx] == NSW_FREE_BATCH)
		nsw_map_send_batch(map, idx);
}

/* Is the peer holding @entry down? Then freeing it has to wait. */
static bool nsw_map_peer_down(u64 entry)
{
	struct nsw_peer *peer;
	bool down;

	if (!entry || nsw_entry_lost(entry))
		return false;
	rcu_read_lock();
	peer = nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry));
	down = peer && nsw_peer_down(peer);
	rcu_read_unlock();
	return down;
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
 * Frees @pgoff's remote page if its entry is still marked freed. The
 * cmpxchg fails if a write took the entry meanwhile, even one that mapped
 * the same remote page again: it is then the new data, and not marked.
 */
static void nsw_map_free_one(struct nsw_map *map, unsigned long pgoff)
{
	u64 entry = READ_ONCE(map->entries[pgoff]);

	if (!(entry & NSW_ENTRY_PENDING))
		return;
	nsw_map_fault_delay(pgoff);
	if (cmpxchg(&map->entries[pgoff], entry, 0) != entry)
		return;
	nsw_map_account(map, entry, -1);
	nsw_map_batch_add(map, entry);
}

static void nsw_map_free_work(struct work_struct *work)
{
	struct nsw_map *map = container_of(to_delayed_work(work),
					   struct nsw_map, free_work);
	unsigned int orphans;
	unsigned long i;
	u64 entry;
	u16 p;

	map->retry = false;
	for_each_set_bit(i, map->pending, map->nr) {
		entry = READ_ONCE(map->entries[i]);
		/* Left in the map, still pending, until the peer is back. */
		if (entry & NSW_ENTRY_PENDING && nsw_map_peer_down(entry)) {
			map->retry = true;
			continue;
		}
		/* Before reading the entry again: nsw_map_mark(). */
		if (!test_and_clear_bit(i, map->pending))
			continue;
		nsw_map_free_one(map, i);
		cond_resched();
	}
	/* Only those queued now: a failed batch may queue its pages again. */
	orphans = kfifo_len(&map->orphans);
	while (orphans-- && kfifo_out_spinlocked(&map->orphans, &entry, 1,
						 &map->orphans_lock))
		nsw_map_batch_add(map, entry);
	for (p = 0; p < NSW_MAX_PEERS; p++)
		nsw_map_send_batch(map, p);
	if (map->retry)
		queue_delayed_work(nsw_wq, &map->free_work, NSW_FREE_RETRY);
}

/*
 * Process context, before a session with peer @idx begins: every entry
 * naming it is of a session that is over, whose pages the store lost.
 * They become LOST (or go, if freed already). Returns how many.
 */
u64 nsw_map_forget_peer(struct nsw_map *map, u16 idx)
{
	u64 i, entry, next, n = 0;

	for (i = 0; i < map->nr; i++) {
		if (!(i % 4096))
			cond_resched();
		entry = READ_ONCE(map->entries[i]);
		do {
			if (!entry || nsw_entry_lost(entry) ||
			    NSW_ENTRY_PEER(entry) != idx)
				break;
			next = entry & NSW_ENTRY_PENDING ? 0 :
				NSW_ENTRY_VALID | NSW_ENTRY_LOST;
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

/* Sends every pending free now and waits for it. */
void nsw_map_flush(struct nsw_map *map)
{
	mod_delayed_work(nsw_wq, &map->free_work, 0);
	flush_delayed_work(&map->free_work);
}

int nsw_map_init(struct nsw_map *map, u64 nr)
{
	int err = -ENOMEM;

	map->nr = nr;
	atomic64_set(&map->mapped, 0);
	atomic64_set(&map->lost, 0);
	spin_lock_init(&map->orphans_lock);
	INIT_DELAYED_WORK(&map->free_work, nsw_map_free_work);

	map->entries = vzalloc(array_size(nr, sizeof(*map->entries)));
	if (!map->entries)
		goto err;
	map->sums = vzalloc(array_size(nr, sizeof(*map->sums)));
	if (!map->sums)
		goto err_entries;
	map->pending = vzalloc(array_size(BITS_TO_LONGS(nr),
					  sizeof(unsigned long)));
	if (!map->pending)
		goto err_sums;
	map->batch = vzalloc(array_size(NSW_MAX_PEERS, sizeof(*map->batch)));
	if (!map->batch)
		goto err_pending;
	map->batch_len = kcalloc(NSW_MAX_PEERS, sizeof(*map->batch_len),
				 GFP_KERNEL);
	if (!map->batch_len)
		goto err_batch;
	map->wire = kcalloc(NSW_FREE_BATCH, sizeof(*map->wire), GFP_KERNEL);
	if (!map->wire)
		goto err_batch_len;
	err = kfifo_alloc(&map->orphans, NSW_ORPHANS, GFP_KERNEL);
	if (err)
		goto err_wire;
	return 0;

err_wire:
	kfree(map->wire);
err_batch_len:
	kfree(map->batch_len);
err_batch:
	vfree(map->batch);
err_pending:
	vfree(map->pending);
err_sums:
	vfree(map->sums);
err_entries:
	vfree(map->entries);
err:
	return err;
}

void nsw_map_destroy(struct nsw_map *map)
{
	cancel_delayed_work_sync(&map->free_work);
	kfifo_free(&map->orphans);
	kfree(map->wire);
	kfree(map->batch_len);
	vfree(map->batch);
	vfree(map->pending);
	vfree(map->sums);
	vfree(map->entries);
}
