/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide settings. Each concern has its own header; this one holds
 * only what every file shares: the log prefix and the module parameters.
 * Every .c file of the module includes it first, so pr_fmt applies.
 */
#ifndef _NSW_NETSWAP_H
#define _NSW_NETSWAP_H

#include <linux/compiler.h>
#include <linux/types.h>

#ifndef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

struct workqueue_struct;

extern unsigned short nsw_port;
extern unsigned int nsw_size_mb;
extern unsigned int nsw_lend_mb;
extern unsigned int nsw_lend_reserve_pct;
extern unsigned int nsw_io_timeout_ms;
extern unsigned int nsw_keepalive_ms;
extern unsigned int nsw_peer_timeout_ms;
extern unsigned int nsw_readahead_pages;
extern unsigned int nsw_replicas;

/* How many copies a page written now gets. */
static inline unsigned int nsw_replicas_now(void)
{
	return READ_ONCE(nsw_replicas);
}

/*
 * Sending what reclaim published and retransmitting the device's requests
 * (rexmit.c) runs on nsw_reclaim_wq, and nothing else does: swap-out
 * waits on it, so under pressure its rescuer thread must not be busy with
 * anything else. Serving peers, freeing remote pages and liveness run on
 * nsw_wq. Both are WQ_MEM_RECLAIM: each has its own rescuer, so each makes
 * progress even when no new worker thread can be created.
 */
extern struct workqueue_struct *nsw_reclaim_wq;
extern struct workqueue_struct *nsw_wq;

#endif /* _NSW_NETSWAP_H */
