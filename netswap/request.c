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
#include "rerep.h"
#include "rexmit.h"
#include "session.h"
#include "transport.h"
#include "uapi/netswap.h"

static struct request *nsw_cmd_rq(struct nsw_cmd *cmd)
{
	return blk_mq_rq_from_pdu(cmd);
}

/*
 * A write's page is written once one copy is stored; with fewer copies
 * than it asked for it is degraded, and rerep.c makes the rest.
 */
static void nsw_cmd_write_end(struct nsw_dev *dev, struct nsw_cmd *cmd)
{
	unsigned int i, c, sent, stored;
	struct nsw_op *op;

	for (i = 0; i < cmd->pages; i++) {
		sent = 0;
		stored = 0;
		for (c = 0; c < NSW_MAX_REPLICAS; c++) {
			op = &cmd->ops[i * NSW_MAX_REPLICAS + c];
			sent += !!op->peer;
			stored += op->stored;
		}
		if (sent && !stored)
			WRITE_ONCE(cmd->status, BLK_STS_IOERR);
		else if (cmd->kind == NSW_CMD_IO &&
			 (stored < sent || (stored < nsw_replicas_now() &&
				!atomic64_read(&dev->rerep.degraded_pages))))
			nsw_rerep_kick(dev);
	}
}

void nsw_cmd_put(struct nsw_dev *dev, struct nsw_cmd *cmd)
{
	struct nsw_op *op;
	unsigned int i, k;

	if (!atomic_dec_and_test(&cmd->refs))
		return;
	if (cmd->write)
		nsw_cmd_write_end(dev, cmd);
	for (i = 0; i < NSW_CMD_OPS; i++) {
		op = &cmd->ops[i];
		nsw_peer_put(op->peer);
		nsw_peer_put(op->full);
		op->peer = NULL;
		op->full = NULL;
		/* The next request on this tag may not use this op. */
		op->stored = false;
		for (k = 0; k < ARRAY_SIZE(op->old); k++) {
			nsw_peer_put(op->old[k]);
			op->old[k] = NULL;
		}
	}
	atomic_dec(&dev->busy);
	if (READ_ONCE(cmd->status) != BLK_STS_OK)
		atomic64_inc(&dev->failed_requests);
	blk_mq_end_request(nsw_cmd_rq(cmd), READ_ONCE(cmd->status));
}

/*
 * The op failed. Its caller won the cmpxchg on op->tx.inflight. A read
 * fails its request; a write only this copy (nsw_cmd_write_end()).
 */
void nsw_op_fail(struct nsw_dev *dev, struct nsw_cmd *cmd,
		 struct nsw_op *op)
{
	atomic64_inc(&op->peer->failed_requests);
	/* A failed write leaves the old remote copy unreferenced. */
	if (cmd->write && op->handle)
		nsw_map_orphan(&dev->map, nsw_entry(op->peer->idx,
						    nsw_sess_nr(op->sess),
						    op->handle));
	if (!cmd->write)
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
 * begin a session, for which it waits (nsw_op_sess_ready()); never to a
 * peer in @avoid (bit per index), which holds another copy of it.
 */
static int nsw_op_new_target(struct nsw_op *op, u64 avoid)
{
	op->handle = 0;
	op->peer = nsw_peer_next_target(false, avoid) ?:
		   nsw_peer_next_target(true, avoid);
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
 * May a write overwrite its copy @entry in place? Only in its store's
 * current session, on a peer that is up, keeps its pages and holds no
 * other copy of this page (@avoid). Sets op->peer, op->sess, op->handle.
 */
static bool nsw_op_keep(struct nsw_op *op, u64 entry, u64 avoid)
{
	struct nsw_peer *peer;

	if (nsw_entry_lost(entry) || avoid & BIT_ULL(NSW_ENTRY_PEER(entry)))
		return false;
	rcu_read_lock();
	peer = nsw_peer_get_rcu(nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(entry)));
	rcu_read_unlock();
	/* Peers holding our pages cannot be deleted. */
	if (WARN_ON_ONCE(!peer))
		return false;
	op->sess = atomic_read(&peer->session);
	op->handle = nsw_session_handle(peer, entry);
	/* An overwrite takes no more room: a store asking back some keeps it. */
	if (!op->handle || nsw_peer_down(peer) || nsw_peer_draining(peer)) {
		op->handle = 0;
		nsw_peer_put(peer);
		return false;
	}
	op->peer = peer;
	return true;
}

/*
 * Chooses where the copies of page @i of a write go: up to `replicas` of
 * the copies it had keep their peers where they can (an overwrite in
 * place), the others go to peers that hold none, in the slots left. Old
 * copies not kept are freed later. Returns -ENOSPC if no copy has
 * anywhere to go.
 */
static int nsw_write_targets(struct nsw_dev *dev, struct nsw_cmd *cmd,
			     unsigned int i)
{
	struct nsw_op *ops = &cmd->ops[i * NSW_MAX_REPLICAS];
	unsigned int want = nsw_replicas_now(), c, n = 0;
	u64 old[NSW_MAX_REPLICAS], avoid = 0;

	if (cmd->kind == NSW_CMD_COPY) {
		/* rerep.c's copy: one slot, to a peer with no copy yet. */
		ops[0].copy = cmd->copy_slot;
		return nsw_op_new_target(&ops[0], cmd->copy_avoid);
	}
	nsw_map_take(&dev->map, ops[0].pgoff, old);
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		ops[c].copy = c;
		ops[c].handle = 0;
		if (!old[c])
			continue;
		if (n < want && nsw_op_keep(&ops[c], old[c], avoid)) {
			avoid |= BIT_ULL(ops[c].peer->idx);
			n++;
			continue;
		}
		/* Store it elsewhere; the old copy is freed later. */
		nsw_map_orphan(&dev->map, old[c]);
	}
	for (c = 0; c < NSW_MAX_REPLICAS && n < want; c++) {
		if (ops[c].peer || nsw_op_new_target(&ops[c], avoid))
			continue;
		avoid |= BIT_ULL(ops[c].peer->idx);
		n++;
	}
	return n ? 0 : -ENOSPC;
}

/*
 * The copy of @pgoff a read asks first: one whose store is up and in the
 * session the copy was made in, the least loaded way there (not draining,
 * then the shortest round trip), and none in @tried (bit per copy).
 * Returns its peer, referenced, or NULL, and fills @pick; pick->lost
 * tells whether the page has copies that cannot be read (lost, or on a
 * peer that is down).
 */
struct nsw_peer *nsw_read_pick(struct nsw_map *map, u64 pgoff, u8 tried,
			       struct nsw_pick *pick)
{
	struct nsw_peer *peer, *best = NULL;
	u64 e, h, score, best_score = U64_MAX;
	struct nsw_map_view view;
	unsigned int c;

	nsw_map_snapshot(map, pgoff, &view);
	memset(pick, 0, sizeof(*pick));
	pick->gen = view.gen;
	for (c = 0; c < NSW_MAX_REPLICAS; c++) {
		e = view.slot[c];
		if (!e || e & NSW_ENTRY_PENDING || tried & BIT(c))
			continue;
		if (nsw_entry_lost(e)) {
			pick->lost = true;
			continue;
		}
		rcu_read_lock();
		peer = nsw_peer_get_rcu(nsw_peer_by_idx_rcu(NSW_ENTRY_PEER(e)));
		rcu_read_unlock();
		h = peer ? nsw_session_handle(peer, e) : 0;
		if (!h || nsw_peer_down(peer)) {
			pick->lost = true;
			nsw_peer_put(peer);
			continue;
		}
		score = READ_ONCE(peer->rtt.srtt_us);
		if (nsw_peer_draining(peer) || READ_ONCE(peer->give_back_pages))
			score += U32_MAX;
		if (score >= best_score) {
			nsw_peer_put(peer);
			continue;
		}
		nsw_peer_put(best);
		best = peer;
		best_score = score;
		pick->copy = c;
		pick->entry = e;
		pick->handle = h;
	}
	return best;
}

/*
 * Chooses the copy a read asks for: sets op->peer, op->sess, op->handle
 * (0: a page never written, which reads as zeros), op->copy. Returns
 * -ENOENT if no copy of the page can be read.
 */
static int nsw_read_target(struct nsw_dev *dev, struct nsw_op *op)
{
	struct nsw_pick pick;

	op->handle = 0;
	op->tried = 0;
	op->bad_entry = 0;
	op->peer = nsw_read_pick(&dev->map, op->pgoff, 0, &pick);
	if (!op->peer)
		return pick.lost ? -ENOENT : 0;
	op->copy = pick.copy;
	op->entry = pick.entry;
	op->handle = pick.handle;
	op->gen = pick.gen;
	op->tried = BIT(pick.copy);
	op->sess = atomic_read(&op->peer->session);
	return 0;
}

/*
 * Starts @op, set up by the dispatcher, its page's checksum @sum; returns
 * false if it must wait.
 */
static bool nsw_op_publish(struct nsw_dev *dev, struct nsw_cmd *cmd,
			   struct nsw_op *op, u32 sum, bool defer)
{
	op->cmd = cmd;
	op->tx.store = cmd->write;
	op->tries = 0;
	op->stored = false;
	atomic_set(&op->got, 0);
	op->sum = sum;
	op->sent_ns = 0;
	atomic_inc(&cmd->refs);
	/* On its way already as a LOAD ahead: wait for that one. */
	if (cmd->kind == NSW_CMD_IO && !cmd->write &&
	    nsw_ra_adopt(&dev->ra, op->pgoff, op->peer, &op->tx,
			 op->page, &op->got, &op->sent_ns))
		return true;
	/* Publish the op to the reply path and the retransmitter. */
	atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
	return !defer && nsw_op_start(cmd, op);
}

static void nsw_target_error(u64 pgoff, int err)
{
	if (err == -ENOENT)
		pr_warn_ratelimited("page %llu: no copy left that can be read\n",
				    pgoff);
	else
		pr_warn_ratelimited("no peer to store page %llu\n", pgoff);
}

/*
 * Page @i of @cmd: its copies' ops, or none (a read the readahead cache
 * had, or a page never written). Returns true if an op had to wait.
 */
static bool nsw_dispatch_page(struct nsw_dev *dev, struct nsw_cmd *cmd,
			      unsigned int i, bool defer)
{
	struct nsw_op *ops = &cmd->ops[i * NSW_MAX_REPLICAS];
	unsigned int c;
	u32 sum;
	int err;

	if (!cmd->write && cmd->kind == NSW_CMD_IO &&
	    nsw_ra_take(&dev->ra, ops[0].pgoff, ops[0].page))
		return defer;
	err = cmd->write ? nsw_write_targets(dev, cmd, i) :
			   nsw_read_target(dev, &ops[0]);
	/* After the map let go of the old copy: readahead.h. */
	if (cmd->write && cmd->kind == NSW_CMD_IO)
		nsw_ra_forget(&dev->ra, ops[0].pgoff, 1);
	if (err) {
		nsw_target_error(ops[0].pgoff, err);
		WRITE_ONCE(cmd->status, BLK_STS_IOERR);
		return defer;
	}
	if (!cmd->write && !ops[0].handle) {
		/* rerep.c copies only what a page holds: it was freed. */
		if (cmd->kind != NSW_CMD_IO)
			WRITE_ONCE(cmd->status, BLK_STS_IOERR);
		memzero_page(ops[0].page, 0, PAGE_SIZE);
		return defer;
	}
	sum = cmd->write ? nsw_page_sum(ops[0].page) :
			   nsw_map_sum(&dev->map, ops[0].pgoff);
	for (c = 0; c < NSW_MAX_REPLICAS; c++)
		if (ops[c].peer &&
		    !nsw_op_publish(dev, cmd, &ops[c], sum, defer))
			defer = true;
	return defer;
}

/*
 * One op per copy of each page, sent at once unless reclaim dispatches:
 * a page-in waits one round trip, and reclaim's stack never carries a
 * transmit.
 */
blk_status_t nsw_dispatch(struct nsw_dev *dev, struct request *rq)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	u64 pgoff = blk_rq_is_passthrough(rq) ? cmd->copy_pgoff :
		    blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT);
	struct req_iterator iter;
	unsigned int n = 0, i, c;
	struct bio_vec bv;
	bool defer, reclaim;

	if (!blk_rq_is_passthrough(rq))
		cmd->kind = NSW_CMD_IO;
	/* The queue limits make every segment one whole page. */
	rq_for_each_segment(bv, rq, iter) {
		if (n == NSW_MAX_OPS || bv.bv_offset || bv.bv_len != PAGE_SIZE)
			return BLK_STS_IOERR;
		for (c = 0; c < NSW_MAX_REPLICAS; c++) {
			cmd->ops[n * NSW_MAX_REPLICAS + c].page = bv.bv_page;
			cmd->ops[n * NSW_MAX_REPLICAS + c].pgoff = pgoff + n;
		}
		n++;
	}
	if (pgoff + n > dev->map.nr || (cmd->kind != NSW_CMD_IO && n != 1))
		return BLK_STS_IOERR;

	reclaim = current->flags & PF_MEMALLOC;
	defer = reclaim;
	cmd->write = rq_data_dir(rq) == WRITE;
	cmd->reclaim = reclaim;
	cmd->pages = n;
	if (cmd->kind == NSW_CMD_IO)
		atomic64_add(n, cmd->write ? &dev->written_pages :
					     &dev->read_pages);
	cmd->status = BLK_STS_OK;
	cmd->start = jiffies;
	atomic_set(&cmd->refs, 1);	/* ours, until every op is sent */
	atomic_inc(&dev->busy);

	for (i = 0; i < n; i++)
		defer = nsw_dispatch_page(dev, cmd, i, defer);
	if (defer)
		nsw_rexmit_now(dev);
	else
		nsw_rexmit_arm(dev);
	/* The request's own LOADs are out: now those of what comes next. */
	if (!cmd->write && !reclaim && cmd->kind == NSW_CMD_IO)
		nsw_ra_ahead(&dev->ra, &dev->map, pgoff, n);
	nsw_cmd_put(dev, cmd);
	return BLK_STS_OK;
}

/*
 * The peers the other copies of @op's page went to, or will go to: bit
 * per index. Their op->peer stay set until the request ends.
 */
static u64 nsw_op_siblings(const struct nsw_op *op)
{
	const struct nsw_cmd *cmd = op->cmd;
	unsigned int first = (op - cmd->ops) / NSW_MAX_REPLICAS *
			     NSW_MAX_REPLICAS, c;
	const struct nsw_peer *peer;
	u64 avoid = 0;

	if (cmd->kind == NSW_CMD_COPY)
		return cmd->copy_avoid | BIT_ULL(op->peer->idx);
	for (c = first; c < first + NSW_MAX_REPLICAS; c++) {
		peer = READ_ONCE(cmd->ops[c].peer);
		if (peer)
			avoid |= BIT_ULL(peer->idx);
	}
	return avoid;
}

/* Has @op's page a copy it did not ask yet that can be read? */
bool nsw_op_has_other(struct nsw_dev *dev, const struct nsw_op *op)
{
	struct nsw_peer *peer;
	struct nsw_pick pick;

	peer = nsw_read_pick(&dev->map, op->pgoff, op->tried, &pick);
	nsw_peer_put(peer);
	return peer;
}

/*
 * A read's copy failed, and the caller claimed @op and ended its number:
 * the copy was not there (@spoil: it is marked lost and rerep.c makes
 * another), came back altered, or its peer is down or gone silent. The op
 * asks another copy at once, sent by the retransmit worker. Returns false
 * if there is none left to ask.
 */
bool nsw_op_reread(struct nsw_dev *dev, struct nsw_op *op, bool spoil)
{
	unsigned int k = hweight8(op->tried) - 1;
	struct nsw_peer *next;
	struct nsw_pick pick;

	if (spoil) {
		nsw_map_spoil(&dev->map, op->pgoff, op->copy, op->entry,
			      op->gen);
		nsw_rerep_kick(dev);
	}
	if (k >= ARRAY_SIZE(op->old))
		return false;
	next = nsw_read_pick(&dev->map, op->pgoff, op->tried, &pick);
	if (!next)
		return false;
	pr_info_ratelimited("page %llu: reading the copy on %pISpc instead of %pISpc's\n",
			    op->pgoff, &next->shown, &op->peer->shown);
	/* The retransmit worker may still be looking at the first peer. */
	op->old[k] = op->peer;
	op->tried |= BIT(pick.copy);
	op->copy = pick.copy;
	op->entry = pick.entry;
	op->handle = pick.handle;
	WRITE_ONCE(op->sess, atomic_read(&next->session));
	/* The number is ended: nothing lands in the page from the old one. */
	atomic_set(&op->got, 0);
	op->tries = 0;
	WRITE_ONCE(op->sent_ns, 0);
	WRITE_ONCE(op->peer, next);
	atomic64_set_release(&op->tx.inflight, NSW_TX_QUEUED);
	nsw_rexmit_now(dev);
	return true;
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
	next = nsw_peer_next_target(false, nsw_op_siblings(op));
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
	struct nsw_peer *peer = op->peer;

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
		/* @peer stays referenced by the op (op->old[]). */
		if (!cmd->write && nsw_op_reread(dev, op, true)) {
			atomic64_inc(&peer->failed_requests);
			return;
		}
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

/*
 * @op's copy is stored at @m's handle: the map leads there from now on.
 * A copy rerep.c made lands only if the page did not change meanwhile.
 */
static void nsw_reply_stored(struct nsw_dev *dev, struct nsw_op *op,
			     const struct nsw_msg *m)
{
	struct nsw_cmd *cmd = op->cmd;
	u64 entry = nsw_entry(op->peer->idx, nsw_sess_nr(op->sess), m->handle);

	atomic64_inc(&op->peer->tx_store_pages);
	if (cmd->kind == NSW_CMD_COPY) {
		if (nsw_map_install(&dev->map, op->pgoff, op->copy, entry,
				    &cmd->copy_view, op->sum))
			op->stored = true;
		else
			nsw_map_orphan(&dev->map, entry);
		return;
	}
	/* nsw_map_set()'s lock orders the sum before the entry. */
	WRITE_ONCE(dev->map.sums[op->pgoff], op->sum);
	nsw_map_set(&dev->map, op->pgoff, op->copy, entry);
	op->stored = true;
}

/*
 * Every chunk of @op's page is in (nsw_op_chunk()). Never hand the
 * process a page that is not the one it stored.
 */
static bool nsw_reply_loaded(struct nsw_dev *dev, struct nsw_cmd *cmd,
			     struct nsw_op *op)
{
	u32 sum = nsw_page_sum(op->page);

	atomic64_inc(&op->peer->tx_load_pages);
	if (sum == op->sum) {
		/* A good copy says the altered one was bad: make another. */
		if (op->bad_entry) {
			nsw_map_spoil(&dev->map, op->pgoff, op->bad_copy,
				      op->bad_entry, op->gen);
			nsw_rerep_kick(dev);
		}
		return true;
	}
	atomic64_inc(&op->peer->checksum_error_pages);
	pr_err_ratelimited("%pISpc: page %llu checksum mismatch (%08x, stored %08x)\n",
			   &op->peer->shown, op->pgoff, sum, op->sum);
	/*
	 * Another copy, if there is one, is read into the page instead.
	 * The altered one is dropped only once another proved good: the
	 * fault may have been on the way, or in the only copy there is.
	 */
	if (!op->bad_entry) {
		op->bad_copy = op->copy;
		op->bad_entry = op->entry;
	}
	if (nsw_op_reread(dev, op, false))
		return false;
	WRITE_ONCE(cmd->status, BLK_STS_IOERR);
	return true;
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
	else if (!nsw_reply_loaded(dev, cmd, op))
		return;		/* asks another copy */
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
		/* Its 8 bytes: read in place. */
		if (!pskb_may_pull(skb, NSW_HDR_LEN + m->len)) {
			atomic64_inc(&nsw_rx_dropped[NSW_WERR_LEN]);
			goto out;
		}
		if (nsw_liveness_pong(peer, m,
				      nsw_pong_give_back(skb->data + NSW_HDR_LEN)))
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
