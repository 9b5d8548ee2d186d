/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoding and validation of netswap datagram headers. Pure code: no kernel
 * dependencies, built into the module and into the userspace unit tests and
 * fuzzer alike. Nothing here trusts the bytes it is given.
 */
#ifndef _NSW_WIRE_H
#define _NSW_WIRE_H

#include "pure.h"
#include "netswap_wire.h"

/* A header that passed nsw_hdr_decode(), in host byte order. */
struct nsw_msg {
	u8 type;
	u8 status;
	u16 offset;	/* of a page message's first chunk; 0 in others */
	u32 len;
	u64 req_id;
	u64 handle;
};

/* Why a datagram was rejected; each has its own counter. */
enum nsw_wire_err {
	NSW_WERR_SHORT = 1,	/* shorter than a header */
	NSW_WERR_MAGIC,		/* not ours */
	NSW_WERR_VERSION,	/* a version we do not speak */
	NSW_WERR_TYPE,		/* unknown message type */
	NSW_WERR_FLAGS,		/* flags we do not implement */
	NSW_WERR_LEN,		/* payload length wrong for its type */
	NSW_WERR_RESERVED,	/* key_id, tag or a request's status set */
	NSW_WERR_MAX
};

void nsw_hdr_encode(struct nsw_hdr *h, u8 type, u8 status, u64 req_id,
		    u64 handle, u32 len);
void nsw_hdr_set_chunks(struct nsw_hdr *h, unsigned int first,
			unsigned int n);

static inline u16 nsw_handle_epoch(u64 handle)
{
	return handle >> NSW_EPOCH_SHIFT;
}

/* Bits 0-47: a slot, or in a RESET_ACK the session's base. */
static inline u64 nsw_handle_slot(u64 handle)
{
	return handle & NSW_HANDLE_SLOT_MASK;
}

static inline u64 nsw_handle_make(u16 epoch, u64 slot)
{
	return (u64)epoch << NSW_EPOCH_SHIFT | nsw_handle_slot(slot);
}

/* Does a message of this type and status carry a page, in chunks? */
static inline bool nsw_msg_has_page(u8 type, u8 status)
{
	return type == NSW_MSG_STORE ||
	       (type == NSW_MSG_LOAD_ACK && status == NSW_ST_OK);
}

static inline unsigned int nsw_chunk_off(unsigned int chunk)
{
	return chunk * NSW_CHUNK;
}

/* Bytes in @chunk: 0 for a chunk beyond the page. */
static inline unsigned int nsw_chunk_len(unsigned int chunk)
{
	unsigned int off = nsw_chunk_off(chunk);

	if (off >= NSW_WIRE_PAGE)
		return 0;
	return NSW_WIRE_PAGE - off < NSW_CHUNK ? NSW_WIRE_PAGE - off :
						 NSW_CHUNK;
}

/* Bit mask of a page's chunks: all of them received. */
#define NSW_CHUNKS_ALL	((1U << NSW_CHUNKS) - 1)

/* Bytes in the run of @n chunks from @first, the page's end cutting it. */
static inline unsigned int nsw_chunks_len(unsigned int first, unsigned int n)
{
	unsigned int end = nsw_chunk_off(first + n);

	if (end > NSW_WIRE_PAGE)
		end = NSW_WIRE_PAGE;
	return end - nsw_chunk_off(first);
}

/*
 * The chunks a decoded page message carries, a bit each: a run from
 * offset, which nsw_hdr_decode() checked starts and ends on chunk bounds.
 */
static inline unsigned int nsw_msg_chunks(const struct nsw_msg *m)
{
	unsigned int first = m->offset / NSW_CHUNK;
	unsigned int end = (m->offset + m->len + NSW_CHUNK - 1) / NSW_CHUNK;

	return ((1U << end) - 1) & ~((1U << first) - 1);
}

/*
 * How many chunks one datagram of a page message may carry, on a path
 * whose IP packets may be @room bytes once IP and UDP headers are taken
 * off: at least one (IP fragments it, if it must), and the whole page
 * where it fits. See protocol.rst, "A page and the MTU".
 */
static inline unsigned int nsw_chunks_per_dgram(unsigned int room)
{
	unsigned int n;

	if (room >= NSW_HDR_LEN + NSW_WIRE_PAGE)
		return NSW_CHUNKS;
	n = room > NSW_HDR_LEN ? (room - NSW_HDR_LEN) / NSW_CHUNK : 0;
	return n ? n : 1;
}

/* May a message of this type carry more of its kind (a batch)? */
static inline bool nsw_msg_batched(u8 type)
{
	return type == NSW_MSG_STORE_ACK || type == NSW_MSG_LOAD;
}

/* Requests or answers in a decoded batched message, its header's too. */
static inline unsigned int nsw_batch_len(const struct nsw_msg *m)
{
	return 1 + m->len / NSW_BATCH_ENTRY_LEN;
}

int nsw_hdr_decode(const void *buf, size_t dgram_len, struct nsw_msg *m);
bool nsw_batch_ok(u8 type, const void *payload, u32 len);
void nsw_batch_at(const struct nsw_msg *first, const void *payload,
		  unsigned int i, struct nsw_msg *m);
void nsw_batch_put(void *payload, unsigned int i, u8 status, u64 req_id,
		   u64 handle);
void nsw_batch_add(struct nsw_hdr *hdr, void *more, unsigned int n, u8 type,
		   u8 status, u64 req_id, u64 handle);
u64 nsw_free_handle_at(const void *payload, unsigned int i);

/* An AUDIT's floor, in its payload like one handle of a FREE's. */
static inline u64 nsw_audit_floor(const void *payload)
{
	return nsw_free_handle_at(payload, 0);
}

void nsw_free_handle_put(void *payload, unsigned int i, u64 handle);

/* A PONG's give_back, its payload's one __be64. */
static inline u64 nsw_pong_give_back(const void *payload)
{
	return nsw_free_handle_at(payload, 0);
}

#endif /* _NSW_WIRE_H */
