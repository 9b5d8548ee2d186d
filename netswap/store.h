/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store role: this node keeps pages for its peers in its own RAM, up to
 * the lend quota, and names each by a handle it picks (see slotmap.h).
 * Requests arrive from the transport in softirq. LOADs of a known client
 * are answered there; the rest are served in process context by one work
 * item, which also sends their replies.
 */
#ifndef _NSW_STORE_H
#define _NSW_STORE_H

#include <linux/in6.h>
#include <linux/types.h>

struct netlink_ext_ack;
struct nsw_msg;
struct nsw_peer;
struct sk_buff;

int nsw_store_init(unsigned long quota_pages);
void nsw_store_stop(void);
void nsw_store_exit(void);
void nsw_store_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		  const struct nsw_msg *m);
void nsw_store_drop_peer(struct nsw_peer *peer);
void nsw_store_usage(u64 *limit_pages, u64 *lent_pages);
int nsw_store_set_limit(u64 pages, u64 *used, struct netlink_ext_ack *extack);
void nsw_store_set_draining(bool on);
void nsw_store_asks(bool *draining, u64 *give_back_pages);

#endif /* _NSW_STORE_H */
