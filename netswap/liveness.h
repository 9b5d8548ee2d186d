/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Liveness of the peers this node swaps to: keepalives and the peer
 * state (up, suspect, down) that decides whether I/O waits for a peer or
 * fails at once.
 */
#ifndef _NSW_LIVENESS_H
#define _NSW_LIVENESS_H

#include <linux/types.h>

struct nsw_msg;
struct nsw_peer;

void nsw_liveness_start(void);
void nsw_liveness_stop(void);
void nsw_liveness_kick(void);
bool nsw_liveness_pong(struct nsw_peer *peer, const struct nsw_msg *m,
		       u64 give_back);

#endif /* _NSW_LIVENESS_H */
