/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels netswap builds for (Debian 6.1 and 6.12),
 * kept in one place so the rest of the code reads as if there were one.
 */
#ifndef _NSW_COMPAT_H
#define _NSW_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

/* Queue limits every netswap disk gets. */
struct nsw_disk_limits {
	unsigned int block_size;	/* logical = physical = DMA unit */
	unsigned int max_sectors;	/* largest request */
	unsigned int max_discard_sectors;
};

/*
 * NSW_HAVE_BLK_FEATURES: queue limits carry BLK_FEAT_* flags and are
 * passed to blk_mq_alloc_disk() (6.11+). Kbuild probes the target
 * kernel's headers for it rather than trusting version numbers, which
 * distribution kernels bend.
 */
#ifdef NSW_HAVE_BLK_FEATURES

static inline struct gendisk *
nsw_alloc_disk(struct blk_mq_tag_set *set, const struct nsw_disk_limits *l,
	       void *queuedata)
{
	struct queue_limits lim = {
		.logical_block_size	= l->block_size,
		.physical_block_size	= l->block_size,
		.io_min			= l->block_size,
		.dma_alignment		= l->block_size - 1,
		.max_hw_sectors		= l->max_sectors,
		.max_hw_discard_sectors	= l->max_discard_sectors,
		.discard_granularity	= l->block_size,
		/* Retransmission reads the page again: it must not change. */
		.features		= BLK_FEAT_STABLE_WRITES,
	};

	return blk_mq_alloc_disk(set, &lim, queuedata);
}

#else

static inline struct gendisk *
nsw_alloc_disk(struct blk_mq_tag_set *set, const struct nsw_disk_limits *l,
	       void *queuedata)
{
	struct gendisk *disk = blk_mq_alloc_disk(set, queuedata);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_logical_block_size(q, l->block_size);
	blk_queue_physical_block_size(q, l->block_size);
	blk_queue_io_min(q, l->block_size);
	blk_queue_dma_alignment(q, l->block_size - 1);
	blk_queue_max_hw_sectors(q, l->max_sectors);
	blk_queue_max_discard_sectors(q, l->max_discard_sectors);
	q->limits.discard_granularity = l->block_size;
	blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	return disk;
}

#endif

/*
 * The block_device_operations open and release of the target kernel,
 * calling nsw_disk_open() and nsw_disk_release() (disk.c) with the disk. Since
 * 6.5 (NSW_HAVE_BLK_MODE) they are passed the disk and a blk_mode_t,
 * before that the bdev (or the disk) and an fmode_t.
 */
int nsw_disk_open(struct gendisk *disk);
void nsw_disk_release(struct gendisk *disk);

#ifdef NSW_HAVE_BLK_MODE

static inline int nsw_bdev_open(struct gendisk *disk, blk_mode_t mode)
{
	return nsw_disk_open(disk);
}

static inline void nsw_bdev_release(struct gendisk *disk)
{
	nsw_disk_release(disk);
}

#else

static inline int nsw_bdev_open(struct block_device *bdev, fmode_t mode)
{
	return nsw_disk_open(bdev->bd_disk);
}

static inline void nsw_bdev_release(struct gendisk *disk, fmode_t mode)
{
	nsw_disk_release(disk);
}

#endif

typedef unsigned long (*nsw_shrink_fn)(struct shrinker *s,
				      struct shrink_control *sc);

/*
 * A registered shrinker, or NULL. Since 6.7 (NSW_HAVE_SHRINKER_ALLOC)
 * the kernel allocates it; before that the caller does and registers it
 * with a name.
 */
#ifdef NSW_HAVE_SHRINKER_ALLOC

static inline struct shrinker *nsw_shrinker_create(nsw_shrink_fn count,
						   nsw_shrink_fn scan,
						   const char *name)
{
	struct shrinker *s = shrinker_alloc(0, "%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	shrinker_register(s);
	return s;
}

static inline void nsw_shrinker_destroy(struct shrinker *s)
{
	if (s)
		shrinker_free(s);
}

#else

static inline struct shrinker *nsw_shrinker_create(nsw_shrink_fn count,
						   nsw_shrink_fn scan,
						   const char *name)
{
	struct shrinker *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
	return s;
}

static inline void nsw_shrinker_destroy(struct shrinker *s)
{
	if (!s)
		return;
	unregister_shrinker(s);
	kfree(s);
}

#endif

#endif /* _NSW_COMPAT_H */
