/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/netswap0, the client role's block device: a blk-mq disk whose
 * pages live on peers.
 */
#ifndef _NSW_DISK_H
#define _NSW_DISK_H

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/workqueue.h>

#include "figures.h"
#include "map.h"
#include "readahead.h"
#include "rerep.h"

struct nsw_msg;
struct nsw_peer;
struct sk_buff;
struct sockaddr_in6;

struct nsw_dev {
	struct gendisk *disk;
	struct blk_mq_tag_set set;
	struct nsw_map map;
	struct nsw_ra ra;
	struct nsw_rerep rerep;
	int major;
	unsigned int openers;	/* under disk->open_mutex */
	atomic_t busy;		/* requests in flight */
	struct delayed_work rexmit;
	/* Pages asked of the device, and block requests failed. */
	atomic64_t read_pages;
	atomic64_t written_pages;
	atomic64_t discarded_pages;
	atomic64_t failed_requests;
};

/* The device's figures (NSW_DEV_FIGURES); name NULL: no device. */
struct nsw_dev_info {
	NSW_SNAPSHOT(NSW_DEV_FIGURES)
};

int nsw_disk_init(u64 size_bytes);
void nsw_disk_exit(void);
void nsw_disk_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		 const struct nsw_msg *m);
void nsw_disk_info(struct nsw_dev_info *info);
void nsw_disk_forget_peer(struct nsw_peer *peer);
unsigned int nsw_disk_handles(struct nsw_peer *peer, u64 *pos,
			      __be64 *out, unsigned int max);

#endif /* _NSW_DISK_H */
