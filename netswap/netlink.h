/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink family "netswap"; the API is include/uapi/netswap.h. */
#ifndef _NSW_NETLINK_H
#define _NSW_NETLINK_H

struct nsw_event;

int nsw_genl_init(void);
void nsw_genl_event(const struct nsw_event *ev);
void nsw_genl_exit(void);

#endif /* _NSW_NETLINK_H */
