/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control requests from the client role: FREE batches and RESET. They are
 * rare and may block, so one at a time, synchronously, retried with
 * backoff until acknowledged or given up.
 */
#ifndef _NSW_CTL_H
#define _NSW_CTL_H

#include <linux/bits.h>
#include <linux/in6.h>

#include "wire.h"

struct nsw_peer;

/* req_id bit that marks a control request (I/O requests have it clear). */
#define NSW_REQ_CTL	BIT_ULL(11)

int nsw_ctl_request(struct nsw_peer *peer, u8 type, const void *payload,
		    u32 len);
bool nsw_ctl_rx(const struct sockaddr_in6 *from, const struct nsw_msg *m);

#endif /* _NSW_CTL_H */
