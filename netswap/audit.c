// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Audits
 *
 * One worker audits the peers that want it, one at a time, with
 * synchronous control requests (ctl.h): AUDIT with the lowest request
 * number in flight as its floor, KEEP for every handle the map holds on
 * that peer in the current session, SWEEP.
 *
 * Why the floor is enough: a STORE numbered below it was answered or
 * given up before the AUDIT left. An answered one is in the map before
 * the KEEPs are read: the reply handler ends the number before it sets
 * the entry, and it runs under RCU, so synchronize_rcu() after reading
 * the floor (and again after the AUDIT_ACK, for a STORE whose window
 * record a later number took) waits for the entry.
 *
 * A store that never answers (one that does not know audits, or a peer
 * that is down) is tried again after a backoff that doubles up to
 * NSW_AUDIT_BACKOFF_MAX; a session that ends meanwhile ends the audit,
 * since its RESET freed everything anyway.
 */
#include "netswap.h"

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "audit.h"
#include "disk.h"
#include "ctl.h"
#include "peer.h"
#include "session.h"

/* Losses often come in bursts: gather them into one audit. */
#define NSW_AUDIT_DELAY		(2 * HZ)
#define NSW_AUDIT_BACKOFF_MIN	(5 * HZ)
#define NSW_AUDIT_BACKOFF_MAX	(600 * HZ)

static struct delayed_work nsw_audit_work;
static DEFINE_SPINLOCK(nsw_audit_lock);	/* nsw_audit_on against queueing */
static bool nsw_audit_on;
static __be64 nsw_audit_buf[NSW_FREE_BATCH];	/* the worker's only */

static void nsw_audit_queue(unsigned long delay)
{
	unsigned long flags;

	spin_lock_irqsave(&nsw_audit_lock, flags);
	if (nsw_audit_on)
		queue_delayed_work(system_long_wq, &nsw_audit_work, delay);
	spin_unlock_irqrestore(&nsw_audit_lock, flags);
}

/* Any context. A page of ours on @peer may have leaked: audit it soon. */
void nsw_audit_want(struct nsw_peer *peer)
{
	if (!test_and_set_bit(NSW_AUDIT_WANT, &peer->audit.want))
		nsw_audit_queue(NSW_AUDIT_DELAY);
}

/* The KEEPs of audit @id: every handle of ours on @peer in session @sess. */
static int nsw_audit_keep(struct nsw_peer *peer, u32 sess, u64 id)
{
	unsigned int n;
	u64 pos = 0;
	int err;

	/* nsw_audit_buf is the worker's alone. */
	lockdep_assert(current_work() == &nsw_audit_work.work);
	while ((n = nsw_disk_handles(peer, &pos, nsw_audit_buf,
				     NSW_FREE_BATCH))) {
		if (atomic_read(&peer->session) != sess)
			return -ESTALE;
		/* A large map takes many KEEPs: unload must not wait them out. */
		if (!READ_ONCE(nsw_audit_on))
			return -ESHUTDOWN;
		err = nsw_ctl_request(peer, NSW_MSG_KEEP, id, nsw_audit_buf,
				      n * sizeof(__be64), NULL);
		if (err)
			return err;
	}
	return 0;
}

static int nsw_audit_run(struct nsw_peer *peer)
{
	u32 sess = atomic_read(&peer->session);
	__be64 floor;
	u64 id, reply;
	int err;

	if (!nsw_sess_up(sess))
		return -ESTALE;
	floor = cpu_to_be64(nsw_sendwin_floor(peer));
	/* Replies that ended numbers below the floor have set their entries. */
	synchronize_rcu();
	do
		id = get_random_u64();
	while (!id);
	err = nsw_ctl_request(peer, NSW_MSG_AUDIT, id, &floor, sizeof(floor),
			      NULL);
	if (err)
		return err;
	synchronize_rcu();
	err = nsw_audit_keep(peer, sess, id);
	if (err)
		return err;
	if (atomic_read(&peer->session) != sess)
		return -ESTALE;
	err = nsw_ctl_request(peer, NSW_MSG_SWEEP, id, NULL, 0, &reply);
	if (err)
		return err;
	atomic64_add(nsw_handle_slot(reply), &peer->reclaimed_pages);
	if (nsw_handle_slot(reply))
		pr_info("%pISpc: audit freed %llu pages we no longer had there\n",
			&peer->shown, nsw_handle_slot(reply));
	return 0;
}

/* Audits @peer if it wants one and may have it now; false if it waits. */
static bool nsw_audit_peer(struct nsw_peer *peer)
{
	struct nsw_audit *a = &peer->audit;
	int err;

	if (!test_bit(NSW_AUDIT_WANT, &a->want))
		return true;
	if ((a->backoff && time_before(jiffies, a->after)) ||
	    nsw_peer_down(peer))
		return false;
	clear_bit(NSW_AUDIT_WANT, &a->want);
	err = nsw_audit_run(peer);
	if (!err || err == -ESTALE) {
		a->backoff = 0;
		return true;
	}
	a->backoff = clamp(a->backoff * 2, NSW_AUDIT_BACKOFF_MIN,
			   NSW_AUDIT_BACKOFF_MAX);
	a->after = jiffies + a->backoff;
	set_bit(NSW_AUDIT_WANT, &a->want);
	pr_info_ratelimited("%pISpc: audit failed (%d), next in %lu s\n",
			    &peer->shown, err, a->backoff / HZ);
	return false;
}

static int nsw_audit_get(struct nsw_peer *peer, void *arg)
{
	struct nsw_peer **list = arg;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "peer table walked outside RCU");
	if (test_bit(NSW_AUDIT_WANT, &peer->audit.want))
		list[peer->idx] = nsw_peer_get_rcu(peer);
	return 0;
}

static void nsw_audit_fn(struct work_struct *work)
{
	struct nsw_peer *list[NSW_MAX_PEERS] = {};
	bool waiting = false;
	unsigned int i;

	/* Auditing sleeps: collect references under RCU first. */
	nsw_peer_for_each(nsw_audit_get, list, 0);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		if (!list[i])
			continue;
		if (!nsw_audit_peer(list[i]))
			waiting = true;
		nsw_peer_put(list[i]);
	}
	if (waiting)
		nsw_audit_queue(NSW_AUDIT_DELAY);
}

void nsw_audit_start(void)
{
	INIT_DELAYED_WORK(&nsw_audit_work, nsw_audit_fn);
	spin_lock_irq(&nsw_audit_lock);
	nsw_audit_on = true;
	spin_unlock_irq(&nsw_audit_lock);
}

/* Before the client goes: no audit runs or is queued after this. */
void nsw_audit_stop(void)
{
	spin_lock_irq(&nsw_audit_lock);
	nsw_audit_on = false;
	spin_unlock_irq(&nsw_audit_lock);
	cancel_delayed_work_sync(&nsw_audit_work);
}
