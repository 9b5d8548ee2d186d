/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs: the node-wide device and store figures in /sys/kernel/netswap/,
 * one value per file. A peer's figures are in netlink only (PEER_GET).
 */
#ifndef _NSW_SYSFS_H
#define _NSW_SYSFS_H

int nsw_sysfs_init(void);
void nsw_sysfs_exit(void);
int nsw_sysfs_global_add(void);
void nsw_sysfs_global_del(void);

#endif /* _NSW_SYSFS_H */
