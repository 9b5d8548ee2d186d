/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client's request path, see request.c: a block request's pages as
 * ops, each a STORE or a LOAD in flight to one peer.
 */
#ifndef _NSW_REQUEST_H
#define _NSW_REQUEST_H

#include <linux/blk_types.h>
#include <linux/in6.h>
#include <linux/spinlock.h>

#include "rtt.h"
#include "sendwin.h"
#include "wire.h"

struct nsw_cmd;
struct nsw_dev;
struct nsw_peer;
struct page;
struct request;
struct sk_buff;

#define NSW_MAX_OPS		8	/* pages of a request */

/* Published, without a request number yet. */
#define NSW_TX_QUEUED		U64_MAX

struct nsw_op {
	struct nsw_tx tx;	/* tx.inflight: see request.c */
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

static inline enum nsw_rtt_kind nsw_op_kind(const struct nsw_cmd *cmd)
{
	return cmd->write ? NSW_RTT_STORE : NSW_RTT_LOAD;
}

blk_status_t nsw_dispatch(struct nsw_dev *dev, struct request *rq);
void nsw_cmd_put(struct nsw_dev *dev, struct nsw_cmd *cmd);
void nsw_op_send(struct nsw_cmd *cmd, struct nsw_op *op,
		 struct nsw_peer *peer, u64 req_id);
bool nsw_op_start(struct nsw_cmd *cmd, struct nsw_op *op);
bool nsw_op_sess_over(struct nsw_op *op);
void nsw_op_tx_end(struct nsw_dev *dev, struct nsw_op *op, u64 id,
		   bool answered);
bool nsw_op_retarget(struct nsw_dev *dev, struct nsw_op *op);
void nsw_op_fail(struct nsw_dev *dev, struct nsw_cmd *cmd,
		 struct nsw_op *op);
void nsw_request_rx(struct nsw_dev *dev, struct sk_buff *skb,
		    const struct sockaddr_in6 *from, const struct nsw_msg *m);

#endif /* _NSW_REQUEST_H */
