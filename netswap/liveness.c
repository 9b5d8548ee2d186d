// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Liveness
 *
 * Every valid reply from a peer stamps peer->last_rx. Once per keepalive
 * interval a worker PINGs each configured peer, whose PONG stamps last_rx
 * like any reply and says the store's room and the pages it asks back
 * (so an ask reaches us within one interval), and looks at the peer's
 * silence: past three intervals the peer is suspect (shown, nothing
 * else); past peer_timeout_ms it is down. Requests waiting on a down peer
 * fail at once, new pages go to other peers, and PINGs go on, so the
 * first PONG brings it back up. A peer that answers but asks every page
 * back is draining.
 *
 * A PING's req_id is a fresh random nonce, and only a PONG that echoes
 * one of the last NSW_PING_NONCES counts: anyone can send a datagram from the peer's address.
 * A peer that refused a page as FULL takes new pages again once its PONG
 * says it has room.
 *
 * Only this worker writes peer->state; readers use READ_ONCE(). A work
 * item of its own begins the session with a peer that is up and has none
 * (session.h): at once when a reply ended it, every interval after a
 * RESET failed.
 */
#include "netswap.h"

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/workqueue.h>

#include "liveness.h"
#include "peer.h"
#include "session.h"
#include "events.h"
#include "transport.h"
#include "uapi/netswap.h"

static struct delayed_work nsw_liveness_work;
static struct work_struct nsw_session_work;	/* nsw_session_fn() */
/* Set by nsw_liveness_stop(): a kick from a late reply runs nothing. */
static bool nsw_liveness_stopping;

static unsigned long nsw_keepalive(void)
{
	return max(msecs_to_jiffies(READ_ONCE(nsw_keepalive_ms)), HZ / 10UL);
}

static void nsw_ping(struct nsw_peer *peer)
{
	struct nsw_hdr hdr;
	struct kvec vec = { .iov_base = &hdr, .iov_len = NSW_HDR_LEN };
	u64 nonce;

	do {
		nonce = get_random_u64();
	} while (!nonce);
	/* The last few count: a PONG may come later than the next PING. */
	WRITE_ONCE(peer->ping_nonce[peer->ping_next++ % NSW_PING_NONCES], nonce);
	nsw_hdr_encode(&hdr, NSW_MSG_PING, 0, nonce, 0, 0);
	nsw_peer_send(peer, &vec, 1);
}

static bool nsw_liveness_nonce(struct nsw_peer *peer, u64 nonce)
{
	unsigned int i;

	for (i = 0; i < NSW_PING_NONCES; i++)
		if (nonce && nonce == READ_ONCE(peer->ping_nonce[i]))
			return true;
	return false;
}

/* Logs a change of what @peer's store asks back, @old before. */
static void nsw_liveness_ask_log(struct nsw_peer *peer, u64 old, u64 ask)
{
	if (ask == NSW_GIVE_BACK_ALL && old != ask)
		pr_info("%pISpc is draining: it asks for all our pages back\n",
			&peer->shown);
	else if (ask && ask != NSW_GIVE_BACK_ALL &&
		 (!old || old == NSW_GIVE_BACK_ALL))
		pr_info("%pISpc asks for %llu pages back\n", &peer->shown, ask);
	else if (!ask && old)
		pr_info("%pISpc no longer asks for pages back\n", &peer->shown);
}

/*
 * A PONG from @peer, asking @give_back pages back. Returns false if it
 * answers no PING.
 */
bool nsw_liveness_pong(struct nsw_peer *peer, const struct nsw_msg *m,
		       u64 give_back)
{
	u64 old;

	lockdep_assert_in_softirq();
	if (!nsw_liveness_nonce(peer, m->req_id)) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		return false;
	}
	nsw_peer_heard(peer);
	WRITE_ONCE(peer->room_pages, nsw_handle_slot(m->handle));
	old = READ_ONCE(peer->give_back_pages);
	if (old != give_back) {
		WRITE_ONCE(peer->give_back_pages, give_back);
		nsw_liveness_ask_log(peer, old, give_back);
	}
	if (!(m->handle & NSW_PONG_ROOM_MAX) || !READ_ONCE(peer->full))
		return true;
	WRITE_ONCE(peer->full, false);
	clear_bit(NSW_PEER_EV_FULL, &peer->ev_bits);
	pr_info("%pISpc has room again\n", &peer->shown);
	return true;
}

static void nsw_liveness_check(struct nsw_peer *peer)
{
	unsigned long silence = jiffies - READ_ONCE(peer->last_rx);
	unsigned long timeout = msecs_to_jiffies(READ_ONCE(nsw_peer_timeout_ms));
	u8 old = peer->state, state = NETSWAP_PEER_UP;

	/* The only writer of peer->state. */
	lockdep_assert(current_work() == &nsw_liveness_work.work);
	if (silence >= timeout)
		state = NETSWAP_PEER_DOWN;
	else if (silence >= 3 * nsw_keepalive())
		state = NETSWAP_PEER_SUSPECT;
	else if (nsw_peer_draining(peer))
		state = NETSWAP_PEER_DRAINING;

	if (state != old) {
		WRITE_ONCE(peer->state, state);
		nsw_event_post(NETSWAP_EVENT_PEER_STATE, peer);
		if (state == NETSWAP_PEER_DOWN)
			pr_warn("%pISpc is down: no answer for %u ms; pages with no other copy fail I/O until it is back\n",
				&peer->shown, jiffies_to_msecs(silence));
		else if (old == NETSWAP_PEER_DOWN)
			pr_info("%pISpc is up again\n", &peer->shown);
	}
	/* Every interval: a store's ask must reach us within one. */
	nsw_ping(peer);
	if (state != NETSWAP_PEER_DOWN && !nsw_sess_up(atomic_read(&peer->session)))
		nsw_liveness_kick();
}

static int nsw_liveness_get(struct nsw_peer *peer, void *arg)
{
	struct nsw_peer **list = arg;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "peer table walked outside RCU");
	if (peer->flags & NETSWAP_PEER_F_CONFIGURED)
		list[peer->idx] = nsw_peer_get_rcu(peer);
	return 0;
}

/*
 * Calls @fn on each configured peer, unless stopping. @fn may sleep: the
 * references are collected under RCU first.
 */
static void nsw_liveness_each(void (*fn)(struct nsw_peer *peer))
{
	struct nsw_peer *list[NSW_MAX_PEERS] = {};
	unsigned int i;

	nsw_peer_for_each(nsw_liveness_get, list, 0);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		if (!list[i])
			continue;
		if (!READ_ONCE(nsw_liveness_stopping))
			fn(list[i]);
		nsw_peer_put(list[i]);
	}
}

static void nsw_session_one(struct nsw_peer *peer)
{
	if (!nsw_peer_down(peer) && !nsw_sess_up(atomic_read(&peer->session)) &&
	    !nsw_session_begin(peer))
		pr_info("%pISpc: session begun\n", &peer->shown);
}

/*
 * Begins the sessions that are not up, with peers that are. A RESET to a
 * silent peer takes seconds: in a work item of its own, so that the
 * PINGs to the others do not wait for it.
 */
static void nsw_session_fn(struct work_struct *work)
{
	nsw_liveness_each(nsw_session_one);
}

static void nsw_liveness_fn(struct work_struct *work)
{
	if (READ_ONCE(nsw_liveness_stopping))
		return;
	nsw_liveness_each(nsw_liveness_check);
	queue_delayed_work(nsw_wq, &nsw_liveness_work, nsw_keepalive());
}

void nsw_liveness_start(void)
{
	WRITE_ONCE(nsw_liveness_stopping, false);
	INIT_WORK(&nsw_session_work, nsw_session_fn);
	INIT_DELAYED_WORK(&nsw_liveness_work, nsw_liveness_fn);
	queue_delayed_work(nsw_wq, &nsw_liveness_work, nsw_keepalive());
}

/* Any context: begin the sessions that are not up, now. */
void nsw_liveness_kick(void)
{
	if (!READ_ONCE(nsw_liveness_stopping))
		queue_work(nsw_wq, &nsw_session_work);
}

/*
 * Stops the workers. A reply may still kick them until the transport is
 * closed: then they return at once, and a second call after
 * nsw_transport_exit() cancels what such a kick queued.
 */
void nsw_liveness_stop(void)
{
	WRITE_ONCE(nsw_liveness_stopping, true);
	cancel_delayed_work_sync(&nsw_liveness_work);
	cancel_work_sync(&nsw_session_work);
}
