// SPDX-License-Identifier: GPL-2.0
/*
 * Control requests, see ctl.h. nsw_ctl.mutex serialises requesters; the
 * reply, in softirq, claims the outstanding req_id with a cmpxchg so a
 * late duplicate cannot complete the next request.
 */
#include "netswap.h"

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/jiffies.h>

#include "ctl.h"
#include "peer.h"
#include "transport.h"

#define NSW_CTL_TRIES		5
#define NSW_CTL_FIRST_WAIT	(HZ / 5)

static struct {
	struct mutex mutex;	/* one request at a time */
	atomic64_t req_id;	/* outstanding request, 0 if none */
	atomic64_t gen;
	const struct nsw_peer *peer;
	u8 status;
	struct completion done;
} nsw_ctl = {
	.mutex = __MUTEX_INITIALIZER(nsw_ctl.mutex),
	.done = COMPLETION_INITIALIZER(nsw_ctl.done),
};

/* Returns 0 once the peer acknowledged, -ETIMEDOUT or -EIO otherwise. */
int nsw_ctl_request(struct nsw_peer *peer, u8 type, const void *payload,
		    u32 len)
{
	unsigned long wait = NSW_CTL_FIRST_WAIT;
	struct nsw_hdr hdr;
	struct kvec vec[2];
	int try, err = -ETIMEDOUT;
	u64 id;

	mutex_lock(&nsw_ctl.mutex);
	nsw_ctl.peer = peer;
	for (try = 0; try < NSW_CTL_TRIES; try++, wait *= 2) {
		/* A fresh id per try: a reply to an old try is as good. */
		id = atomic64_inc_return(&nsw_ctl.gen) << 12 | NSW_REQ_CTL;
		reinit_completion(&nsw_ctl.done);
		atomic64_set(&nsw_ctl.req_id, id);

		nsw_hdr_encode(&hdr, type, 0, id, 0, len);
		vec[0].iov_base = &hdr;
		vec[0].iov_len = NSW_HDR_LEN;
		vec[1].iov_base = (void *)payload;
		vec[1].iov_len = len;
		nsw_send(&peer->addr, vec, len ? 2 : 1, NSW_HDR_LEN + len);

		if (wait_for_completion_timeout(&nsw_ctl.done, wait)) {
			err = nsw_ctl.status == NSW_ST_OK ? 0 : -EIO;
			break;
		}
		atomic64_inc(&peer->retransmits);
	}
	atomic64_set(&nsw_ctl.req_id, 0);
	nsw_ctl.peer = NULL;
	mutex_unlock(&nsw_ctl.mutex);
	return err;
}

/* Softirq. Returns false for a reply to nothing we are waiting for. */
bool nsw_ctl_rx(const struct sockaddr_in6 *from, const struct nsw_msg *m)
{
	const struct nsw_peer *peer = READ_ONCE(nsw_ctl.peer);

	if (!peer || m->req_id != (u64)atomic64_read(&nsw_ctl.req_id) ||
	    !nsw_addr_equal(from, &peer->addr))
		return false;
	if (atomic64_cmpxchg(&nsw_ctl.req_id, m->req_id, 0) != m->req_id)
		return false;
	nsw_ctl.status = m->status;
	complete(&nsw_ctl.done);
	return true;
}
