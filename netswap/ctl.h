/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests from the client role: FREE batches and RESET. They are
 * rare and may block, so each peer has one at a time, synchronously,
 * retried with backoff until acknowledged or given up. A slow peer only
 * delays its own.
 */
#ifndef _NSW_CTL_H
#define _NSW_CTL_H

#include <linux/completion.h>
#include <linux/mutex.h>

#include "wire.h"

struct nsw_peer;
struct nsw_tx;

/* Embedded in struct nsw_peer, so it lives as long as the peer. */
struct nsw_ctl {
	struct mutex lock;	/* one request at a time */
	u8 status;		/* of the reply */
	u64 handle;		/* of the reply */
	struct completion done;
};

void nsw_ctl_init(struct nsw_ctl *ctl);
int nsw_ctl_request(struct nsw_peer *peer, u8 type, u64 handle,
		    const void *payload, u32 len, u64 *reply);
void nsw_ctl_rx(struct nsw_peer *peer, struct nsw_tx *tx,
		const struct nsw_msg *m);

#endif /* _NSW_CTL_H */
