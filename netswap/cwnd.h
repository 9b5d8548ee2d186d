/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Congestion window
 *
 * The congestion window of the STOREs a client keeps in flight to one
 * peer, counted in pages, after RFC 5681: slow start from NSW_CWND_INIT,
 * then one page more per window of answers; halved on a loss, once per
 * loss episode (the losses of requests sent before the cut are the same
 * episode). A page found lost leaves the window: its retransmissions do
 * not count, as in TCP's loss recovery. RFC 8085 asks this of any UDP
 * protocol that sends in bulk, and a burst larger than the path can
 * queue is lost whole: the switch of the test bed drops every datagram
 * beyond its queue, and each lost page then waits a retransmission
 * timeout.
 *
 * Only STOREs take part: they carry the client's bulk, while LOADs are
 * small, bounded by the readahead window, and must not wait behind a
 * swap-out. Pure code (pure.h); the caller serialises calls.
 */
#ifndef _NSW_CWND_H
#define _NSW_CWND_H

#include "pure.h"

#define NSW_CWND_MIN	8	/* one block request's pages */
#define NSW_CWND_INIT	32
#define NSW_CWND_MAX	128	/* the block device's pages in flight */

struct nsw_cwnd {
	u32 cwnd;		/* pages that may be in flight */
	u32 ssthresh;		/* slow start below it */
	u32 inflight;		/* pages in flight, each holding a place */
	u32 acked;		/* answers toward the next page more */
	u64 recover;		/* losses of requests numbered below: same episode */
	bool waiting;		/* someone was refused a place since */
};

void nsw_cwnd_init(struct nsw_cwnd *w);
bool nsw_cwnd_take(struct nsw_cwnd *w);
void nsw_cwnd_cancel(struct nsw_cwnd *w);
bool nsw_cwnd_put(struct nsw_cwnd *w, bool answered);
bool nsw_cwnd_loss(struct nsw_cwnd *w, u64 seq, u64 next);

#endif /* _NSW_CWND_H */
