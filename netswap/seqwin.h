/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Sequence window
 *
 * The store's window of recent requests per client. Pure code (see
 * pure.h).
 *
 * A client numbers its requests to one store s, s + 1, s + 2, ... (the
 * req_id), from the base the RESET that began its session gave it
 * (protocol.rst, "Sessions"), and never has requests n and
 * n + NSW_SEQ_WINDOW unanswered at once. So the store needs only the
 * last number seen in each slot n % NSW_SEQ_WINDOW, and that request's
 * type, to tell for any request that arrives:
 *
 * - new: the slot holds an older number: carry it out, record the result;
 * - dup: the slot holds this number and type: answer with the recorded
 *   result (a retransmission, or duplication in the network) without
 *   carrying it out again;
 * - stale: below the session's base, or the slot holds a newer number,
 *   or this number with another type: the client gave up on this request
 *   long ago, or it is a replay; drop it.
 *
 * Every request thus takes effect at most once however the network
 * reorders or duplicates it, in O(1) time and bounded memory, and no
 * request is answered with the record of another.
 *
 * The caller provides the memory and the locking.
 */
#ifndef _NSW_SEQWIN_H
#define _NSW_SEQWIN_H

#include "pure.h"
#include "netswap_wire.h"

struct nsw_seqwin_slot {
	u64 seq;	/* 0: never used */
	u64 handle;	/* the recorded reply's handle */
	u8 status;	/* and its status */
	u8 type;	/* of the request recorded */
};

struct nsw_seqwin {
	u64 base;	/* first number of the session */
	u64 seen;	/* highest number received, any session */
	struct nsw_seqwin_slot slot[NSW_SEQ_WINDOW];
};

enum nsw_seq_verdict {
	NSW_SEQ_NEW,
	NSW_SEQ_DUP,
	NSW_SEQ_STALE,
};

/*
 * For NSW_SEQ_DUP, *@slot holds the recorded reply; for NSW_SEQ_NEW, it
 * is the slot to pass to nsw_seqwin_record() once the request is done.
 */
enum nsw_seq_verdict nsw_seqwin_check(struct nsw_seqwin *win, u64 seq,
				      u8 type, struct nsw_seqwin_slot **slot);
void nsw_seqwin_record(struct nsw_seqwin_slot *slot, u64 seq, u8 type,
		       u8 status, u64 handle);
u64 nsw_seqwin_restart(struct nsw_seqwin *win, u64 reset_seq);

#endif /* _NSW_SEQWIN_H */
