// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Ending and beginning a session
 *
 * Ending a session is immediate, from the reply that shows it (softirq):
 * from then on no reply but a RESET_ACK is taken from that store, and no
 * map entry of the session is used. Beginning the next one is process
 * work (the liveness worker, or peer add): first the map forgets every
 * page of the last session, then a RESET, then the new word is published.
 */
#include "netswap.h"

#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>

#include "session.h"
#include "disk.h"
#include "ctl.h"
#include "events.h"
#include "liveness.h"
#include "map.h"
#include "peer.h"
#include "uapi/netswap.h"

/* Sends a RESET with a nonce of its own; *@reply: the RESET_ACK's handle. */
int nsw_session_reset(struct nsw_peer *peer, u64 *reply)
{
	u64 nonce;

	do
		nonce = get_random_u64();
	while (!nonce);
	return nsw_ctl_request(peer, NSW_MSG_RESET, nonce, NULL, 0, reply);
}

static u32 nsw_session_next(u32 sess, u16 epoch)
{
	u32 nr = (nsw_sess_nr(sess) + 1) << NSW_SESS_NR_SHIFT;

	return NSW_SESS_UP | (nr & NSW_SESS_NR_MASK) | epoch;
}

/*
 * Begins a session with @peer unless one is up; sleeps. Returns 0 once
 * one is, or why the RESET failed.
 */
int nsw_session_begin(struct nsw_peer *peer)
{
	u32 sess;
	u64 reply;
	int err = 0;

	mutex_lock(&peer->sess_lock);
	sess = atomic_read(&peer->session);
	if (nsw_sess_up(sess))
		goto out;
	/* Reply handlers (softirq, RCU readers) that saw it up are done. */
	synchronize_rcu();
	nsw_disk_forget_peer(peer);
	err = nsw_session_reset(peer, &reply);
	if (err)
		goto out;
	if (!nsw_handle_epoch(reply) || !nsw_handle_slot(reply)) {
		pr_warn_ratelimited("%pISpc: RESET_ACK without an epoch or a base\n",
				    &peer->shown);
		err = -EPROTO;
		goto out;
	}
	nsw_sendwin_skip(peer, nsw_handle_slot(reply));
	WRITE_ONCE(peer->sess_base, nsw_handle_slot(reply));
	/* After the map forgot the last session: nsw_session_handle(). */
	atomic_set_release(&peer->session,
			   nsw_session_next(sess, nsw_handle_epoch(reply)));
out:
	mutex_unlock(&peer->sess_lock);
	return err;
}

/*
 * Any context. The session @sess with @peer is over: the store restarted,
 * or forgot us. The liveness worker begins the next one.
 */
void nsw_session_lost(struct nsw_peer *peer, u32 sess)
{
	if (!nsw_sess_up(sess) ||
	    atomic_cmpxchg(&peer->session, sess, sess & ~NSW_SESS_UP) != sess)
		return;
	pr_warn("%pISpc restarted: %llu pages stored there are lost\n",
		&peer->shown, atomic64_read(&peer->placed_pages));
	nsw_event_post(NETSWAP_EVENT_PEER_RESTART, peer);
	nsw_liveness_kick();
}

/*
 * For a reply that answers a request in flight (or a PONG that answers a
 * PING): anything else may be a stray or a forgery, and must not end a
 * session. May reply @m from @peer be taken? Not while no session is up,
 * but for a PONG, which only says the peer is there, and a RESET_ACK,
 * which the request that sent the RESET judges. A reply with another
 * epoch than the session's, or NOSESSION, ends the session.
 */
bool nsw_session_check(struct nsw_peer *peer, const struct nsw_msg *m)
{
	u32 sess = atomic_read_acquire(&peer->session);

	/* A reply handler: nsw_session_begin() waits for it with RCU. */
	lockdep_assert_in_softirq();
	if (m->type == NSW_MSG_RESET_ACK)
		return true;
	/* Numbered before the session began: it tells nothing of it. */
	if (m->type != NSW_MSG_PONG && m->req_id < READ_ONCE(peer->sess_base))
		return false;
	if (nsw_sess_up(sess) &&
	    (m->status == NSW_ST_NOSESSION ||
	     nsw_handle_epoch(m->handle) != nsw_sess_epoch(sess))) {
		nsw_session_lost(peer, sess);
		sess &= ~NSW_SESS_UP;
	}
	return nsw_sess_up(sess) || m->type == NSW_MSG_PONG;
}

/*
 * The handle to send for map entry @entry of @peer's: its slot with the
 * epoch of the session it was stored in, or 0 if that session is over
 * and the store lost the page. Safe from any context: nsw_session_begin()
 * publishes a new session only after the map forgot the entries of the
 * last, so an entry whose number is the session's is of this session.
 */
u64 nsw_session_handle(struct nsw_peer *peer, u64 entry)
{
	u32 sess = atomic_read_acquire(&peer->session);

	if (!nsw_sess_up(sess) || nsw_entry_lost(entry) ||
	    NSW_ENTRY_SESS(entry) != nsw_sess_nr(sess))
		return 0;
	return nsw_handle_make(nsw_sess_epoch(sess), NSW_ENTRY_HANDLE(entry));
}
