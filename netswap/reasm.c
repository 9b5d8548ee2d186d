// SPDX-License-Identifier: GPL-2.0
/*
 * Reassembly of chunked pages, see reasm.h.
 */
#include "reasm.h"
#include "wire.h"

/*
 * The slot for request @seq in @tab (NSW_REASM_SLOTS entries), or NULL
 * if a newer request holds it. If an older partial page had the slot,
 * its buffer is returned in *@evicted for the caller to free.
 */
struct nsw_reasm_slot *nsw_reasm_get(struct nsw_reasm_slot *tab, u64 seq,
				     void **evicted)
{
	struct nsw_reasm_slot *s = &tab[seq % NSW_REASM_SLOTS];

	*evicted = NULL;
	if (s->seq == seq)
		return s;
	if (s->seq > seq)
		return NULL;
	*evicted = s->buf;
	s->seq = seq;
	s->buf = NULL;
	s->got = 0;
	return s;
}

/*
 * Records that the @chunks (a bit each) are in the slot's buffer. Returns
 * true exactly once: for the datagram that completes the page.
 */
bool nsw_reasm_add(struct nsw_reasm_slot *slot, unsigned int chunks)
{
	u8 before = slot->got;

	slot->got |= chunks;
	return before != NSW_CHUNKS_ALL && slot->got == NSW_CHUNKS_ALL;
}

/*
 * Frees the slot and returns its buffer (complete, or to be freed). The
 * slot forgets its request number too: an older request still in flight
 * may need it next, and must not be refused for one that is done (the
 * sequence window keeps duplicates of a done request away from here).
 */
void *nsw_reasm_take(struct nsw_reasm_slot *slot)
{
	void *buf = slot->buf;

	slot->seq = 0;
	slot->buf = NULL;
	slot->got = 0;
	return buf;
}
