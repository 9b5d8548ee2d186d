// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/netswap0: the client role's block device, whose pages live on
 * peers. Its gendisk and tag set, and its counters; request.c carries
 * out its requests and rexmit.c retransmits them.
 */
#include "netswap.h"

#include <linux/module.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>

#include "compat.h"
#include "disk.h"
#include "map.h"
#include "peer.h"
#include "readahead.h"
#include "request.h"
#include "rerep.h"
#include "rexmit.h"
#include "session.h"
#include "sysfs.h"
#include "transport.h"
#include "uapi/netswap.h"

/*
 * Two hardware queues of NSW_QUEUE_DEPTH requests of up to NSW_MAX_OPS
 * pages: one for reads, one for writes and the rest, so a page-in never
 * waits for a request slot that swap-outs hold. Deep enough that reclaim
 * does not wait for slots on a lossy link; shallow enough to bound what
 * its writes take from the emergency reserves (bench/NOTES.md).
 */
enum { NSW_HCTX_WRITE, NSW_HCTX_READ, NSW_NR_HCTX };
#define NSW_QUEUE_DEPTH		32

/* The device, or NULL; only the entry points from outside read it. */
static struct nsw_dev *nsw_dev;

static blk_status_t nsw_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	struct nsw_dev *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	blk_status_t st;

	blk_mq_start_request(rq);
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
	case REQ_OP_DRV_IN:	/* rerep.c's */
	case REQ_OP_DRV_OUT:
		return nsw_dispatch(dev, rq);
	case REQ_OP_FLUSH:
		/* A page is in the peer's RAM once acknowledged. */
		st = BLK_STS_OK;
		break;
	case REQ_OP_DISCARD:
		atomic64_add(blk_rq_bytes(rq) >> PAGE_SHIFT, &dev->discarded_pages);
		nsw_map_discard(&dev->map,
				blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT),
				blk_rq_bytes(rq) >> PAGE_SHIFT);
		nsw_ra_forget(&dev->ra,
			      blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT),
			      blk_rq_bytes(rq) >> PAGE_SHIFT);
		st = BLK_STS_OK;
		break;
	default:
		st = BLK_STS_NOTSUPP;
		break;
	}
	blk_mq_end_request(rq, st);
	return BLK_STS_OK;
}

static void nsw_swap_slot_free_notify(struct block_device *bdev,
				      unsigned long offset)
{
	struct nsw_dev *dev = bdev->bd_disk->private_data;

	/*
	 * Under the swap device's locks, and from free_swap_slot() with
	 * interrupts off: nothing here sleeps or enables BH. Only marks the
	 * page; the free worker does the rest.
	 */
	atomic64_inc(&dev->discarded_pages);
	nsw_map_discard(&dev->map, offset, 1);
	nsw_ra_forget(&dev->ra, offset, 1);
}

/*
 * Swap on the device is open, and reclaim may wait for the replies to
 * its writes: receive them from the reserves if need be, until the last
 * opener closes (transport.c).
 */
int nsw_disk_open(struct gendisk *disk)
{
	struct nsw_dev *dev = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	if (!dev->openers++)
		nsw_transport_memalloc(true);
	return 0;
}

void nsw_disk_release(struct gendisk *disk)
{
	struct nsw_dev *dev = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	if (!--dev->openers)
		nsw_transport_memalloc(false);
}

static const struct block_device_operations nsw_fops = {
	.owner			= THIS_MODULE,
	.open			= nsw_bdev_open,
	.release		= nsw_bdev_release,
	.swap_slot_free_notify	= nsw_swap_slot_free_notify,
};

/* Once per request slot, for the tag set's lifetime. */
static int nsw_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	unsigned int i;

	for (i = 0; i < NSW_CMD_OPS; i++)
		spin_lock_init(&cmd->ops[i].chunk_lock);
	return 0;
}

/* Reads to the read queue; writes, discards and flushes to the other. */
static const unsigned int nsw_hctx_of_type[] = {
	[HCTX_TYPE_DEFAULT]	= NSW_HCTX_WRITE,
	[HCTX_TYPE_READ]	= NSW_HCTX_READ,
};

static void nsw_map_queues(struct blk_mq_tag_set *set)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nsw_hctx_of_type); i++) {
		set->map[i].nr_queues = 1;
		set->map[i].queue_offset = nsw_hctx_of_type[i];
		blk_mq_map_queues(&set->map[i]);
	}
}

static const struct blk_mq_ops nsw_mq_ops = {
	.queue_rq	= nsw_queue_rq,
	.init_request	= nsw_init_request,
	.map_queues	= nsw_map_queues,
};

/* From the transport's receive callback: a reply to the client role. */
void nsw_disk_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		 const struct nsw_msg *m)
{
	nsw_request_rx(READ_ONCE(nsw_dev), skb, from, m);
}

void nsw_disk_info(struct nsw_dev_info *info)
{
	struct nsw_dev *dev = nsw_dev;

	memset(info, 0, sizeof(*info));
	info->state = NETSWAP_DEV_NONE;
	if (!dev)
		return;
	info->name = dev->disk->disk_name;
	info->size_bytes = get_capacity(dev->disk) << SECTOR_SHIFT;
	info->mapped_pages = atomic64_read(&dev->map.mapped);
	info->openers = disk_openers(dev->disk);
	info->state = info->openers ? NETSWAP_DEV_OPEN : NETSWAP_DEV_IDLE;
	info->read_pages = atomic64_read(&dev->read_pages);
	info->written_pages = atomic64_read(&dev->written_pages);
	info->discarded_pages = atomic64_read(&dev->discarded_pages);
	info->failed_requests = atomic64_read(&dev->failed_requests);
	info->readahead_loaded_pages = atomic64_read(&dev->ra.loaded_pages);
	info->readahead_hit_pages = atomic64_read(&dev->ra.hit_pages);
	info->readahead_unused_pages = atomic64_read(&dev->ra.unused_pages);
	info->replicas = nsw_replicas_now();
	info->degraded_pages = atomic64_read(&dev->rerep.degraded_pages);
	info->copied_pages = atomic64_read(&dev->rerep.copied_pages);
	info->dropped_pages = atomic64_read(&dev->rerep.dropped_pages);
}

/*
 * A session with @peer is to begin, or @peer leaves the table: the pages
 * of the last session are lost (the store restarted), or there are none.
 */
void nsw_disk_forget_peer(struct nsw_peer *peer)
{
	struct nsw_dev *dev = READ_ONCE(nsw_dev);
	u64 n;

	if (!dev)
		return;
	n = nsw_map_forget_peer(&dev->map, peer->idx);
	if (!n)
		return;
	pr_info("%pISpc: %llu pages of ours there marked lost\n",
		&peer->shown, n);
	nsw_rerep_kick(dev);
}

/*
 * Process context, for an audit (audit.h): the handles of up to @max
 * pages of ours on @peer in its current session, from page *@pos on.
 */
unsigned int nsw_disk_handles(struct nsw_peer *peer, u64 *pos,
			      __be64 *out, unsigned int max)
{
	struct nsw_dev *dev = READ_ONCE(nsw_dev);

	return dev ? nsw_map_handles(&dev->map, peer, pos, out, max) : 0;
}

int nsw_disk_init(u64 size_bytes)
{
	const struct nsw_disk_limits lim = {
		.block_size		= PAGE_SIZE,
		.max_sectors		= NSW_MAX_OPS * (PAGE_SIZE >> SECTOR_SHIFT),
		.max_discard_sectors	= UINT_MAX >> SECTOR_SHIFT,
	};
	struct nsw_dev *dev;
	struct gendisk *disk;
	int err;

	/*
	 * Requests never wait for numbers in the peer's window: a request
	 * has at most one op per page with each peer (copies go to
	 * distinct peers).
	 */
	BUILD_BUG_ON(NSW_NR_HCTX * NSW_QUEUE_DEPTH * NSW_MAX_OPS +
		     NSW_RA_SLOTS > NSW_SEQ_WINDOW);
	if (!size_bytes)
		return 0;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	nsw_rexmit_init(dev);

	err = nsw_map_init(&dev->map, size_bytes >> PAGE_SHIFT);
	if (err)
		goto err_free;
	err = nsw_ra_init(&dev->ra);
	if (err)
		goto err_map;
	err = nsw_rerep_init(dev);
	if (err)
		goto err_ra;

	dev->major = register_blkdev(0, "netswap");
	if (dev->major < 0) {
		err = dev->major;
		goto err_rerep;
	}

	dev->set.ops = &nsw_mq_ops;
	dev->set.nr_hw_queues = NSW_NR_HCTX;
	dev->set.nr_maps = ARRAY_SIZE(nsw_hctx_of_type);
	dev->set.queue_depth = NSW_QUEUE_DEPTH;
	dev->set.numa_node = NUMA_NO_NODE;
	dev->set.cmd_size = sizeof(struct nsw_cmd);
	/*
	 * BLOCKING: blk-mq then calls nsw_queue_rq() only from a task,
	 * whose flags tell nsw_dispatch() whether it is reclaiming; nothing
	 * there sleeps (nsw_send() allocates GFP_ATOMIC).
	 * No I/O scheduler: there is no seek to save, the plug already
	 * merges a swap-out's neighbouring pages, reads have their own
	 * queue, and on 6.1 a scheduler makes every dispatch of a BLOCKING
	 * queue a trip through kblockd (bench/NOTES.md, steps 24 and 27).
	 */
	dev->set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
			 BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	dev->set.driver_data = dev;
	err = blk_mq_alloc_tag_set(&dev->set);
	if (err)
		goto err_blkdev;

	disk = nsw_alloc_disk(&dev->set, &lim, dev);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto err_tags;
	}
	dev->disk = disk;
	disk->major = dev->major;
	disk->first_minor = 0;
	disk->minors = 1;
	disk->fops = &nsw_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "netswap0");
	set_capacity(disk, size_bytes >> SECTOR_SHIFT);

	WRITE_ONCE(nsw_dev, dev);
	err = device_add_disk(NULL, disk, nsw_disk_groups);
	if (err)
		goto err_disk;
	nsw_rerep_start(dev);
	pr_info("%s: %llu MiB\n", disk->disk_name, size_bytes >> 20);
	return 0;

err_disk:
	WRITE_ONCE(nsw_dev, NULL);
	/* The transport is up: a reply may be reading the device. */
	synchronize_net();
	put_disk(disk);
err_tags:
	blk_mq_free_tag_set(&dev->set);
err_blkdev:
	unregister_blkdev(dev->major, "netswap");
err_rerep:
	nsw_rerep_destroy(dev);
err_ra:
	nsw_ra_destroy(&dev->ra);
err_map:
	nsw_map_destroy(&dev->map);
err_free:
	kfree(dev);
	return err;
}

static int nsw_reset_one(struct nsw_peer *peer, void *arg)
{
	struct nsw_peer **list = arg;

	if (atomic64_read(&peer->placed_pages) || atomic64_read(&peer->tx_store_pages))
		list[peer->idx] = nsw_peer_get_rcu(peer);
	return 0;
}

/*
 * The module is going away and the disk is closed (the block layer holds
 * a module reference while it is open): free what we placed on peers.
 */
void nsw_disk_exit(void)
{
	struct nsw_peer *list[NSW_MAX_PEERS] = {};
	struct nsw_dev *dev = nsw_dev;
	unsigned int i;

	if (!dev)
		return;
	nsw_rerep_stop(dev);
	del_gendisk(dev->disk);
	nsw_rexmit_stop(dev);
	nsw_map_flush(&dev->map);

	nsw_peer_for_each(nsw_reset_one, list, 0);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		if (!list[i])
			continue;
		if (nsw_session_reset(list[i], NULL))
			pr_warn("%pISpc did not confirm dropping our pages\n",
				&list[i]->shown);
		nsw_peer_put(list[i]);
	}

	WRITE_ONCE(nsw_dev, NULL);
	synchronize_net();	/* no reply handler still looks at dev */
	nsw_rerep_destroy(dev);
	nsw_ra_destroy(&dev->ra);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->set);
	unregister_blkdev(dev->major, "netswap");
	nsw_map_destroy(&dev->map);
	kfree(dev);
}

