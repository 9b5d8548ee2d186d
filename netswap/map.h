/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Remote map
 *
 * The client's remote map: for each page of /dev/netswap0, where its
 * copies live (peer index and the handle that peer gave it), one u64 per
 * copy in NSW_MAX_REPLICAS slots, the page's checksum and its write
 * generation: 32 bytes per page. Slots change under the page's lock, and
 * every write bumps the generation: an overwrite in place gives back the
 * very entry the page had, so only the generation tells that the data
 * changed. A copy made in the background (rerep.c) lands, and a copy
 * found bad is dropped, only if the page was not written meanwhile
 * (nsw_map_install(), nsw_map_spoil()).
 *
 * Entries change only atomically, so whoever takes an entry out of the
 * map owns the remote page it names: a writer overwriting it, the free
 * worker freeing it, or the orphan queue. Freed swap slots and discards
 * only mark the page's entries PENDING and set its bit in `pending`, the worker's
 * hint where to look (no allocation: swap_slot_free_notify runs under a
 * spinlock). The worker frees an entry only while it still carries that
 * mark: a rewrite of the slot takes the whole word, and may map the same
 * remote page again under the same handle, but never marked.
 *
 * An entry also carries the number of the session with its peer it was
 * made in (session.h): its handle is sent only with that session's epoch,
 * and not at all once the session is over. When the next session begins,
 * every entry naming that peer becomes LOST: a read of it fails, a write
 * stores the page anew, a free sends nothing.
 */
#ifndef _NSW_MAP_H
#define _NSW_MAP_H

#include <linux/kfifo.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "wire.h"

struct nsw_peer;
struct nsw_tx;
struct nsw_map_free;

#define NSW_MAX_REPLICAS	3
#define NSW_MAP_LOCKS		64

struct nsw_map {
	u64 *entries;			/* nr * NSW_MAX_REPLICAS slots */
	raw_spinlock_t locks[NSW_MAP_LOCKS];	/* a page's slots, by pgoff */
	u32 *sums;			/* checksum of each stored page */
	u32 *gens;			/* write generation of each page */
	unsigned long *pending;		/* hint: pages perhaps PENDING */
	u64 nr;
	atomic64_t mapped;
	spinlock_t orphans_lock;	/* every access to orphans */
	DECLARE_KFIFO_PTR(orphans, u64); /* entries replaced or abandoned */
	struct delayed_work free_work;
	bool retry;			/* worker only: a peer was down */
	bool stopping;			/* nsw_map_flush(): send no more */
	__be64 (*batch)[NSW_FREE_BATCH];	/* per peer, worker only */
	unsigned int *batch_len;
	struct nsw_map_free *frees;	/* per peer: the FREE out, map.c */
	atomic_t frees_out;		/* of those, sent and not ended */
	wait_queue_head_t free_wait;	/* for frees_out to reach 0 */
};

#define NSW_ENTRY_VALID		BIT_ULL(63)
#define NSW_ENTRY_PENDING	BIT_ULL(62)	/* freed, FREE not sent yet */
#define NSW_ENTRY_LOST		BIT_ULL(61)	/* its store lost the page */
#define NSW_ENTRY_SESS(e)	((u32)((e) >> 54) & 0x7f)
#define NSW_ENTRY_PEER(e)	((u16)(((e) >> 48) & 0x3f))
#define NSW_ENTRY_HANDLE(e)	((e) & NSW_HANDLE_SLOT_MASK)

/* @handle on peer @peer_idx, stored in the session numbered @sess_nr. */
static inline u64 nsw_entry(u16 peer_idx, u32 sess_nr, u64 handle)
{
	return NSW_ENTRY_VALID | (u64)(sess_nr & 0x7f) << 54 |
	       (u64)peer_idx << 48 | NSW_ENTRY_HANDLE(handle);
}

static inline bool nsw_entry_lost(u64 entry)
{
	return entry & NSW_ENTRY_LOST;
}

/*
 * @entry's page is lost. The entry keeps naming the peer, for the count
 * of degraded pages per peer only: it is never sent, read or freed.
 */
static inline u64 nsw_entry_lost_of(u64 entry)
{
	return NSW_ENTRY_VALID | NSW_ENTRY_LOST | (entry & (0x3fULL << 48));
}

int nsw_map_init(struct nsw_map *map, u64 nr);
void nsw_map_destroy(struct nsw_map *map);
/* A page's slots (PENDING marks included) and generation, at one time. */
struct nsw_map_view {
	u64 slot[NSW_MAX_REPLICAS];
	u32 gen;
};

void nsw_map_snapshot(struct nsw_map *map, u64 pgoff,
		      struct nsw_map_view *view);
/*
 * The checksum (pagesum.h) of the page stored at @pgoff, for checking a
 * LOAD. Read it after the entry: nsw_map_set() publishes the sum before
 * the entry.
 */
static inline u32 nsw_map_sum(struct nsw_map *map, u64 pgoff)
{
	smp_rmb();	/* after the entries nsw_map_snapshot() read */
	return READ_ONCE(map->sums[pgoff]);
}

void nsw_map_take(struct nsw_map *map, u64 pgoff,
		  u64 old[NSW_MAX_REPLICAS]);
void nsw_map_set(struct nsw_map *map, u64 pgoff, unsigned int copy,
		 u64 entry);
bool nsw_map_install(struct nsw_map *map, u64 pgoff, unsigned int copy,
		     u64 entry, const struct nsw_map_view *view, u32 sum);
void nsw_map_spoil(struct nsw_map *map, u64 pgoff, unsigned int copy,
		   u64 entry, u32 gen);
void nsw_map_orphan(struct nsw_map *map, u64 entry);
void nsw_map_discard(struct nsw_map *map, u64 pgoff, u64 nr);
void nsw_map_flush(struct nsw_map *map);
u64 nsw_map_forget_peer(struct nsw_map *map, u16 idx);
void nsw_map_free_rx(struct nsw_tx *tx, u8 status);
unsigned int nsw_map_handles(struct nsw_map *map, struct nsw_peer *peer,
			     u64 *pos, __be64 *out, unsigned int max);

#endif /* _NSW_MAP_H */
