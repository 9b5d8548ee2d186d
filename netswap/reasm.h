/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reassembly of pages that arrive in chunks, at the store. Pure code (see
 * pure.h): the table only tracks which chunks of which request it has;
 * the caller owns the buffers and the locking.
 *
 * Memory is bounded by construction: NSW_REASM_SLOTS partial pages per
 * client at most, one slot per request number modulo NSW_REASM_SLOTS.
 * A chunk of a newer request takes over its slot and hands the older
 * partial page back to be freed (its client gave up on it, or will send
 * it again); a chunk of an older request than the partial page in the
 * slot is dropped until that one completes, which frees the slot.
 * Nothing waits for a missing chunk: the client's retransmission sends
 * the whole page again, and duplicate chunks are harmless.
 *
 * The table does not make a request take effect at most once: after a
 * page completes, a full set of duplicate chunks would complete it again.
 * The store's sequence window (seqwin.h), consulted first, does that.
 */
#ifndef _NSW_REASM_H
#define _NSW_REASM_H

#include "pure.h"

#define NSW_REASM_SLOTS		256

struct nsw_reasm_slot {
	u64 seq;	/* 0: free */
	void *buf;	/* the caller's page, NULL until it has one */
	u8 got;		/* chunks received, a bit each */
};

struct nsw_reasm_slot *nsw_reasm_get(struct nsw_reasm_slot *tab, u64 seq,
				     void **evicted);
bool nsw_reasm_add(struct nsw_reasm_slot *slot, unsigned int chunks);
void *nsw_reasm_take(struct nsw_reasm_slot *slot);

#endif /* _NSW_REASM_H */
