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

#include "map.h"
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
/* Ops of a request: one per copy of each page; ops[page * R + copy]. */
#define NSW_CMD_OPS		(NSW_MAX_OPS * NSW_MAX_REPLICAS)

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
	/* A read's earlier peers, each tried once: ditto. */
	struct nsw_peer *old[NSW_MAX_REPLICAS - 1];
	u64 entry;		/* read: the map entry of the copy it reads */
	u32 gen;		/* read: the page's generation then, map.h */
	u64 bad_entry;		/* read: a copy that came back altered, */
	u8 bad_copy;		/* to drop once another proves good */
	u8 copy;		/* which of the page's copies, map.h */
	u8 tried;		/* read: bit per copy asked so far */
	bool stored;		/* write: this copy is stored */
	u64 sent_ns;		/* last transmission; 0: not sent yet */
	unsigned int tries;
	u32 sum;		/* checksum of the page, stored or expected */
	atomic_t got;		/* LOAD: chunks of the page received */
	spinlock_t chunk_lock;	/* got and the page's bytes, see nsw_op_chunk() */
};

/*
 * What a request is: the block layer's I/O, or one of rerep.c's own
 * (driver-private, REQ_OP_DRV_IN/OUT): a read of a page it copies, and
 * the store of the copy.
 */
enum nsw_cmd_kind {
	NSW_CMD_IO,
	NSW_CMD_COPY_READ,
	NSW_CMD_COPY,
};

struct nsw_cmd {
	atomic_t refs;
	blk_status_t status;
	bool write;
	bool reclaim;		/* reclaim writes it out: see nsw_op_send() */
	u8 kind;		/* enum nsw_cmd_kind, set by rerep.c */
	unsigned long start;
	unsigned int pages;
	/* rerep.c's requests: which page, its slots when read, the slot. */
	u64 copy_pgoff;
	struct nsw_map_view copy_view;
	u64 copy_avoid;		/* peers (bit per index) that hold copies */
	unsigned int copy_slot;
	struct nsw_op ops[NSW_CMD_OPS];
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
bool nsw_op_has_other(struct nsw_dev *dev, const struct nsw_op *op);
bool nsw_op_reread(struct nsw_dev *dev, struct nsw_op *op, bool spoil);
/* The copy of a page a read asks, see nsw_read_pick(). */
struct nsw_pick {
	unsigned int copy;
	u64 entry;
	u64 handle;
	u32 gen;		/* the page's generation then, map.h */
	bool lost;		/* some copies cannot be read */
};

struct nsw_peer *nsw_read_pick(struct nsw_map *map, u64 pgoff, u8 tried,
			       struct nsw_pick *pick);
void nsw_op_fail(struct nsw_dev *dev, struct nsw_cmd *cmd,
		 struct nsw_op *op);
void nsw_request_rx(struct nsw_dev *dev, struct sk_buff *skb,
		    const struct sockaddr_in6 *from, const struct nsw_msg *m);

#endif /* _NSW_REQUEST_H */
