// SPDX-License-Identifier: GPL-2.0
/**
 * DOC: Request path
 *
 * From a block request to its pages' datagrams, and from the replies
 * back to its completion. Each request is split into page-sized operations (ops), one datagram
 * each: a write STOREs the page on a peer, which answers with the handle
 * it chose; a read LOADs it back by handle. Everything an op needs lives
 * in the request's blk-mq payload (struct nsw_cmd), allocated once with
 * the tag set, so the I/O path allocates nothing.
 *
 * An op's req_id is the next number in its peer's send window
 * (sendwin.h); the window's ring leads a reply straight back to the op.
 *
 * Every page carries a checksum (pagesum.h): computed before a STORE
 * leaves, kept in the map, and checked when a LOAD brings the page back,
 * so a peer that returns anything but what it was given causes an I/O
 * error, never wrong data in a process.
 *
 * Reclaim (kswapd, or a task in direct reclaim) only publishes its ops:
 * the UDP/IP/driver transmit path on top of reclaim's own deep stack does
 * not fit in kswapd's stack. The retransmit worker sends them from its
 * own stack. Everyone else sends inline, which keeps
 * page-in latency at one network round trip.
 *
 * An op is in flight while op->tx.inflight holds its req_id, or
 * NSW_TX_QUEUED while it waits to be sent or for room in the window.
 * Whoever moves it to 0 with cmpxchg (the reply in softirq, or the
 * retransmit worker giving up) frees its window slot and completes it.
 * cmd->refs counts ops in flight plus temporary users (the dispatcher, a
 * retransmission in progress); the request ends when it drops to zero,
 * so a page is never read for sending after its request ended.
 */

/**
 * DOC: Memory on the I/O path
 *
 * Memory on the swap-out and page-in paths, all of it accounted for:
 *  - ops, their window slots (peer->tx_ring, allocated with the peer),
 *    the remote map and its sums (allocated with the device): no
 *    allocation per I/O at all;
 *  - the datagram a send builds: nsw_send() allocates it GFP_ATOMIC, so
 *    it never enters reclaim; for the pages of a write reclaim issued
 *    (PF_MEMALLOC when dispatched: cmd->reclaim), sent and resent by
 *    the retransmit worker, with __GFP_MEMALLOC, so that skb may come
 *    from the emergency reserves; nothing else of ours or of the store
 *    role does. The write queue's depth and the STORE window (cwnd.h)
 *    bound the pages in flight, and so what we take from the reserves;
 *  - replies arrive in skbs the NIC driver allocated, from the reserves
 *    if need be while the device is open (nsw_disk_open(): the socket is a
 *    memalloc one then, and only then); the udp_tunnel encap_rcv hook
 *    takes them even when they came from the reserves;
 *  - freeing swap slots only sets a bit; FREE batches are preallocated
 *    per peer (map.c), and control requests live in the peer (ctl.h);
 *  - pages read ahead land in a cache allocated with the device
 *    (readahead.h), and nothing is read ahead under reclaim.
 * The store role allocates the pages it keeps, but that is on the
 * lending node, with GFP_NOIO | __GFP_NORETRY, answering NOMEM on failure
 * (store.c).
 */
#include "netswap.h"

#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/sched.h>

#include "ctl.h"
#include "disk.h"
#include "events.h"
#include "liveness.h"
#include "map.h"
#include "pagesum.h"
#include "peer.h"
#include "readahead.h"
#include "request.h"
#include "rexmit.h"
#include "session.h"
#include "transport.h"
#include "uapi/netswap.h"

static struct request *nsw_cmd_rq(struct nsw_cmd *cmd)
{
	return blk_mq_rq_from_pdu(cmd);
}

void nsw_cmd_put(struct nsw_dev *dev, struct nsw_cmd *cmd)
{
	unsigned int i;

	if (!atomic_dec_and_test(&cmd->refs))
		return;
	for (i = 0; i < NSW_MAX_OPS; i++) {
		nsw_peer_put(cmd->ops[i].peer);
		nsw_peer_put(cmd->ops[i].full);
		cmd->ops[i].peer = NULL;
		cmd->ops[i].full = NULL;
	}
	atomic_dec(&dev->busy);
	if (READ_ONCE(cmd->status) != BLK_STS_OK)
		atomic64_inc(&dev->failed_requests);
	blk_mq_end_request(nsw_cmd_rq(cmd), READ_ONCE(cmd->status));
}

/* The op failed. Its caller won the cmpxchg on op->tx.inflight. */
void nsw_op_fail(struct nsw_dev *dev, struct nsw_cmd *cmd,
		 struct nsw_op *op)
{
	atomic64_inc(&op->peer->failed_requests);
	/* A failed write leaves the old remote copy unreferenced. */
	if (cmd->write && op->handle)
		nsw_map_orphan(&dev->map, nsw_entry(op->peer->idx,
						    nsw_sess_nr(op->sess),
						    op->handle));
	WRITE_ONCE(cmd->status, BLK_STS_IOERR);
	nsw_cmd_put(dev, cmd);
}

/*
 * Sends @op's request @req_id, a LOAD or a STORE with the page, to
 * @peer, the one that numbered it. Errors (a full socket buffer) are
 * retried by retransmission.
 */
void nsw_op_send(struct nsw_cmd *cmd, struct nsw_op *op,
		 struct nsw_peer *peer, u64 req_id)
{
	struct kvec vec = { .iov_len = NSW_HDR_LEN };
	struct nsw_hdr hdr;

	nsw_hdr_encode(&hdr, cmd->write ? NSW_MSG_STORE : NSW_MSG_LOAD, 0,
		       req_id, op->handle, 0);
	WRITE_ONCE(op->sent_ns, ktime_get_ns());
	if (cmd->write) {
		/*
		 * Reclaim's pages may take the emergency reserves, whoever
		 * sends them (the retransmit worker, mostly): storing them
		 * frees their memory. Other writes are no more urgent than
		 * anyone else's allocations.
		 */
		nsw_peer_send_page(peer, &hdr, op->page,
				   cmd->reclaim ? NSW_GFP_RESERVES : GFP_ATOMIC);
		return;
	}
	vec.iov_base = &hdr;
	nsw_peer_send(peer, &vec, 1);
}

/*
 * A new page: to the next peer with room and a session, or one about to
 * begin a session, for which it waits (nsw_op_sess_ready()).
 */
static int nsw_op_new_target(struct nsw_op *op)
{
	op->handle = 0;
	op->peer = nsw_peer_next_target(false) ?: nsw_peer_next_target(true);
	if (!op->peer)
		return -ENOSPC;
	op->sess = atomic_read(&op->peer->session);
	return 0;
}

/*
 * May @op be sent now? Not while it waits for a session with its peer:
 * a new page takes the session that begins.
 */
static bool nsw_op_sess_ready(struct nsw_op *op)
{
	u32 sess = READ_ONCE(op->sess);

	if (nsw_sess_up(sess))
		return true;
	sess = atomic_read(&op->peer->session);
	if (!nsw_sess_up(sess))
		return false;
	WRITE_ONCE(op->sess, sess);
	return true;
}

/* Was @op sent in a session with its peer that is over now? */
bool nsw_op_sess_over(struct nsw_op *op)
{
	u32 sess = READ_ONCE(op->sess);

	return nsw_sess_up(sess) &&
	       atomic_read(&READ_ONCE(op->peer)->session) != sess;
}

/*
 * Gives a queued op its request number and sends it. Returns false while
 * the peer's window is full, or its STORE window for a STORE; the
 * retransmit worker tries again, woken when a STORE ends
 * (nsw_op_tx_end()).
 */
bool nsw_op_start(struct nsw_cmd *cmd, struct nsw_op *op)
{
	u64 seq;

	if (!nsw_op_sess_ready(op))
		return false;
	if (nsw_sendwin_start(op->peer, &op->tx, NSW_TX_QUEUED, &seq))
		return false;
	nsw_op_send(cmd, op, op->peer, seq);
	return true;
}

/* @op's request number @id is done with: @answered, or given up. */
void nsw_op_tx_end(struct nsw_dev *dev, struct nsw_op *op, u64 id,
		   bool answered)
{
	if (!op->tx.store)
		nsw_sendwin_end(op->peer, id);
	else if (nsw_sendwin_store_end(op->peer, &op->tx, id, answered))
		nsw_rexmit_now(dev);
}

/*
 * Chooses where an op goes: sets op->peer, op->sess and op->handle (0:
 * a new page, or a page never written, which reads as zeros). Returns
 * -ENOSPC if a write has nowhere to go, -ENOENT if a read's page was lost
 * with its store's session.
 */
static int nsw_op_target(struct nsw_dev *dev, struct nsw_cmd *cmd,
			 struct nsw_op *op)
{
	u64 entry = cmd->write ? nsw_map_take(&dev->map, op->pgoff) :
				 nsw_map_lookup(&dev->map, op->pgoff);

	op->handle = 0;
	op->peer = NULL;
	if (nsw_entry_lost(entry))
		return cmd->write ? nsw_op_new_target(op) : -ENOENT;
	if (!entry)
		return cmd->write ? nsw_op_new_target(op) : 0;
	rcu_read_lock();
	op->peer = nsw_peer_get_rcu(nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry)));
	rcu_read_unlock();
	/* Peers holding our pages cannot be deleted. */
	if (WARN_ON_ONCE(!op->peer))
		return -ENOENT;
	op->sess = atomic_read(&op->peer->session);
	op->handle = nsw_session_handle(op->peer, entry);
	if (!op->handle) {
		/* Its session is over: the store lost the page. */
		nsw_peer_put(op->peer);
		op->peer = NULL;
		return cmd->write ? nsw_op_new_target(op) : -ENOENT;
	}
	if (cmd->write && nsw_peer_down(op->peer)) {
		/* Store it elsewhere; the old copy is freed later. */
		nsw_map_orphan(&dev->map, entry);
		nsw_peer_put(op->peer);
		return nsw_op_new_target(op);
	}
	return 0;
}

/*
 * One op per page, sent at once unless reclaim dispatches: a page-in
 * waits one round trip, and reclaim's stack never carries a transmit.
 */
blk_status_t nsw_dispatch(struct nsw_dev *dev, struct request *rq)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	u64 pgoff = blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT);
	struct req_iterator iter;
	unsigned int n = 0, i;
	struct bio_vec bv;
	bool defer, reclaim;

	/* The queue limits make every segment one whole page. */
	rq_for_each_segment(bv, rq, iter) {
		if (n == NSW_MAX_OPS || bv.bv_offset || bv.bv_len != PAGE_SIZE)
			return BLK_STS_IOERR;
		cmd->ops[n].page = bv.bv_page;
		cmd->ops[n].pgoff = pgoff + n;
		n++;
	}
	if (pgoff + n > dev->map.nr)
		return BLK_STS_IOERR;

	reclaim = current->flags & PF_MEMALLOC;
	defer = reclaim;
	cmd->write = rq_data_dir(rq) == WRITE;
	cmd->reclaim = reclaim;
	atomic64_add(n, cmd->write ? &dev->written_pages : &dev->read_pages);
	cmd->status = BLK_STS_OK;
	cmd->start = jiffies;
	atomic_set(&cmd->refs, 1);	/* ours, until every op is sent */
	atomic_inc(&dev->busy);

	for (i = 0; i < n; i++) {
		struct nsw_op *op = &cmd->ops[i];
		int err;

		if (!cmd->write && nsw_ra_take(&dev->ra, op->pgoff, op->page))
			continue;
		err = nsw_op_target(dev, cmd, op);
		/* After the map let go of the old copy: readahead.h. */
		if (cmd->write)
			nsw_ra_forget(&dev->ra, op->pgoff, 1);
		if (err) {
			if (err == -ENOENT)
				pr_warn_ratelimited("page %llu was lost with its store\n",
						    op->pgoff);
			else
				pr_warn_ratelimited("no peer to store page %llu\n",
						    op->pgoff);
			WRITE_ONCE(cmd->status, BLK_STS_IOERR);
			continue;
		}
		if (!op->handle && !cmd->write) {
			memzero_page(op->page, 0, PAGE_SIZE);
			continue;
		}
		op->cmd = cmd;
		op->tx.store = cmd->write;
		op->tries = 0;
		atomic_set(&op->got, 0);
		op->sum = cmd->write ? nsw_page_sum(op->page) :
				       nsw_map_sum(&dev->map, op->pgoff);
		op->sent_ns = 0;
		atomic_inc(&cmd->refs);
		/* On its way already as a LOAD ahead: wait for that one. */
		if (!cmd->write &&
		    nsw_ra_adopt(&dev->ra, op->pgoff, op->peer, &op->tx,
				 op->page, &op->got, &op->sent_ns))
			continue;
		/* Publish the op to the reply path and the retransmitter. */
		atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
		if (defer || !nsw_op_start(cmd, op))
			defer = true;
	}
	if (defer)
		nsw_rexmit_now(dev);
	else
		nsw_rexmit_arm(dev);
	/* The request's own LOADs are out: now those of what comes next. */
	if (!cmd->write && !reclaim)
		nsw_ra_ahead(&dev->ra, &dev->map, pgoff, n);
	nsw_cmd_put(dev, cmd);
	return BLK_STS_OK;
}

/*
 * @op's peer answered FULL to a new page, or went down: send the page to
 * another peer instead of failing the write. The caller claimed the op
 * and ended its request number; it stays in flight (cmd->refs unchanged)
 * and the retransmit worker sends it. The first peer is kept referenced,
 * not put, since the worker may be looking at it. Returns false if there
 * is no other peer with room.
 */
bool nsw_op_retarget(struct nsw_dev *dev, struct nsw_op *op)
{
	struct nsw_peer *next;

	if (op->handle || op->full)
		return false;
	next = nsw_peer_next_target(false);
	if (!next)
		return false;
	op->full = op->peer;
	WRITE_ONCE(op->sess, atomic_read(&next->session));
	WRITE_ONCE(op->peer, next);
	op->tries = 0;
	WRITE_ONCE(op->sent_ns, 0);
	atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
	nsw_rexmit_now(dev);
	return true;
}

/*
 * Copies a LOAD_ACK's chunks into @op's page. Returns true for
 * the one call that completes the page. Chunks of one reply may be
 * handled on several CPUs at once, and duplicates may come after the
 * page is complete: a reference on the request keeps the page ours while
 * we write to it, and op->chunk_lock makes each chunk land once, before
 * the page is complete, so no byte changes after the caller checked the
 * sum (a lying store could otherwise slip one past it).
 */
static bool nsw_op_chunk(struct nsw_dev *dev, struct nsw_op *op,
			 struct sk_buff *skb, const struct nsw_msg *m)
{
	struct nsw_cmd *cmd = op->cmd;
	unsigned int new, mask = nsw_msg_chunks(m);
	bool done = false;
	void *dst;
	int old;

	lockdep_assert_in_softirq();
	if (!atomic_inc_not_zero(&cmd->refs))
		return false;
	spin_lock(&op->chunk_lock);
	old = atomic_read(&op->got);
	new = mask & ~old;
	/* Completed meanwhile, or a duplicate of chunks we have. */
	if ((u64)atomic64_read(&op->tx.inflight) != m->req_id || !new)
		goto out;
	dst = kmap_local_page(op->page);
	if (nsw_skb_copy_chunks(skb, m, dst, new))
		WRITE_ONCE(cmd->status, BLK_STS_IOERR);
	kunmap_local(dst);
	atomic_set(&op->got, old | new);
	done = (old | new) == NSW_CHUNKS_ALL;
out:
	spin_unlock(&op->chunk_lock);
	nsw_cmd_put(dev, cmd);
	return done;
}

/*
 * Does @m answer @op as it is now: sent to @peer, in its current session,
 * and of its kind? An op retargeted or begun anew is not what an answer
 * to its earlier number was for.
 */
static bool nsw_reply_current(const struct nsw_cmd *cmd,
			      const struct nsw_op *op, struct nsw_peer *peer,
			      const struct nsw_msg *m)
{
	return READ_ONCE(op->peer) == peer &&
	       READ_ONCE(op->sess) == atomic_read(&peer->session) &&
	       m->type == (cmd->write ? NSW_MSG_STORE_ACK : NSW_MSG_LOAD_ACK);
}

/*
 * Is @m an answer to act on? Not when the store is short of memory
 * (retransmission asks again) or has no session with us (the retransmit
 * worker sees it is over), nor a STORE_ACK whose handle names no slot of
 * the op's session: a page is never mapped to that.
 */
static bool nsw_reply_usable(const struct nsw_cmd *cmd,
			     const struct nsw_op *op, const struct nsw_msg *m)
{
	if (m->status == NSW_ST_NOMEM || m->status == NSW_ST_NOSESSION)
		return false;
	if (cmd->write && m->status == NSW_ST_OK &&
	    (!nsw_handle_slot(m->handle) ||
	     nsw_handle_epoch(m->handle) != nsw_sess_epoch(op->sess))) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_HANDLE]);
		return false;
	}
	return true;
}

/* @peer refused a page for its quota: no new pages go there for now. */
static void nsw_reply_full(struct nsw_peer *peer)
{
	WRITE_ONCE(peer->full, true);
	pr_warn_ratelimited("%pISpc is full\n", &peer->shown);
	if (!test_and_set_bit(NSW_PEER_EV_FULL, &peer->ev_bits))
		nsw_event_post(NETSWAP_EVENT_PEER_FULL, peer);
}

/*
 * The store refused @op, which the caller claimed: a write answered FULL
 * goes to another peer if it can, anything else fails.
 */
static void nsw_reply_refused(struct nsw_dev *dev, struct nsw_cmd *cmd,
			      struct nsw_op *op, const struct nsw_msg *m)
{
	if (m->status == NSW_ST_FULL) {
		nsw_reply_full(op->peer);
		/*
		 * An overwrite answered FULL: its page is gone there (an
		 * audit freed it), so it is a new page now.
		 */
		if (cmd->write)
			op->handle = 0;
		if (cmd->write && nsw_op_retarget(dev, op))
			return;
	} else {
		pr_err_ratelimited("%pISpc lost page %llu (status %u)\n",
				   &op->peer->shown, op->pgoff, m->status);
	}
	nsw_op_fail(dev, cmd, op);
}

/* Karn: a retransmitted request's reply says nothing of the RTT. */
static void nsw_reply_rtt(const struct nsw_cmd *cmd, const struct nsw_op *op)
{
	u64 rtt_us;

	if (op->tries)
		return;
	rtt_us = div_u64(ktime_get_ns() - op->sent_ns, NSEC_PER_USEC);
	spin_lock(&op->peer->rtt_lock);
	nsw_rtt_sample(&op->peer->rtt, min_t(u64, rtt_us, U32_MAX));
	nsw_rtt_delivered(&op->peer->rtt, nsw_op_kind(cmd), op->sent_ns);
	spin_unlock(&op->peer->rtt_lock);
}

/* @op's page is stored at @m's handle: the map leads there from now on. */
static void nsw_reply_stored(struct nsw_dev *dev, const struct nsw_op *op,
			     const struct nsw_msg *m)
{
	/* nsw_map_set()'s xchg orders the sum before the entry. */
	WRITE_ONCE(dev->map.sums[op->pgoff], op->sum);
	nsw_map_set(&dev->map, op->pgoff,
		    nsw_entry(op->peer->idx, nsw_sess_nr(op->sess), m->handle));
	atomic64_inc(&op->peer->tx_store_pages);
}

/*
 * Every chunk of @op's page is in (nsw_op_chunk()). Never hand the
 * process a page that is not the one it stored.
 */
static void nsw_reply_loaded(struct nsw_cmd *cmd, const struct nsw_op *op)
{
	u32 sum = nsw_page_sum(op->page);

	atomic64_inc(&op->peer->tx_load_pages);
	if (sum == op->sum)
		return;
	atomic64_inc(&op->peer->checksum_error_pages);
	pr_err_ratelimited("%pISpc: page %llu checksum mismatch (%08x, stored %08x)\n",
			   &op->peer->shown, op->pgoff, sum, op->sum);
	WRITE_ONCE(cmd->status, BLK_STS_IOERR);
}

/* One answer of @peer's, to page op @op. */
static void nsw_op_reply(struct nsw_dev *dev, struct nsw_peer *peer,
			 struct nsw_op *op, struct sk_buff *skb,
			 const struct nsw_msg *m)
{
	struct nsw_cmd *cmd = READ_ONCE(op->cmd);

	lockdep_assert_in_softirq();
	if (!dev || !nsw_reply_current(cmd, op, peer, m)) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		return;
	}
	if (!nsw_reply_usable(cmd, op, m))
		return;
	if (nsw_msg_has_page(m->type, m->status) &&
	    !nsw_op_chunk(dev, op, skb, m))
		return;		/* more chunks to come */
	if (atomic64_cmpxchg(&op->tx.inflight, m->req_id, 0) != m->req_id)
		return;
	nsw_op_tx_end(dev, op, m->req_id, m->status == NSW_ST_OK);
	if (m->status != NSW_ST_OK) {
		nsw_reply_refused(dev, cmd, op, m);
		return;
	}
	nsw_reply_rtt(cmd, op);
	if (cmd->write)
		nsw_reply_stored(dev, op, m);
	else
		nsw_reply_loaded(cmd, op);
	nsw_cmd_put(dev, cmd);
}

/* One answer of @peer's, to the request it names. */
static void nsw_request_reply(struct nsw_dev *dev, struct nsw_peer *peer,
			      struct sk_buff *skb, const struct nsw_msg *m)
{
	struct nsw_tx *tx = nsw_sendwin_find(peer, m->req_id);

	lockdep_assert_in_softirq();
	/*
	 * No request: an earlier copy already answered. Only the answer to
	 * the request may tell of its session.
	 */
	if (!tx || m->type != nsw_tx_reply_type(tx) ||
	    !nsw_session_check(peer, m)) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		return;
	}
	nsw_peer_heard(peer);
	if (tx->ctl) {
		nsw_ctl_rx(peer, tx, m);
		return;
	}
	if (tx->ra) {
		if (dev)
			nsw_ra_reply(&dev->ra, peer, tx, skb, m);
		return;
	}
	nsw_op_reply(dev, peer, container_of(tx, struct nsw_op, tx), skb, m);
}

/*
 * A reply to this node's client role, for @dev (NULL: none). Consumes
 * @skb. A STORE_ACK may answer several STOREs (protocol.rst): each answer
 * is handled as if it had come alone.
 */
void nsw_request_rx(struct nsw_dev *dev, struct sk_buff *skb,
		    const struct sockaddr_in6 *from, const struct nsw_msg *m)
{
	struct nsw_peer *peer;
	struct nsw_msg one;
	unsigned int i;

	/*
	 * Softirq is an RCU reader: peers are freed after a grace period,
	 * ops and control requests live as long as the module's state.
	 */
	lockdep_assert_in_softirq();
	RCU_LOCKDEP_WARN(!rcu_read_lock_any_held(),
			 "netswap reply outside an RCU reader");
	peer = nsw_peer_lookup_rcu(from);
	if (!peer) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
		goto out;
	}
	atomic64_add(skb->len, &peer->rx_bytes);
	if (m->type == NSW_MSG_PONG) {
		if (nsw_liveness_pong(peer, m))
			nsw_session_check(peer, m);
		goto out;
	}
	if (m->type != NSW_MSG_STORE_ACK || !m->len) {
		nsw_request_reply(dev, peer, skb, m);
		goto out;
	}
	/* At most 1344 bytes: read in place. */
	if (!pskb_may_pull(skb, NSW_HDR_LEN + m->len) ||
	    !nsw_batch_ok(m->type, skb->data + NSW_HDR_LEN, m->len)) {
		atomic64_inc(&nsw_rx_dropped[NSW_WERR_LEN]);
		goto out;
	}
	for (i = 0; i < nsw_batch_len(m); i++) {
		nsw_batch_at(m, skb->data + NSW_HDR_LEN, i, &one);
		nsw_request_reply(dev, peer, skb, &one);
	}
out:
	kfree_skb(skb);
}
