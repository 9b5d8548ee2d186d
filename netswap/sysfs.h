/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs: /sys/kernel/netswap/peers/ADDR:PORT/ for each peer this node
 * swaps to, with its state, limits and counters, and the node-wide device
 * and store figures in /sys/kernel/netswap/; one value per file.
 */
#ifndef _NSW_SYSFS_H
#define _NSW_SYSFS_H

struct nsw_peer;

int nsw_sysfs_init(void);
void nsw_sysfs_exit(void);
int nsw_sysfs_global_add(void);
void nsw_sysfs_global_del(void);
int nsw_sysfs_peer_add(struct nsw_peer *peer);
void nsw_sysfs_peer_del(struct nsw_peer *peer);

#endif /* _NSW_SYSFS_H */
