// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Control requests
 *
 * A control request (ctl.h) takes a number in the peer's send window
 * like any page op, and keeps it across retransmissions, so the store
 * carries it out once however often it arrives. The reply, in softirq,
 * claims it with a cmpxchg on tx.inflight; so does the requester when it
 * gives up, and only the winner completes it.
 */
#include "netswap.h"

#include <linux/delay.h>
#include <linux/jiffies.h>

#include "ctl.h"
#include "map.h"
#include "peer.h"
#include "transport.h"

#define NSW_CTL_TRIES		5
#define NSW_CTL_FIRST_WAIT	(HZ / 5)
/* How long a request waits for room in the send window: 2 s in all. */
#define NSW_CTL_ROOM_TRIES	100
#define NSW_CTL_ROOM_WAIT_MS	20

void nsw_ctl_init(struct nsw_ctl *ctl)
{
	mutex_init(&ctl->lock);
	init_completion(&ctl->done);
}

/* Waits for room in @peer's window; false if it stays full or goes down. */
static bool nsw_ctl_start(struct nsw_peer *peer, u64 *seq)
{
	unsigned int i;

	for (i = 0; i < NSW_CTL_ROOM_TRIES; i++) {
		if (nsw_peer_down(peer))
			return false;
		if (!nsw_sendwin_start(peer, &peer->ctl_tx, 0, seq))
			return true;
		msleep(NSW_CTL_ROOM_WAIT_MS);
	}
	return false;
}

/*
 * Sends request @type with @handle and @payload. Returns 0 once the peer
 * acknowledged it, *@reply (if not NULL) being the reply's handle;
 * -EHOSTDOWN, -ETIMEDOUT, -ESTALE (its session ended) or -EIO otherwise.
 */
int nsw_ctl_request(struct nsw_peer *peer, u8 type, u64 handle,
		    const void *payload, u32 len, u64 *reply)
{
	struct nsw_ctl *ctl = &peer->ctl;
	unsigned long wait = NSW_CTL_FIRST_WAIT;
	int try, err = -ETIMEDOUT;
	bool answered = false;
	struct nsw_hdr hdr;
	struct kvec vec[2];
	u32 sess;
	u64 seq;

	mutex_lock(&ctl->lock);
	sess = atomic_read(&peer->session);
	reinit_completion(&ctl->done);
	/* Only a reply of its type ends it (nsw_request_reply()). */
	peer->ctl_tx.type = type;
	if (!nsw_ctl_start(peer, &seq)) {
		err = -EHOSTDOWN;
		goto out;
	}
	nsw_hdr_encode(&hdr, type, 0, seq, handle, len);
	vec[0].iov_base = &hdr;
	vec[0].iov_len = NSW_HDR_LEN;
	vec[1].iov_base = (void *)payload;
	vec[1].iov_len = len;

	for (try = 0; try < NSW_CTL_TRIES; try++, wait *= 2) {
		if (try)
			atomic64_inc(&peer->retransmitted_requests);
		nsw_peer_send(peer, vec, len ? 2 : 1);
		if (wait_for_completion_timeout(&ctl->done, wait)) {
			answered = true;
			break;
		}
		if (nsw_peer_down(peer))
			break;
		/*
		 * Its session ended: no answer will be taken (session.c).
		 * Let go at once, not after every try: beginning the next
		 * session waits for this lock.
		 */
		if (type != NSW_MSG_RESET && atomic_read(&peer->session) != sess) {
			err = -ESTALE;
			break;
		}
	}
	/* Not answered: withdraw, unless the reply is completing it now. */
	if (!answered &&
	    atomic64_cmpxchg(&peer->ctl_tx.inflight, seq, 0) != seq) {
		wait_for_completion(&ctl->done);
		answered = true;
	}
	if (answered)
		err = ctl->status == NSW_ST_OK ? 0 : -EIO;
	else if (nsw_peer_down(peer))
		err = -EHOSTDOWN;
	if (!err && reply)
		*reply = ctl->handle;
	nsw_sendwin_end(peer, seq);
out:
	mutex_unlock(&ctl->lock);
	return err;
}

/*
 * Numbers a request of @type for @peer on @tx and sends it, without
 * waiting: 0, or -EHOSTDOWN, or -EBUSY while the window has no room.
 * Its reply goes to nsw_map_free_rx().
 */
int nsw_ctl_send(struct nsw_peer *peer, struct nsw_tx *tx, u8 type,
		 const void *payload, u32 len, u64 *seq)
{
	if (nsw_peer_down(peer))
		return -EHOSTDOWN;
	tx->type = type;
	if (nsw_sendwin_start(peer, tx, 0, seq))
		return -EBUSY;
	nsw_ctl_resend(peer, type, payload, len, *seq);
	return 0;
}

/* Sends request @seq (again): the same number, so the store does it once. */
void nsw_ctl_resend(struct nsw_peer *peer, u8 type, const void *payload,
		    u32 len, u64 seq)
{
	struct nsw_hdr hdr;
	struct kvec vec[2] = {
		{ .iov_base = &hdr, .iov_len = NSW_HDR_LEN },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	nsw_hdr_encode(&hdr, type, 0, seq, 0, len);
	nsw_peer_send(peer, vec, len ? 2 : 1);
}

/*
 * Gives up request @seq sent with nsw_ctl_send() and frees its number.
 * False if its reply won it: the reply then ends it.
 */
bool nsw_ctl_withdraw(struct nsw_peer *peer, struct nsw_tx *tx, u64 seq)
{
	if (atomic64_cmpxchg(&tx->inflight, seq, 0) != seq)
		return false;
	nsw_sendwin_end(peer, seq);
	return true;
}

/* For a reply that found @tx (a control request) in the window. */
void nsw_ctl_rx(struct nsw_peer *peer, struct nsw_tx *tx,
		const struct nsw_msg *m)
{
	lockdep_assert_in_softirq();
	if (atomic64_cmpxchg(&tx->inflight, m->req_id, 0) != m->req_id)
		return;
	if (tx != &peer->ctl_tx) {
		nsw_sendwin_end(peer, m->req_id);
		nsw_map_free_rx(tx, m->status);
		return;
	}
	peer->ctl.status = m->status;
	peer->ctl.handle = m->handle;
	complete(&peer->ctl.done);
}
