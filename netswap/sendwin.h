/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Send window
 *
 * The client's send window to one peer (see protocol.rst): request number
 * s occupies peer->tx_ring[s % NSW_SEQ_WINDOW] until it is answered or
 * given up, and a number is only handed out when its slot is free, so the
 * store's window (seqwin.h) never sees two requests share a slot. A
 * STORE's number also takes a place in the peer's STORE window (cwnd.h).
 */
#ifndef _NSW_SENDWIN_H
#define _NSW_SENDWIN_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "netswap_wire.h"

struct nsw_peer;

/*
 * A request in flight to a peer: a page op of the block device or a
 * control request. inflight holds its request number while it waits for
 * an answer; whoever moves it to 0 owns its completion.
 */
struct nsw_tx {
	atomic64_t inflight;
	bool ctl;
	u8 type;		/* of a control request */
	bool ra;		/* a LOAD ahead, readahead.h */
	bool store;		/* a STORE: its number takes a place in cwnd */
	bool in_cwnd;		/* holds that place now (under tx_lock) */
};

int nsw_sendwin_start(struct nsw_peer *peer, struct nsw_tx *tx, u64 from,
		      u64 *seq);
bool nsw_sendwin_store_end(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq,
			   bool answered);
bool nsw_sendwin_store_lost(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq);
struct nsw_tx *nsw_sendwin_find(struct nsw_peer *peer, u64 seq);
void nsw_sendwin_handover(struct nsw_peer *peer, u64 seq, struct nsw_tx *to);
void nsw_sendwin_end(struct nsw_peer *peer, u64 seq);
void nsw_sendwin_skip(struct nsw_peer *peer, u64 next);
u64 nsw_sendwin_floor(struct nsw_peer *peer);

/* The type of the reply that answers @tx's request. */
static inline u8 nsw_tx_reply_type(const struct nsw_tx *tx)
{
	if (tx->ctl)
		return tx->type + 1;
	return tx->store ? NSW_MSG_STORE_ACK : NSW_MSG_LOAD_ACK;
}

#endif /* _NSW_SENDWIN_H */
