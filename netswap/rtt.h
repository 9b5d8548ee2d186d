/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: Round-trip time and loss detection
 *
 * Retransmission timeout from measured round trips, after RFC 6298: a
 * smoothed RTT and its mean deviation, sampled only from requests that
 * were answered on their first transmission (Karn). And loss detection
 * by overtaking, after RACK (RFC 8985): a request is lost once one sent
 * after it was answered and it has waited a round trip and a reordering
 * window more, long before its timeout. Overtaking is judged within one
 * kind of request at a time, of those a peer answers in the order they
 * came: its store worker takes STOREs in order, and it answers LOADs
 * at once in softirq, so a LOAD passes STOREs queued there without any
 * loss. Pure code (pure.h); the caller serialises updates, readers may
 * race them (a stale value only moves a retransmission by a round trip).
 */
#ifndef _NSW_RTT_H
#define _NSW_RTT_H

#include "pure.h"

#define NSW_RTO_INITIAL_US	500000U		/* before the first sample */
#define NSW_RTO_MIN_US		50000U
#define NSW_RTO_MAX_US		4000000U

enum nsw_rtt_kind {
	NSW_RTT_STORE,
	NSW_RTT_LOAD,
	NSW_RTT_KINDS
};

struct nsw_rtt {
	u32 srtt_us;		/* 0: no sample yet */
	u32 rttvar_us;
	u32 rto_us;
	/* Per kind: when the latest-sent one answered on its first try left. */
	u64 delivered_ns[NSW_RTT_KINDS];
};

void nsw_rtt_init(struct nsw_rtt *r);
void nsw_rtt_sample(struct nsw_rtt *r, u32 sample_us);
u32 nsw_rtt_timeout(const struct nsw_rtt *r, unsigned int tries);
void nsw_rtt_delivered(struct nsw_rtt *r, enum nsw_rtt_kind kind,
		       u64 sent_ns);
bool nsw_rtt_overtaken(const struct nsw_rtt *r, enum nsw_rtt_kind kind,
		       u64 sent_ns, u64 now_ns);

#endif /* _NSW_RTT_H */
