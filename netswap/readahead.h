/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Readahead
 *
 * Read-ahead of swapped-out pages past the kernel's swap readahead.
 *
 * The kernel reads at most 2^vm.page-cluster pages (8) around a faulting
 * page and waits for them; the first fault past them starts the next
 * round trip. A process that reads its swap in order therefore waits one
 * network round trip for every 8 pages, and no two round trips overlap.
 * When a read request starts where the previous one ended, the device
 * LOADs the next readahead_pages pages into a small cache, so that the
 * kernel's next request finds them here and completes without waiting.
 *
 * A cached page is the device's content for its page as long as no write
 * or discard of that page came after its LOAD was sent: writes and
 * discards call nsw_ra_forget() after they have taken the page out of the
 * map, which drops a cached copy or marks a LOAD in flight so that its
 * answer is thrown away, and LOADs are sent only for what the map holds
 * at the time (see nsw_ra_ahead()). The answer is checked against the
 * checksum the map held when the LOAD left, as every read is.
 *
 * Lifetimes: the slots and their pages are allocated with the device and
 * freed with it; nothing is allocated afterwards. A slot is FREE, LOADING
 * (its tx holds a request number; it holds a reference on its peer) or
 * READY. Slots change state under ra->lock only; leaving LOADING also
 * takes the cmpxchg of tx.inflight to 0, as for the device's own ops.
 * A LOAD that is lost is not sent again: nsw_ra_expire() frees its slot
 * after a retransmission timeout, or when its peer goes down (the
 * retransmit worker keeps looking while any is on the way), and a read
 * does not take over one that is overdue. A read of a
 * page whose LOAD ahead is still on the way takes that request over
 * (nsw_ra_adopt()): the slot is freed, and the request is the read's own
 * from then on, retransmitted like any other.
 */
#ifndef _NSW_READAHEAD_H
#define _NSW_READAHEAD_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "peer.h"

struct nsw_map;
struct nsw_msg;
struct page;
struct sk_buff;

#define NSW_RA_SLOTS		64	/* 256 KiB of pages per device */
#define NSW_RA_MAX_AHEAD	(NSW_RA_SLOTS / 2)

struct nsw_ra_slot {
	struct nsw_tx tx;		/* tx.ra is set */
	struct page *page;
	struct nsw_peer *peer;		/* LOADING: referenced */
	u64 pgoff;
	unsigned long since;		/* jiffies: sent, or arrived */
	u64 sent_ns;			/* LOADING: when the LOAD left */
	u32 sum;			/* what the map said the page is */
	u8 state;			/* enum nsw_ra_state */
	u8 got;				/* LOADING: chunks in, a bit each */
	bool forgotten;			/* LOADING: written since; drop it */
};

struct nsw_ra {
	spinlock_t lock;		/* the slots, next */
	u64 next;			/* where a sequential read goes on */
	unsigned int used;		/* slots not FREE */
	struct nsw_ra_slot slots[NSW_RA_SLOTS];
	atomic64_t loaded_pages;	/* LOADs sent ahead */
	atomic64_t hit_pages;		/* reads served by a LOAD ahead */
	atomic64_t unused_pages;	/* LOADed and never read */
};

int nsw_ra_init(struct nsw_ra *ra);
void nsw_ra_destroy(struct nsw_ra *ra);
bool nsw_ra_take(struct nsw_ra *ra, u64 pgoff, struct page *dst);
bool nsw_ra_adopt(struct nsw_ra *ra, u64 pgoff, struct nsw_peer *peer,
		  struct nsw_tx *tx, struct page *dst, atomic_t *got,
		  u64 *sent_ns);
void nsw_ra_forget(struct nsw_ra *ra, u64 pgoff, u64 nr);
void nsw_ra_ahead(struct nsw_ra *ra, struct nsw_map *map, u64 pgoff,
		  unsigned int nr);
void nsw_ra_reply(struct nsw_ra *ra, struct nsw_peer *peer,
		  struct nsw_tx *tx, struct sk_buff *skb,
		  const struct nsw_msg *m);
bool nsw_ra_expire(struct nsw_ra *ra);

#endif /* _NSW_READAHEAD_H */
