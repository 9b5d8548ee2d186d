/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events for the multicast group NETSWAP_MCGRP_EVENTS (netswapctl
 * monitor): peer state changes, limits reached, stores full.
 */
#ifndef _NSW_EVENTS_H
#define _NSW_EVENTS_H

#include <linux/in6.h>
#include <linux/types.h>

struct nsw_peer;

struct nsw_event {
	u8 type;			/* enum netswap_event */
	u8 state;			/* NETSWAP_EVENT_PEER_STATE only */
	bool has_peer;
	struct sockaddr_in6 addr;
};

void nsw_event_post(u8 type, const struct nsw_peer *peer);
void nsw_events_start(void);
void nsw_events_stop(void);

#endif /* _NSW_EVENTS_H */
