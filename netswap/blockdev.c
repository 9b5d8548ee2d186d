// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/netswap0: the client role's block device.
 *
 * Each request is split into page-sized operations (ops), one datagram
 * each: a write STOREs the page on a peer, which answers with the handle
 * it chose; a read LOADs it back by handle. Everything an op needs lives
 * in the request's blk-mq payload (struct nsw_cmd), allocated once with
 * the tag set, so the I/O path allocates nothing.
 *
 * An op's req_id is the next number in its peer's send window
 * (peer.h); the window's ring leads a reply straight back to the op.
 *
 * Every page carries a checksum (pagesum.h): computed before a STORE
 * leaves, kept in the map, and checked when a LOAD brings the page back,
 * so a peer that returns anything but what it was given causes an I/O
 * error, never wrong data in a process.
 *
 * Reclaim (kswapd, or a task in direct reclaim) only publishes its ops:
 * the whole UDP/IP/driver transmit path on top of reclaim's own deep
 * stack overflowed kswapd's stack on 6.12. The retransmit worker sends
 * them from its own stack. Everyone else sends inline, which keeps
 * page-in latency at one network round trip.
 *
 * An op is in flight while op->tx.inflight holds its req_id, or
 * NSW_TX_QUEUED while it waits to be sent or for room in the window.
 * Whoever moves it to 0 with cmpxchg (the reply in softirq, or the
 * retransmit worker giving up) frees its window slot and completes it.
 * cmd->refs counts ops in flight plus temporary users (the dispatcher, a
 * retransmission in progress); the request ends when it drops to zero,
 * so a page is never read for sending after its request ended.
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
 *    if need be while the device is open (nsw_open(): the socket is a
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

#include <linux/module.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/sched.h>

#include "compat.h"
#include "client.h"
#include "audit.h"
#include "ctl.h"
#include "events.h"
#include "liveness.h"
#include "map.h"
#include "pagesum.h"
#include "peer.h"
#include "readahead.h"
#include "session.h"
#include "transport.h"
#include "../include/uapi/netswap.h"

/*
 * Two hardware queues, each with NSW_QUEUE_DEPTH requests of up to
 * NSW_MAX_OPS pages: one for reads, one for writes and the rest, so a
 * page-in never waits for a request slot that swap-outs hold. There is
 * no I/O scheduler (see nsw_client_init()) to queue requests in, so a
 * task that finds the write queue's slots taken sleeps for one. With 16,
 * most likely reclaim stalled so on a lossy link, where the STORE window
 * (cwnd.h) shrinks to 8 pages, and page-ins a second fell by a quarter
 * (bench/NOTES.md, step 27).
 *
 * Slots cost no memory beyond the tag set's. Under reclaim each page
 * sent costs about 7 KiB of socket buffers, from the emergency reserves,
 * until the NIC has sent it: at most the write queue's NSW_QUEUE_DEPTH
 * requests of NSW_MAX_OPS pages (256), or NSW_CWND_MAX (128) while
 * there is one peer. 2048 pages in flight once emptied the reserves of a
 * 256 MiB VM, so that the NIC could not refill its receive ring and the
 * replies that would free memory were lost. A LOAD is a header only,
 * and nothing is read under reclaim.
 */
enum { NSW_HCTX_WRITE, NSW_HCTX_READ, NSW_NR_HCTX };
#define NSW_QUEUE_DEPTH		32
#define NSW_MAX_OPS		8
#define NSW_REXMIT_TICK		(HZ / 50)

/* Published, without a request number yet. */
#define NSW_TX_QUEUED		U64_MAX

struct nsw_cmd;

struct nsw_op {
	struct nsw_tx tx;	/* tx.inflight: see above */
	struct nsw_cmd *cmd;
	struct page *page;
	u64 pgoff;		/* page index on the device */
	u64 handle;		/* LOAD: source; STORE: page to overwrite */
	u32 sess;		/* the session with peer it was sent in */
	struct nsw_peer *peer;	/* reference held until the request ends */
	struct nsw_peer *full;	/* refused this page; ditto */
	u64 sent_ns;		/* last transmission; 0: not sent yet */
	unsigned int tries;
	u32 sum;		/* checksum of the page, stored or expected */
	atomic_t got;		/* LOAD: chunks of the page received */
	spinlock_t chunk_lock;	/* got and the page's bytes, see nsw_op_chunk() */
};

struct nsw_cmd {
	atomic_t refs;
	blk_status_t status;
	bool write;
	bool reclaim;		/* reclaim writes it out: see nsw_op_send() */
	unsigned long start;
	struct nsw_op ops[NSW_MAX_OPS];
};

struct nsw_dev {
	struct gendisk *disk;
	struct blk_mq_tag_set set;
	struct nsw_map map;
	struct nsw_ra ra;
	int major;
	unsigned int openers;	/* under disk->open_mutex */
	atomic_t busy;		/* requests in flight */
	struct delayed_work rexmit;
	/* Pages asked of the device, and block requests failed. */
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t discards;
	atomic64_t io_errors;
};

static struct nsw_dev *nsw_dev;

static struct request *nsw_cmd_rq(struct nsw_cmd *cmd)
{
	return blk_mq_rq_from_pdu(cmd);
}

static void nsw_cmd_put(struct nsw_dev *dev, struct nsw_cmd *cmd)
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
		atomic64_inc(&dev->io_errors);
	blk_mq_end_request(nsw_cmd_rq(cmd), READ_ONCE(cmd->status));
}

/* The op failed. Its caller won the cmpxchg on op->tx.inflight. */
static void nsw_op_fail(struct nsw_dev *dev, struct nsw_cmd *cmd,
			struct nsw_op *op)
{
	atomic64_inc(&op->peer->tx_errors);
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
static void nsw_op_send(struct nsw_cmd *cmd, struct nsw_op *op,
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
static bool nsw_op_sess_over(struct nsw_op *op)
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
static bool nsw_op_start(struct nsw_cmd *cmd, struct nsw_op *op)
{
	u64 seq;

	if (!nsw_op_sess_ready(op))
		return false;
	if (nsw_peer_tx_start(op->peer, &op->tx, NSW_TX_QUEUED, &seq))
		return false;
	nsw_op_send(cmd, op, op->peer, seq);
	return true;
}

/* @op's request number @id is done with: @answered, or given up. */
static void nsw_op_tx_end(struct nsw_dev *dev, struct nsw_op *op, u64 id,
			  bool answered)
{
	if (!op->tx.store)
		nsw_peer_tx_end(op->peer, id);
	else if (nsw_peer_store_end(op->peer, &op->tx, id, answered))
		mod_delayed_work(nsw_reclaim_wq, &dev->rexmit, 0);
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

static blk_status_t nsw_dispatch(struct nsw_dev *dev, struct request *rq)
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
	atomic64_add(n, cmd->write ? &dev->writes : &dev->reads);
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
		mod_delayed_work(nsw_reclaim_wq, &dev->rexmit, 0);
	else
		queue_delayed_work(nsw_reclaim_wq, &dev->rexmit,
				   NSW_REXMIT_TICK);
	/* The request's own LOADs are out: now those of what comes next. */
	if (!cmd->write && !reclaim)
		nsw_ra_ahead(&dev->ra, &dev->map, pgoff, n);
	nsw_cmd_put(dev, cmd);
	return BLK_STS_OK;
}

static blk_status_t nsw_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	struct nsw_dev *dev = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	blk_status_t st;

	blk_mq_start_request(rq);
	switch (req_op(rq)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return nsw_dispatch(dev, rq);
	case REQ_OP_FLUSH:
		/* A page is in the peer's RAM once acknowledged. */
		st = BLK_STS_OK;
		break;
	case REQ_OP_DISCARD:
		atomic64_add(blk_rq_bytes(rq) >> PAGE_SHIFT, &dev->discards);
		nsw_map_discard(&dev->map,
				blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT),
				blk_rq_bytes(rq) >> PAGE_SHIFT);
		nsw_ra_forget(&dev->ra,
			      blk_rq_pos(rq) >> (PAGE_SHIFT - SECTOR_SHIFT),
			      blk_rq_bytes(rq) >> PAGE_SHIFT);
		st = BLK_STS_OK;
		break;
	default:
		st = BLK_STS_NOTSUPP;
		break;
	}
	blk_mq_end_request(rq, st);
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
static bool nsw_op_retarget(struct nsw_dev *dev, struct nsw_op *op)
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
	mod_delayed_work(nsw_reclaim_wq, &dev->rexmit, 0);
	return true;
}

static enum nsw_rtt_kind nsw_op_kind(const struct nsw_cmd *cmd)
{
	return cmd->write ? NSW_RTT_STORE : NSW_RTT_LOAD;
}

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
	pr_warn_ratelimited("page %llu: lost with %pISpc's session\n",
			    op->pgoff, &op->peer->shown);
	nsw_op_fail(dev, cmd, op);
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
	for (i = 0; i < NSW_MAX_OPS; i++) {
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
			/* A new page can go to a peer that is up instead. */
			if (!expired && cmd->write && nsw_op_retarget(dev, op))
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
		if (cmd->write && nsw_peer_store_lost(peer, &op->tx, id))
			mod_delayed_work(nsw_reclaim_wq, &dev->rexmit, 0);
		op->tries++;
		atomic64_inc(&peer->retransmits);
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
	for (i = 0; time_after(jiffies, cmd->start + HZ) && i < NSW_MAX_OPS;
	     i++) {
		struct nsw_op *op = &cmd->ops[i];

		if (atomic64_read_acquire(&op->tx.inflight) == NSW_TX_QUEUED &&
		    !nsw_peer_down(READ_ONCE(op->peer)) && !nsw_op_sess_over(op))
			nsw_op_start(cmd, op);
	}
	nsw_cmd_put(data, cmd);
	return true;
}

static void nsw_rexmit_work(struct work_struct *work)
{
	struct nsw_dev *dev = container_of(to_delayed_work(work),
					   struct nsw_dev, rexmit);

	blk_mq_tagset_busy_iter(&dev->set, nsw_rexmit_old_rq, dev);
	blk_mq_tagset_busy_iter(&dev->set, nsw_rexmit_rq, dev);
	/* LOADs ahead may outlive the reads that sent them: expire them too. */
	if (nsw_ra_expire(&dev->ra) || atomic_read(&dev->busy))
		queue_delayed_work(nsw_reclaim_wq, &dev->rexmit,
				   NSW_REXMIT_TICK);
}

/*
 * Softirq. Copies a LOAD_ACK's chunks into @op's page. Returns true for
 * the one call that completes the page. Chunks of one reply may be
 * handled on several CPUs at once, and duplicates may come after the
 * page is complete: a reference on the request keeps the page ours while
 * we write to it, and op->chunk_lock makes each chunk land once, before
 * the page is complete, so no byte changes after the caller checked the
 * sum (a lying store could otherwise slip one past it).
 */
static bool nsw_op_chunk(struct nsw_op *op, struct sk_buff *skb,
			 const struct nsw_msg *m)
{
	struct nsw_cmd *cmd = op->cmd;
	unsigned int new, mask = nsw_msg_chunks(m);
	bool done = false;
	void *dst;
	int old;

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
	nsw_cmd_put(nsw_dev, cmd);
	return done;
}

/* Softirq. One answer of @peer's, to the request it names. */
static void nsw_client_reply(struct nsw_dev *dev, struct nsw_peer *peer,
			     struct sk_buff *skb, const struct nsw_msg *m)
{
	struct nsw_tx *tx;
	struct nsw_cmd *cmd;
	struct nsw_op *op;
	u32 sum;

	tx = nsw_peer_tx_find(peer, m->req_id);
	if (!tx)
		goto stale;	/* an earlier copy already answered */
	/* Only the answer to the request may tell of its session. */
	if (m->type != nsw_tx_reply_type(tx) || !nsw_session_check(peer, m))
		goto stale;
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
	op = container_of(tx, struct nsw_op, tx);
	cmd = READ_ONCE(op->cmd);
	if (!dev || READ_ONCE(op->peer) != peer ||
	    READ_ONCE(op->sess) != atomic_read(&peer->session) ||
	    m->type != (cmd->write ? NSW_MSG_STORE_ACK : NSW_MSG_LOAD_ACK))
		goto stale;
	/*
	 * The store is short of memory: let retransmission ask again. Or it
	 * has no session with us: the retransmit worker sees it is over.
	 */
	if (m->status == NSW_ST_NOMEM || m->status == NSW_ST_NOSESSION)
		return;
	/* A page is never mapped to what names no slot of this session. */
	if (cmd->write && m->status == NSW_ST_OK &&
	    (!nsw_handle_slot(m->handle) ||
	     nsw_handle_epoch(m->handle) != nsw_sess_epoch(op->sess))) {
		atomic64_inc(&nsw_rx_dropped[NSW_RX_HANDLE]);
		return;
	}
	if (nsw_msg_has_page(m->type, m->status) && !nsw_op_chunk(op, skb, m))
		return;		/* more chunks to come */
	if (atomic64_cmpxchg(&op->tx.inflight, m->req_id, 0) != m->req_id)
		return;
	nsw_op_tx_end(dev, op, m->req_id, m->status == NSW_ST_OK);

	if (m->status != NSW_ST_OK) {
		if (m->status == NSW_ST_FULL) {
			WRITE_ONCE(op->peer->full, true);
			pr_warn_ratelimited("%pISpc is full\n", &op->peer->shown);
			if (!test_and_set_bit(NSW_PEER_EV_FULL,
					      &op->peer->ev_bits))
				nsw_event_post(NETSWAP_EVENT_PEER_FULL, op->peer);
			/*
			 * An overwrite answered FULL: its page is gone there
			 * (an audit freed it), so it is a new page now.
			 */
			if (cmd->write)
				op->handle = 0;
			if (cmd->write && nsw_op_retarget(dev, op))
				return;
		} else {
			pr_err_ratelimited("%pISpc lost page %llu (status %u)\n",
					   &op->peer->shown, op->pgoff,
					   m->status);
		}
		nsw_op_fail(dev, cmd, op);
		return;
	}
	/* Karn: a retransmitted request's reply says nothing of the RTT. */
	if (!op->tries) {
		u64 rtt_us = div_u64(ktime_get_ns() - op->sent_ns,
				     NSEC_PER_USEC);

		spin_lock(&op->peer->rtt_lock);
		nsw_rtt_sample(&op->peer->rtt, min_t(u64, rtt_us, U32_MAX));
		nsw_rtt_delivered(&op->peer->rtt, nsw_op_kind(cmd),
				  op->sent_ns);
		spin_unlock(&op->peer->rtt_lock);
	}
	if (cmd->write) {
		/* nsw_map_set()'s xchg orders the sum before the entry. */
		WRITE_ONCE(dev->map.sums[op->pgoff], op->sum);
		nsw_map_set(&dev->map, op->pgoff,
			    nsw_entry(op->peer->idx, nsw_sess_nr(op->sess),
				      m->handle));
		atomic64_inc(&op->peer->tx_stores);
	} else {
		/* Every chunk is in: see nsw_op_chunk(). */
		sum = nsw_page_sum(op->page);
		atomic64_inc(&op->peer->tx_loads);
		if (sum != op->sum) {
			/* Never hand the process a page that is not its own. */
			atomic64_inc(&op->peer->crc_errors);
			pr_err_ratelimited("%pISpc: page %llu checksum mismatch (%08x, stored %08x)\n",
					   &op->peer->shown, op->pgoff, sum,
					   op->sum);
			WRITE_ONCE(cmd->status, BLK_STS_IOERR);
		}
	}
	nsw_cmd_put(dev, cmd);
	return;
stale:
	atomic64_inc(&nsw_rx_dropped[NSW_RX_STALE]);
}

/*
 * Softirq, from the transport. Consumes @skb. A STORE_ACK may answer
 * several STOREs (protocol.rst): each answer is handled as if it had come
 * alone.
 */
void nsw_client_rx(struct sk_buff *skb, const struct sockaddr_in6 *from,
		   const struct nsw_msg *m)
{
	struct nsw_dev *dev = READ_ONCE(nsw_dev);
	struct nsw_peer *peer;
	struct nsw_msg one;
	unsigned int i;

	/*
	 * Softirq is an RCU reader: peers are freed after a grace period,
	 * ops and control requests live as long as the module's state.
	 */
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
		nsw_client_reply(dev, peer, skb, m);
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
		nsw_client_reply(dev, peer, skb, &one);
	}
out:
	kfree_skb(skb);
}

static void nsw_swap_slot_free_notify(struct block_device *bdev,
				      unsigned long offset)
{
	struct nsw_dev *dev = bdev->bd_disk->private_data;

	/*
	 * Under the swap device's locks, and from free_swap_slot() with
	 * interrupts off: nothing here sleeps or enables BH. Only marks the
	 * page; the free worker does the rest.
	 */
	atomic64_inc(&dev->discards);
	nsw_map_discard(&dev->map, offset, 1);
	nsw_ra_forget(&dev->ra, offset, 1);
}

/*
 * Swap on the device is open, and reclaim may wait for the replies to
 * its writes: receive them from the reserves if need be, until the last
 * opener closes (transport.c).
 */
int nsw_open(struct gendisk *disk)
{
	struct nsw_dev *dev = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	if (!dev->openers++)
		nsw_transport_memalloc(true);
	return 0;
}

void nsw_release(struct gendisk *disk)
{
	struct nsw_dev *dev = disk->private_data;

	lockdep_assert_held(&disk->open_mutex);
	if (!--dev->openers)
		nsw_transport_memalloc(false);
}

static const struct block_device_operations nsw_fops = {
	.owner			= THIS_MODULE,
	.open			= nsw_bdev_open,
	.release		= nsw_bdev_release,
	.swap_slot_free_notify	= nsw_swap_slot_free_notify,
};

/* Once per request slot, for the tag set's lifetime. */
static int nsw_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct nsw_cmd *cmd = blk_mq_rq_to_pdu(rq);
	unsigned int i;

	for (i = 0; i < NSW_MAX_OPS; i++)
		spin_lock_init(&cmd->ops[i].chunk_lock);
	return 0;
}

/* Reads to the read queue; writes, discards and flushes to the other. */
static const unsigned int nsw_hctx_of_type[] = {
	[HCTX_TYPE_DEFAULT]	= NSW_HCTX_WRITE,
	[HCTX_TYPE_READ]	= NSW_HCTX_READ,
};

static void nsw_map_queues(struct blk_mq_tag_set *set)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nsw_hctx_of_type); i++) {
		set->map[i].nr_queues = 1;
		set->map[i].queue_offset = nsw_hctx_of_type[i];
		blk_mq_map_queues(&set->map[i]);
	}
}

static const struct blk_mq_ops nsw_mq_ops = {
	.queue_rq	= nsw_queue_rq,
	.init_request	= nsw_init_request,
	.map_queues	= nsw_map_queues,
};

#define NSW_DEV_COUNTER(_file, _attr, _field) \
	{ _file, NETSWAP_A_DEV_##_attr, offsetof(struct nsw_dev_info, _field) }

const struct nsw_dev_counter nsw_dev_counters[NSW_DEV_COUNTERS] = {
	NSW_DEV_COUNTER("device_size",		SIZE,		size),
	NSW_DEV_COUNTER("device_reads",		READS,		reads),
	NSW_DEV_COUNTER("device_writes",	WRITES,		writes),
	NSW_DEV_COUNTER("device_discards",	DISCARDS,	discards),
	NSW_DEV_COUNTER("device_io_errors",	IO_ERRORS,	io_errors),
	NSW_DEV_COUNTER("readahead_loads",	RA_LOADS,	ra_loads),
	NSW_DEV_COUNTER("readahead_hits",	RA_HITS,	ra_hits),
	NSW_DEV_COUNTER("readahead_unused",	RA_UNUSED,	ra_unused),
};

void nsw_client_info(struct nsw_dev_info *info)
{
	struct nsw_dev *dev = nsw_dev;

	memset(info, 0, sizeof(*info));
	info->state = NETSWAP_DEV_NONE;
	if (!dev)
		return;
	info->name = dev->disk->disk_name;
	info->size = get_capacity(dev->disk) << SECTOR_SHIFT;
	info->mapped = atomic64_read(&dev->map.mapped);
	info->openers = disk_openers(dev->disk);
	info->state = info->openers ? NETSWAP_DEV_OPEN : NETSWAP_DEV_IDLE;
	info->reads = atomic64_read(&dev->reads);
	info->writes = atomic64_read(&dev->writes);
	info->discards = atomic64_read(&dev->discards);
	info->io_errors = atomic64_read(&dev->io_errors);
	info->ra_loads = atomic64_read(&dev->ra.loads);
	info->ra_hits = atomic64_read(&dev->ra.hits);
	info->ra_unused = atomic64_read(&dev->ra.unused);
}

/*
 * A session with @peer is to begin, or @peer leaves the table: the pages
 * of the last session are lost (the store restarted), or there are none.
 */
void nsw_client_forget_peer(struct nsw_peer *peer)
{
	struct nsw_dev *dev = READ_ONCE(nsw_dev);
	u64 n;

	if (!dev)
		return;
	n = nsw_map_forget_peer(&dev->map, peer->idx);
	if (n)
		pr_info("%pISpc: %llu pages of ours there marked lost\n",
			&peer->shown, n);
}

/*
 * Process context, for an audit (audit.h): the handles of up to @max
 * pages of ours on @peer in its current session, from page *@pos on.
 */
unsigned int nsw_client_handles(struct nsw_peer *peer, u64 *pos,
				__be64 *out, unsigned int max)
{
	struct nsw_dev *dev = READ_ONCE(nsw_dev);

	return dev ? nsw_map_handles(&dev->map, peer, pos, out, max) : 0;
}

int nsw_client_init(u64 size_bytes)
{
	const struct nsw_disk_limits lim = {
		.block_size		= PAGE_SIZE,
		.max_sectors		= NSW_MAX_OPS * (PAGE_SIZE >> SECTOR_SHIFT),
		.max_discard_sectors	= UINT_MAX >> SECTOR_SHIFT,
	};
	struct nsw_dev *dev;
	struct gendisk *disk;
	int err;

	/* Requests never wait for numbers in the peer's window. */
	BUILD_BUG_ON(NSW_NR_HCTX * NSW_QUEUE_DEPTH * NSW_MAX_OPS +
		     NSW_RA_SLOTS > NSW_SEQ_WINDOW);
	if (!size_bytes)
		return 0;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	INIT_DELAYED_WORK(&dev->rexmit, nsw_rexmit_work);

	err = nsw_map_init(&dev->map, size_bytes >> PAGE_SHIFT);
	if (err)
		goto err_free;
	err = nsw_ra_init(&dev->ra);
	if (err)
		goto err_map;

	dev->major = register_blkdev(0, "netswap");
	if (dev->major < 0) {
		err = dev->major;
		goto err_ra;
	}

	dev->set.ops = &nsw_mq_ops;
	dev->set.nr_hw_queues = NSW_NR_HCTX;
	dev->set.nr_maps = ARRAY_SIZE(nsw_hctx_of_type);
	dev->set.queue_depth = NSW_QUEUE_DEPTH;
	dev->set.numa_node = NUMA_NO_NODE;
	dev->set.cmd_size = sizeof(struct nsw_cmd);
	/*
	 * BLOCKING: blk-mq then calls nsw_queue_rq() only from a task,
	 * whose flags tell nsw_dispatch() whether it is reclaiming; nothing
	 * there sleeps (nsw_send() allocates GFP_ATOMIC).
	 * No I/O scheduler: there is no seek to save, the plug already
	 * merges a swap-out's neighbouring pages, reads have their own
	 * queue, and on 6.1 a scheduler makes every dispatch of a BLOCKING
	 * queue a trip through kblockd (bench/NOTES.md, steps 24 and 27).
	 */
	dev->set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_BLOCKING |
			 BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	dev->set.driver_data = dev;
	err = blk_mq_alloc_tag_set(&dev->set);
	if (err)
		goto err_blkdev;

	disk = nsw_alloc_disk(&dev->set, &lim, dev);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto err_tags;
	}
	dev->disk = disk;
	disk->major = dev->major;
	disk->first_minor = 0;
	disk->minors = 1;
	disk->fops = &nsw_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "netswap0");
	set_capacity(disk, size_bytes >> SECTOR_SHIFT);

	WRITE_ONCE(nsw_dev, dev);
	err = add_disk(disk);
	if (err)
		goto err_disk;
	pr_info("%s: %llu MiB\n", disk->disk_name, size_bytes >> 20);
	return 0;

err_disk:
	WRITE_ONCE(nsw_dev, NULL);
	put_disk(disk);
err_tags:
	blk_mq_free_tag_set(&dev->set);
err_blkdev:
	unregister_blkdev(dev->major, "netswap");
err_ra:
	nsw_ra_destroy(&dev->ra);
err_map:
	nsw_map_destroy(&dev->map);
err_free:
	kfree(dev);
	return err;
}

static int nsw_reset_one(struct nsw_peer *peer, void *arg)
{
	struct nsw_peer **list = arg;

	if (atomic64_read(&peer->placed) || atomic64_read(&peer->tx_stores))
		list[peer->idx] = nsw_peer_get_rcu(peer);
	return 0;
}

/*
 * The module is going away and the disk is closed (the block layer holds
 * a module reference while it is open): free what we placed on peers.
 */
void nsw_client_exit(void)
{
	struct nsw_peer *list[NSW_MAX_PEERS] = {};
	struct nsw_dev *dev = nsw_dev;
	unsigned int i;

	if (!dev)
		return;
	del_gendisk(dev->disk);
	cancel_delayed_work_sync(&dev->rexmit);
	nsw_map_flush(&dev->map);

	nsw_peer_for_each(nsw_reset_one, list, 0);
	for (i = 0; i < NSW_MAX_PEERS; i++) {
		if (!list[i])
			continue;
		if (nsw_session_reset(list[i], NULL))
			pr_warn("%pISpc did not confirm dropping our pages\n",
				&list[i]->shown);
		nsw_peer_put(list[i]);
	}

	WRITE_ONCE(nsw_dev, NULL);
	synchronize_net();	/* no reply handler still looks at dev */
	nsw_ra_destroy(&dev->ra);
	put_disk(dev->disk);
	blk_mq_free_tag_set(&dev->set);
	unregister_blkdev(dev->major, "netswap");
	nsw_map_destroy(&dev->map);
	kfree(dev);
}
