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

#include "map.h"
#include "readahead.h"

struct nsw_msg;
struct nsw_peer;
struct sk_buff;
struct sockaddr_in6;

struct nsw_dev {
	struct gendisk *disk;
	struct blk_mq_tag_set set;
	struct nsw_map map;
	struct nsw_ra ra;
	int major;
	unsigned int openers;	/* under disk->open_mutex */
	atomic_t busy;		/* requests in flight */
	struct delayed_work rexmit;
	/* Pages asked of the device, and block requests failed. */
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t discards;
	atomic64_t io_errors;
};

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

/*
 * The device's counters that both sysfs (/sys/kernel/netswap/@file) and
 * netlink (@attr in DEV_GET) show, from one table: a counter added to
 * nsw_dev_counters[] appears in both. netswapctl keeps its own table of
 * the attributes it prints.
 */
struct nsw_dev_counter {
	const char *file;
	int attr;			/* NETSWAP_A_DEV_* */
	size_t off;			/* of its u64 in struct nsw_dev_info */
};

#define NSW_DEV_COUNTERS	8
extern const struct nsw_dev_counter nsw_dev_counters[NSW_DEV_COUNTERS];

static inline u64 nsw_dev_counter(const struct nsw_dev_info *info,
				  unsigned int i)
{
	return *(const u64 *)((const char *)info + nsw_dev_counters[i].off);
}

int nsw_disk_init(u64 size_bytes);
void nsw_disk_exit(void);
void nsw_disk_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		 const struct nsw_msg *m);
void nsw_disk_info(struct nsw_dev_info *info);
void nsw_disk_forget_peer(struct nsw_peer *peer);
unsigned int nsw_disk_handles(struct nsw_peer *peer, u64 *pos,
			      __be64 *out, unsigned int max);

#endif /* _NSW_DISK_H */
