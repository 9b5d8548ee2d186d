// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Retransmission
 *
 * One delayed work per device, on nsw_reclaim_wq, walks
 * the requests in flight every NSW_REXMIT_TICK while there are any: it
 * sends the ops reclaim published or a full window held back, resends
 * those found lost (rtt.h), and ends those whose peer went down, whose
 * session ended or whose time ran out.
 */
#include "netswap.h"

#include <linux/blk-mq.h>
#include <linux/jiffies.h>
#include <linux/workqueue.h>

#include "audit.h"
#include "disk.h"
#include "peer.h"
#include "readahead.h"
#include "request.h"
#include "rexmit.h"

#define NSW_REXMIT_TICK		(HZ / 50)
#define NSW_REREAD_TRIES	2

/*
 * Is @op's request, numbered and still unanswered at @now, lost? After
 * its retransmission timeout, or as soon as later requests of its kind
 * were answered past it (rtt.h): neither a swap-out nor a page fault
 * should wait out a timeout, 50 ms at least, when the answers around
 * it already tell it is gone.
 */
static bool nsw_op_lost(struct nsw_cmd *cmd, struct nsw_op *op,
			struct nsw_peer *peer, u64 now)
{
	u64 sent = READ_ONCE(op->sent_ns);

	if (!sent || sent > now)
		return false;	/* not sent yet, or just now */
	if (now - sent >= (u64)nsw_rtt_timeout(&peer->rtt, op->tries) *
			  NSEC_PER_USEC)
		return true;
	return nsw_rtt_overtaken(&peer->rtt, nsw_op_kind(cmd), sent, now);
}

/*
 * @op's session with its store is over, and the caller claimed the op
 * and ended its number: the page it reads is lost; a page it writes goes
 * anew, to another peer with room and a session, or to the next session
 * with this one.
 */
static void nsw_op_sess_end(struct nsw_dev *dev, struct nsw_cmd *cmd,
			    struct nsw_op *op)
{
	if (cmd->write) {
		op->handle = 0;	/* nothing left to overwrite or free */
		if (nsw_op_retarget(dev, op))
			return;
		WRITE_ONCE(op->sess, 0);
		op->tries = 0;
		WRITE_ONCE(op->sent_ns, 0);
		atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
		return;
	}
	/* Another copy, if the page has one. */
	if (nsw_op_reread(dev, op, false))
		return;
	pr_warn_ratelimited("page %llu: lost with %pISpc's session\n",
			    op->pgoff, &op->peer->shown);
	nsw_op_fail(dev, cmd, op);
}

/*
 * A read lost NSW_REREAD_TRIES times asks another copy, if the page has
 * one, rather than wait for its peer to answer or be declared down: a
 * page-in should not wait out a store that stalls. Returns true if it
 * does (or the op ended meanwhile).
 */
static bool nsw_op_reread_lost(struct nsw_dev *dev, struct nsw_cmd *cmd,
			       struct nsw_op *op, u64 id)
{
	if (cmd->write || op->tries < NSW_REREAD_TRIES ||
	    !nsw_op_has_other(dev, op))
		return false;
	if (atomic64_cmpxchg(&op->tx.inflight, id, 0) != id)
		return true;
	nsw_op_tx_end(dev, op, id, false);
	atomic64_inc(&op->peer->failed_requests);
	if (nsw_op_reread(dev, op, false))
		return true;
	/* The other copy went meanwhile: this peer it is, anew. */
	atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
	return true;
}

static bool nsw_rexmit_rq(struct request *rq, void *data)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct nsw_dev *dev = data;
	unsigned long timeout = msecs_to_jiffies(nsw_io_timeout_ms);
	u64 now = ktime_get_ns();
	unsigned int i;

	/* Keeps the request, and so its pages, alive while we send. */
	if (!atomic_inc_not_zero(&cmd->refs))
		return true;
	for (i = 0; i < NSW_CMD_OPS; i++) {
		struct nsw_op *op = &cmd->ops[i];
		/*
		 * The peer before the number: a FULL answer may retarget
		 * the op under us (nsw_op_retarget()), and a number must
		 * only ever go to the peer that gave it out. The retarget
		 * ends the number (cmpxchg) before it sets op->peer, so
		 * a number read after the peer is that peer's or not one
		 * at all; the first peer stays referenced by op->full.
		 */
		struct nsw_peer *peer = smp_load_acquire(&op->peer);
		u64 id = atomic64_read_acquire(&op->tx.inflight);
		bool expired = time_after(jiffies, cmd->start + timeout);

		if (!id)
			continue;
		/*
		 * Nothing that waits for a peer that is down waits long.
		 * op->peer, not peer: an op the retarget queued may have
		 * been read with its first peer; the cmpxchg sorts out
		 * who owns the op either way.
		 */
		if (nsw_op_sess_over(op)) {
			if (atomic64_cmpxchg(&op->tx.inflight, id, 0) != id)
				continue;
			if (id != NSW_TX_QUEUED)
				nsw_op_tx_end(dev, op, id, false);
			nsw_op_sess_end(dev, cmd, op);
			continue;
		}
		if (expired || nsw_peer_down(op->peer)) {
			if (atomic64_cmpxchg(&op->tx.inflight, id, 0) != id)
				continue;
			if (id != NSW_TX_QUEUED)
				nsw_op_tx_end(dev, op, id, false);
			/* Its store may have kept the page all the same. */
			if (id != NSW_TX_QUEUED && cmd->write)
				nsw_audit_want(op->peer);
			/*
			 * A new page can go to a peer that is up instead, a
			 * read to another copy.
			 */
			if (!expired && cmd->write && nsw_op_retarget(dev, op))
				continue;
			if (!expired && !cmd->write &&
			    nsw_op_reread(dev, op, false))
				continue;
			pr_warn_ratelimited("page %llu: %pISpc %s\n", op->pgoff,
					    &op->peer->shown,
					    expired ? "did not answer in time" :
						      "is down");
			nsw_op_fail(dev, cmd, op);
			continue;
		}
		/* Published from reclaim, retargeted, or the window was full. */
		if (id == NSW_TX_QUEUED) {
			nsw_op_start(cmd, op);
			continue;
		}
		if (!nsw_op_lost(cmd, op, peer, now))
			continue;
		if (nsw_op_reread_lost(dev, cmd, op, id))
			continue;
		if (cmd->write && nsw_sendwin_store_lost(peer, &op->tx, id))
			nsw_rexmit_now(dev);
		op->tries++;
		atomic64_inc(&peer->retransmitted_requests);
		nsw_op_send(cmd, op, peer, id);
	}
	nsw_cmd_put(dev, cmd);
	return true;
}

/*
 * Starts the queued ops of a request that has waited a second or more.
 * The walk goes by tag, and a finished request's tag is soon a new one's:
 * without this first pass, a request with a high tag could wait behind a
 * small STORE window (cwnd.h) until its deadline.
 */
static bool nsw_rexmit_old_rq(struct request *rq, void *data)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	unsigned int i;

	if (!atomic_inc_not_zero(&cmd->refs))
		return true;
	for (i = 0; time_after(jiffies, cmd->start + HZ) && i < NSW_CMD_OPS;
	     i++) {
		struct nsw_op *op = &cmd->ops[i];

		if (atomic64_read_acquire(&op->tx.inflight) == NSW_TX_QUEUED &&
		    !nsw_peer_down(READ_ONCE(op->peer)) && !nsw_op_sess_over(op))
			nsw_op_start(cmd, op);
	}
	nsw_cmd_put(data, cmd);
	return true;
}

/*
 * UDP may lose any datagram: this worker is what sends, resends or ends
 * every op, so that every request ends.
 */
static void nsw_rexmit_work(struct work_struct *work)
{
	struct nsw_dev *dev = container_of(to_delayed_work(work),
					   struct nsw_dev, rexmit);

	blk_mq_tagset_busy_iter(&dev->set, nsw_rexmit_old_rq, dev);
	blk_mq_tagset_busy_iter(&dev->set, nsw_rexmit_rq, dev);
	/* LOADs ahead may outlive the reads that sent them: expire them too. */
	if (nsw_ra_expire(&dev->ra) || atomic_read(&dev->busy))
		nsw_rexmit_arm(dev);
}

void nsw_rexmit_init(struct nsw_dev *dev)
{
	INIT_DELAYED_WORK(&dev->rexmit, nsw_rexmit_work);
}

/* Nothing is in flight any more: the disk is gone. */
void nsw_rexmit_stop(struct nsw_dev *dev)
{
	cancel_delayed_work_sync(&dev->rexmit);
}

/* An op waits to be sent: walk the requests at once. */
void nsw_rexmit_now(struct nsw_dev *dev)
{
	mod_delayed_work(nsw_reclaim_wq, &dev->rexmit, 0);
}

/* Ops are in flight: walk the requests within a tick, unless due sooner. */
void nsw_rexmit_arm(struct nsw_dev *dev)
{
	queue_delayed_work(nsw_reclaim_wq, &dev->rexmit, NSW_REXMIT_TICK);
}
