/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Slot allocator
 *
 * The store's slot allocator. Pure code (see pure.h).
 *
 * A store names each page it keeps by a 64-bit handle: the slot index in
 * the low 32 bits, the slot's generation in bits 32..47 and the store's
 * epoch in bits 48..63. The generation changes every time a slot is freed,
 * so a late or duplicated FREE or LOAD for an old occupant of the slot
 * never touches the new one; the epoch does the same for handles an
 * earlier incarnation of the store gave out. Bits 0..47 are never all 0.
 *
 * The caller provides the memory (nsw_slotmap_words() u64 words and
 * nr u16 generations) and the locking.
 */
#ifndef _NSW_SLOTMAP_H
#define _NSW_SLOTMAP_H

#include "pure.h"

struct nsw_slotmap {
	u64 *used;	/* bit set: slot allocated */
	u16 *gen;	/* current generation per slot, never 0 */
	u32 nr;		/* slots */
	u32 nr_used;
	u32 hint;	/* no free slot lives in a word below this one */
	u16 epoch;	/* of this incarnation of the store, never 0 */
};

#define NSW_HANDLE_IDX(h)	((u32)(h))
#define NSW_HANDLE_GEN(h)	((u16)((h) >> 32))

static inline size_t nsw_slotmap_words(u32 nr)
{
	return ((size_t)nr + 63) / 64;
}

void nsw_slotmap_init(struct nsw_slotmap *sm, u64 *used, u16 *gen, u32 nr,
		      u16 epoch);
u64 nsw_slotmap_handle(const struct nsw_slotmap *sm, u32 idx);
int nsw_slotmap_alloc(struct nsw_slotmap *sm, u64 *handle);
int nsw_slotmap_lookup(const struct nsw_slotmap *sm, u64 handle, u32 *idx);
int nsw_slotmap_free(struct nsw_slotmap *sm, u64 handle);

#endif /* _NSW_SLOTMAP_H */
