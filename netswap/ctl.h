/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests from the client role: FREE batches, RESET and audits.
 *
 * RESET and an audit's requests are rare and may block: each peer has one
 * at a time, synchronously (nsw_ctl_request()), retried with backoff until
 * acknowledged or given up.
 *
 * A FREE batch does not wait: its owner (map.c) numbers and sends it with
 * nsw_ctl_send(), the reply hands it back with nsw_map_free_rx(), and the
 * owner retransmits or gives up (nsw_ctl_withdraw()) in its own time. So
 * a silent peer delays only the FREEs meant for it.
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
int nsw_ctl_send(struct nsw_peer *peer, struct nsw_tx *tx, u8 type,
		 const void *payload, u32 len, u64 *seq);
void nsw_ctl_resend(struct nsw_peer *peer, u8 type, const void *payload,
		    u32 len, u64 seq);
bool nsw_ctl_withdraw(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq);
void nsw_ctl_rx(struct nsw_peer *peer, struct nsw_tx *tx,
		const struct nsw_msg *m);

#endif /* _NSW_CTL_H */
