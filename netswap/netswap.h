/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide settings. Each concern has its own header; this one holds
 * only what every file shares: the log prefix and the module parameters.
 * Every .c file of the module includes it first, so pr_fmt applies.
 */
#ifndef _NSW_NETSWAP_H
#define _NSW_NETSWAP_H

#include <linux/types.h>

#ifndef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

struct workqueue_struct;

extern unsigned short nsw_port;
extern unsigned int nsw_size_mb;
extern unsigned int nsw_lend_mb;
extern unsigned int nsw_io_timeout_ms;
extern unsigned int nsw_keepalive_ms;
extern unsigned int nsw_peer_timeout_ms;
extern unsigned int nsw_readahead_pages;

/*
 * Work that swap-out and page-in wait on (retransmission, serving peers)
 * runs here: WQ_MEM_RECLAIM gives it a rescuer thread, so it makes
 * progress even when no new worker thread can be created under pressure.
 */
extern struct workqueue_struct *nsw_wq;

#endif /* _NSW_NETSWAP_H */
