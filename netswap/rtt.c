// SPDX-License-Identifier: GPL-2.0
/*
 * RTO estimation, see rtt.h. The floor is well under RFC 6298's 1 s: peers
 * share a LAN, and a swap page-in that waits a second for a lost datagram
 * stalls a process. The ceiling bounds how long one loss can stall it.
 */
#include "rtt.h"

static u32 nsw_clamp_rto(u64 us)
{
	if (us < NSW_RTO_MIN_US)
		return NSW_RTO_MIN_US;
	if (us > NSW_RTO_MAX_US)
		return NSW_RTO_MAX_US;
	return (u32)us;
}

void nsw_rtt_init(struct nsw_rtt *r)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->rto_us = NSW_RTO_INITIAL_US;
	memset(r->delivered_ns, 0, sizeof(r->delivered_ns));
}

void nsw_rtt_sample(struct nsw_rtt *r, u32 sample_us)
{
	u32 delta;

	if (!sample_us)
		sample_us = 1;
	if (!r->srtt_us) {
		r->srtt_us = sample_us;
		r->rttvar_us = sample_us / 2;
	} else {
		delta = r->srtt_us > sample_us ? r->srtt_us - sample_us :
						 sample_us - r->srtt_us;
		/* rttvar = 3/4 rttvar + 1/4 |srtt - R|; srtt = 7/8 srtt + 1/8 R */
		r->rttvar_us = r->rttvar_us - r->rttvar_us / 4 + delta / 4;
		r->srtt_us = r->srtt_us - r->srtt_us / 8 + sample_us / 8;
		if (!r->srtt_us)
			r->srtt_us = 1;
	}
	r->rto_us = nsw_clamp_rto((u64)r->srtt_us + 4ULL * r->rttvar_us);
}

/* The timeout for a request sent @tries times already: doubled per try. */
u32 nsw_rtt_timeout(const struct nsw_rtt *r, unsigned int tries)
{
	return nsw_clamp_rto((u64)r->rto_us << (tries < 16 ? tries : 16));
}

/*
 * A request of @kind sent at @sent_ns was answered on its first
 * transmission, so the path delivered everything of that kind sent
 * before it that was going to arrive in order.
 */
void nsw_rtt_delivered(struct nsw_rtt *r, enum nsw_rtt_kind kind,
		       u64 sent_ns)
{
	if (sent_ns > r->delivered_ns[kind])
		r->delivered_ns[kind] = sent_ns;
}

/*
 * Is the request of @kind last sent at @sent_ns, still unanswered at
 * @now_ns, lost? Yes if one of its kind sent after it was answered and
 * it has waited srtt and a quarter more: the quarter is RACK's
 * reordering window, room for answers to come back slightly out of
 * order.
 */
bool nsw_rtt_overtaken(const struct nsw_rtt *r, enum nsw_rtt_kind kind,
		       u64 sent_ns, u64 now_ns)
{
	u64 wait = ((u64)r->srtt_us + r->srtt_us / 4) * 1000;

	if (!r->srtt_us || !sent_ns || r->delivered_ns[kind] <= sent_ns)
		return false;
	return now_ns >= sent_ns + wait;
}
