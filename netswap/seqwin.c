// SPDX-License-Identifier: GPL-2.0
/*
 * The store's window of recent requests, see seqwin.h.
 */
#include "seqwin.h"

enum nsw_seq_verdict nsw_seqwin_check(struct nsw_seqwin_slot *win, u64 seq,
				      struct nsw_seqwin_slot **slot)
{
	struct nsw_seqwin_slot *s = &win[seq % NSW_SEQ_WINDOW];

	*slot = s;
	if (seq == 0 || seq < s->seq)
		return NSW_SEQ_STALE;
	if (seq == s->seq)
		return NSW_SEQ_DUP;
	return NSW_SEQ_NEW;
}

/*
 * A request whose outcome a retransmission must see again: not one the
 * store could not carry out for want of memory, which the client should
 * retry for real.
 */
void nsw_seqwin_record(struct nsw_seqwin_slot *slot, u64 seq, u8 status,
		       u64 handle)
{
	slot->seq = seq;
	slot->status = status;
	slot->handle = handle;
}
