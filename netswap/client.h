/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client role: /dev/netswap0, a blk-mq disk whose pages live on peers.
 */
#ifndef _NSW_CLIENT_H
#define _NSW_CLIENT_H

#include <linux/in6.h>
#include <linux/skbuff.h>

#include "wire.h"

struct nsw_peer;

struct nsw_dev_info {
	const char *name;	/* NULL: no device */
	u64 size;
	u64 mapped;
	u32 openers;
	u8 state;			/* enum netswap_dev_state */
	u64 reads, writes, discards;	/* pages */
	u64 io_errors;			/* block requests */
	u64 ra_loads, ra_hits, ra_unused;	/* readahead.h, pages */
};

int nsw_client_init(u64 size_bytes);
void nsw_client_exit(void);
void nsw_client_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		   const struct nsw_msg *m);
void nsw_client_info(struct nsw_dev_info *info);
int nsw_client_reset_peer(struct nsw_peer *peer);

#endif /* _NSW_CLIENT_H */
