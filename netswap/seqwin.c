// SPDX-License-Identifier: GPL-2.0
/*
 * The store's window of recent requests, see seqwin.h.
 */
#include "seqwin.h"

enum nsw_seq_verdict nsw_seqwin_check(struct nsw_seqwin *win, u64 seq,
				      u8 type, struct nsw_seqwin_slot **slot)
{
	struct nsw_seqwin_slot *s = &win->slot[seq % NSW_SEQ_WINDOW];

	*slot = s;
	/* A base must fit a RESET_ACK's 48 bits: no number may pass them. */
	if (seq >= NSW_HANDLE_SLOT_MASK)
		return NSW_SEQ_STALE;
	if (seq > win->seen)
		win->seen = seq;
	if (seq == 0 || seq < win->base || seq < s->seq)
		return NSW_SEQ_STALE;
	if (seq == s->seq)
		return type == s->type ? NSW_SEQ_DUP : NSW_SEQ_STALE;
	return NSW_SEQ_NEW;
}

/*
 * A request whose outcome a retransmission must see again: not one the
 * store could not carry out for want of memory, which the client should
 * retry for real.
 */
void nsw_seqwin_record(struct nsw_seqwin_slot *slot, u64 seq, u8 type,
		       u8 status, u64 handle)
{
	slot->seq = seq;
	slot->type = type;
	slot->status = status;
	slot->handle = handle;
}

/*
 * A RESET numbered @reset_seq begins a new session: forget every record
 * and return the session's base, above every number received so far, so
 * that no request of an earlier session can pass for one of this.
 */
u64 nsw_seqwin_restart(struct nsw_seqwin *win, u64 reset_seq)
{
	if (reset_seq > win->seen && reset_seq < NSW_HANDLE_SLOT_MASK)
		win->seen = reset_seq;
	memset(win->slot, 0, sizeof(win->slot));
	win->base = win->seen + 1;
	return win->base;
}
