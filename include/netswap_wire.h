/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * netswap wire protocol, version 1. Documentation/netswap/protocol.rst is
 * the specification; this header is its C form, shared by the module, the
 * unit tests and any userspace peer. All multi-byte fields are big endian.
 */
#ifndef _NETSWAP_WIRE_H
#define _NETSWAP_WIRE_H

#include <linux/types.h>

#define NSW_WIRE_MAGIC		0x4e535750U	/* "NSWP" */
#define NSW_WIRE_VERSION	1
#define NSW_WIRE_PAGE		4096U		/* bytes in one swap page */
#define NSW_DEFAULT_PORT	7878

/*
 * A PONG's handle: bits 0-47 are how many more pages the store would
 * take from the client that asked, now; bits 48-63 are reserved (0).
 */
#define NSW_PONG_ROOM_MAX	((1ULL << 48) - 1)

/*
 * A PONG's payload: __be64 give_back, how many of the asking client's
 * pages the store wants it to move elsewhere now; 0: none,
 * NSW_GIVE_BACK_ALL: the store drains and wants every page back.
 */
#define NSW_PONG_LEN		8
#define NSW_GIVE_BACK_ALL	(~0ULL)

/* Largest FREE batch: keeps a FREE datagram near one 1500-byte frame. */
#define NSW_FREE_BATCH		160

/* An AUDIT's payload: the lowest req_id whose STORE it keeps. */
#define NSW_AUDIT_LEN		8

/*
 * req_id is the client's sequence number for requests to one store. A
 * client never has requests s and s + NSW_SEQ_WINDOW unanswered at once;
 * the store keeps the last NSW_SEQ_WINDOW numbers to carry out each
 * request at most once (see protocol.rst, "Sequence window").
 */
#define NSW_SEQ_WINDOW		1024

enum nsw_msg_type {
	NSW_MSG_STORE		= 1,	/* client -> store, carries a page */
	NSW_MSG_STORE_ACK	= 2,	/* handle where the page now lives */
	NSW_MSG_LOAD		= 3,	/* client -> store, by handle */
	NSW_MSG_LOAD_ACK	= 4,	/* carries the page */
	NSW_MSG_FREE		= 5,	/* carries an array of __be64 handles */
	NSW_MSG_FREE_ACK	= 6,
	NSW_MSG_RESET		= 7,	/* drop every page of this client */
	NSW_MSG_RESET_ACK	= 8,
	NSW_MSG_PING		= 9,	/* keepalive; req_id a nonce, no window */
	NSW_MSG_PONG		= 10,	/* echoes it; room, __be64 give_back */
	NSW_MSG_AUDIT		= 11,	/* begin an audit: __be64 floor */
	NSW_MSG_AUDIT_ACK	= 12,
	NSW_MSG_KEEP		= 13,	/* __be64 handles the audit keeps */
	NSW_MSG_KEEP_ACK	= 14,
	NSW_MSG_SWEEP		= 15,	/* free what the audit did not keep */
	NSW_MSG_SWEEP_ACK	= 16,	/* bits 0-47 of handle: pages freed */
	NSW_MSG_MAX		= NSW_MSG_SWEEP_ACK,
};

/* Replies are the request type + 1; requests are odd. */
#define NSW_MSG_IS_REPLY(t)	(!((t) & 1))

enum nsw_status {
	NSW_ST_OK	= 0,
	NSW_ST_FULL	= 1,	/* store is at its quota for this client */
	NSW_ST_NOENT	= 2,	/* unknown or stale handle */
	NSW_ST_NOMEM	= 3,	/* store could not get memory right now */
	NSW_ST_INVAL	= 4,	/* malformed request */
	NSW_ST_NOSESSION = 5,	/* no session with this client: RESET first */
};

/*
 * Bits 48-63 of every reply's handle: the store's epoch, drawn at random
 * (never 0) each time it starts. Bits 0-47 of a handle name a slot (see
 * protocol.rst, "Epochs" and "Handles"); a RESET_ACK carries the
 * session's first req_id there instead.
 */
#define NSW_EPOCH_SHIFT		48
#define NSW_HANDLE_SLOT_MASK	((1ULL << NSW_EPOCH_SHIFT) - 1)

/* A store keeps this many RESET nonces of each client (protocol.rst). */
#define NSW_RESET_NONCES	4

/* Header flags. */
#define NSW_F_AUTH	0x01	/* key_id and tag are valid (reserved, v2) */

struct nsw_hdr {
	__be32	magic;
	__u8	version;
	__u8	type;		/* enum nsw_msg_type */
	__u8	status;		/* enum nsw_status; 0 in requests */
	__u8	flags;		/* NSW_F_*; 0 in v1 */
	__be16	offset;		/* of this chunk of the page, see below */
	__be16	key_id;		/* reserved for authentication; 0 in v1 */
	__be32	len;		/* payload bytes following the header */
	__be64	req_id;		/* client's sequence number, echoed */
	__be64	handle;		/* remote slot handle, see protocol.rst */
	__u8	tag[16];	/* reserved for an authentication tag; 0 */
};	/* naturally aligned: no padding, no packing needed */

#define NSW_HDR_LEN	((unsigned int)sizeof(struct nsw_hdr))	/* 48 */

/*
 * A page travels in chunks (STORE, LOAD_ACK): chunk i holds bytes
 * [i * NSW_CHUNK, min((i + 1) * NSW_CHUNK, NSW_WIRE_PAGE)). One datagram
 * carries a run of whole chunks, offset saying where the run starts: one
 * chunk on a 1500-byte link (with IPv6 and UDP headers a 1496-byte
 * datagram, never fragmented), the whole page where the path's MTU
 * allows it. See protocol.rst, "A page and the MTU".
 */
#define NSW_CHUNK	1400U
#define NSW_CHUNKS	((NSW_WIRE_PAGE + NSW_CHUNK - 1) / NSW_CHUNK)	/* 3 */

/*
 * Batches. A STORE_ACK answers the STORE its header names and, in its
 * payload, up to NSW_BATCH_MAX more; a LOAD asks for the page its header
 * names and up to NSW_BATCH_MAX more. Each further answer or request is
 * one struct nsw_batch_entry (status 0 in a LOAD's) and is handled as if
 * it had come alone: a store that carried out several STOREs of a client
 * in a row answers them in one datagram, and a client reading ahead asks
 * for several pages in one. A batch of 1 + NSW_BATCH_MAX is 1392 bytes.
 */
struct nsw_batch_entry {
	__be64	req_id;
	__be64	handle;
	__u8	status;
	__u8	reserved[7];	/* 0 */
};

#define NSW_BATCH_ENTRY_LEN	((unsigned int)sizeof(struct nsw_batch_entry))	/* 24 */
#define NSW_BATCH_MAX		56

/* The largest datagram of one chunk, and of all: a whole page. */
#define NSW_CHUNK_DGRAM	(NSW_HDR_LEN + NSW_CHUNK)
#define NSW_MAX_DGRAM	(NSW_HDR_LEN + NSW_WIRE_PAGE)

#endif /* _NETSWAP_WIRE_H */
