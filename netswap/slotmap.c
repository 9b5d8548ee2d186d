// SPDX-License-Identifier: GPL-2.0
/*
 * Slot allocator, see slotmap.h. Lowest free slot first, so a store that
 * is drained and refilled reuses the same memory and the search stays
 * short: `hint` skips the words known to be full.
 */
#include "slotmap.h"

/* The handle slot @idx has now, allocated or not. */
u64 nsw_slotmap_handle(const struct nsw_slotmap *sm, u32 idx)
{
	return (u64)sm->epoch << 48 | (u64)sm->gen[idx] << 32 | idx;
}

void nsw_slotmap_init(struct nsw_slotmap *sm, u64 *used, u16 *gen, u32 nr,
		      u16 epoch)
{
	u32 i;

	sm->used = used;
	sm->gen = gen;
	sm->nr = nr;
	sm->nr_used = 0;
	sm->hint = 0;
	sm->epoch = epoch;
	memset(used, 0, nsw_slotmap_words(nr) * sizeof(u64));
	/* Bits past nr in the last word are marked used: never handed out. */
	if (nr % 64)
		used[nr / 64] = ~0ULL << (nr % 64);
	for (i = 0; i < nr; i++)
		gen[i] = 1;
}

int nsw_slotmap_alloc(struct nsw_slotmap *sm, u64 *handle)
{
	size_t w, words = nsw_slotmap_words(sm->nr);
	u32 idx;

	if (sm->nr_used >= sm->nr)
		return -ENOSPC;
	for (w = sm->hint; w < words; w++) {
		if (sm->used[w] != ~0ULL)
			break;
	}
	if (w == words)		/* only reachable if the caller broke nr_used */
		return -ENOSPC;
	sm->hint = (u32)w;
	idx = (u32)(w * 64) + (u32)__builtin_ctzll(~sm->used[w]);
	sm->used[w] |= 1ULL << (idx % 64);
	sm->nr_used++;
	*handle = nsw_slotmap_handle(sm, idx);
	return 0;
}

int nsw_slotmap_lookup(const struct nsw_slotmap *sm, u64 handle, u32 *idx)
{
	u32 i = NSW_HANDLE_IDX(handle);

	if (handle >> 48 != sm->epoch || i >= sm->nr ||
	    !(sm->used[i / 64] & (1ULL << (i % 64))) ||
	    sm->gen[i] != NSW_HANDLE_GEN(handle))
		return -ENOENT;
	*idx = i;
	return 0;
}

int nsw_slotmap_free(struct nsw_slotmap *sm, u64 handle)
{
	u32 i;

	if (nsw_slotmap_lookup(sm, handle, &i))
		return -ENOENT;
	sm->used[i / 64] &= ~(1ULL << (i % 64));
	sm->nr_used--;
	if (++sm->gen[i] == 0)
		sm->gen[i] = 1;
	if (i / 64 < sm->hint)
		sm->hint = i / 64;
	return 0;
}
