/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Retransmission timeout from measured round trips, after RFC 6298: a
 * smoothed RTT and its mean deviation, sampled only from requests that
 * were answered on their first transmission (Karn). Pure code (pure.h);
 * the caller serialises updates.
 */
#ifndef _NSW_RTT_H
#define _NSW_RTT_H

#include "pure.h"

#define NSW_RTO_INITIAL_US	500000U		/* before the first sample */
#define NSW_RTO_MIN_US		50000U
#define NSW_RTO_MAX_US		4000000U

struct nsw_rtt {
	u32 srtt_us;		/* 0: no sample yet */
	u32 rttvar_us;
	u32 rto_us;
};

void nsw_rtt_init(struct nsw_rtt *r);
void nsw_rtt_sample(struct nsw_rtt *r, u32 sample_us);
u32 nsw_rtt_timeout(const struct nsw_rtt *r, unsigned int tries);

#endif /* _NSW_RTT_H */
