// SPDX-License-Identifier: GPL-2.0
/*
 * STORE congestion window, see cwnd.h.
 */
#include "cwnd.h"

void nsw_cwnd_init(struct nsw_cwnd *w)
{
	w->cwnd = NSW_CWND_INIT;
	w->ssthresh = NSW_CWND_MAX;
	w->inflight = 0;
	w->acked = 0;
	w->recover = 0;
	w->waiting = false;
}

/* A place for one more page in flight; false (remembered) if none. */
bool nsw_cwnd_take(struct nsw_cwnd *w)
{
	if (w->inflight >= w->cwnd) {
		w->waiting = true;
		return false;
	}
	w->inflight++;
	return true;
}

/* Undoes the last nsw_cwnd_take(): the page was not sent after all. */
void nsw_cwnd_cancel(struct nsw_cwnd *w)
{
	if (w->inflight)
		w->inflight--;
}

/*
 * A page in flight is done: @answered by the peer, or given up. Returns
 * true if someone was refused a place since the last such true: the
 * caller wakes whoever sends the pages that wait.
 */
bool nsw_cwnd_put(struct nsw_cwnd *w, bool answered)
{
	bool wake = w->waiting;

	if (w->inflight)
		w->inflight--;
	w->waiting = false;
	if (!answered)
		return wake;
	if (w->cwnd < w->ssthresh) {
		w->cwnd++;
	} else if (++w->acked >= w->cwnd) {
		w->acked = 0;
		w->cwnd++;
	}
	if (w->cwnd > NSW_CWND_MAX)
		w->cwnd = NSW_CWND_MAX;
	return wake;
}

/*
 * Request @seq timed out, and @next is the number the next request will
 * get. Returns true if that began a loss episode and cut the window.
 */
bool nsw_cwnd_loss(struct nsw_cwnd *w, u64 seq, u64 next)
{
	if (seq < w->recover)
		return false;
	w->ssthresh = w->cwnd / 2;
	if (w->ssthresh < NSW_CWND_MIN)
		w->ssthresh = NSW_CWND_MIN;
	w->cwnd = w->ssthresh;
	w->acked = 0;
	w->recover = next;
	return true;
}
