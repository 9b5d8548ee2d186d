/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs: the device's figures as attributes of its disk,
 * /sys/block/netswap0/<figure>, one value per file, as zram keeps its
 * own. The store's and the peers' figures are in netlink only.
 */
#ifndef _NSW_SYSFS_H
#define _NSW_SYSFS_H

struct attribute_group;

/* For device_add_disk(). */
extern const struct attribute_group *nsw_disk_groups[];

#endif /* _NSW_SYSFS_H */
