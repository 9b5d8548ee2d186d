/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Re-replication, see rerep.c: copies again the pages that have fewer
 * copies than `replicas`, and moves pages off stores that ask for them.
 */
#ifndef _NSW_REREP_H
#define _NSW_REREP_H

#include <linux/atomic.h>
#include <linux/workqueue.h>

#include "peer.h"

struct nsw_dev;
struct page;

#define NSW_REREP_LANES		8

struct nsw_rerep_lane {
	struct work_struct work;
	struct nsw_dev *dev;
	struct page *page;	/* the page being copied, the lane's own */
	unsigned int idx;	/* it walks pages idx, idx + LANES, ... */
	/* This pass's count of the pages it left degraded, as the tick's. */
	u64 degraded;
	u64 per_peer[NSW_MAX_PEERS];
};

struct nsw_rerep {
	struct delayed_work tick;	/* counts, then starts a pass */
	struct workqueue_struct *wq;	/* the lanes, which wait for I/O */
	struct nsw_rerep_lane lanes[NSW_REREP_LANES];
	atomic_t running;		/* lanes in the current pass */
	atomic_t inflight;		/* lanes' requests in flight */
	atomic_t kicked;		/* something lost a copy: look now */
	u64 sig;			/* of the peers' states, last looked */
	u64 done;			/* copied + dropped, last looked */
	u64 pass_start;			/* copied + dropped, pass began */
	unsigned int quiet;		/* ticks since the last kick or change */
	u64 per_peer[NSW_MAX_PEERS];	/* the tick's count, per peer */
	u64 pass_per_peer[NSW_MAX_PEERS];	/* the last pass's, summed */
	bool stopping;
	atomic64_t degraded_pages;	/* counted (tick or pass), less copied */
	atomic64_t copied_pages;
	atomic64_t dropped_pages;	/* copies asked back, nowhere to go */
	atomic64_t give_back[NSW_MAX_PEERS];	/* per peer: moves left this pass */
};

int nsw_rerep_init(struct nsw_dev *dev);
void nsw_rerep_start(struct nsw_dev *dev);
void nsw_rerep_stop(struct nsw_dev *dev);
void nsw_rerep_destroy(struct nsw_dev *dev);
void nsw_rerep_kick(struct nsw_dev *dev);

#endif /* _NSW_REREP_H */
