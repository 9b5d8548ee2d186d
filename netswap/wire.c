// SPDX-License-Identifier: GPL-2.0
/*
 * Header encoding and validation, see wire.h. A decoded header guarantees
 * that the datagram holds exactly the payload its type requires, so
 * callers may copy a page or walk a FREE array or a batch without
 * further checks.
 */
#include "wire.h"

void nsw_hdr_encode(struct nsw_hdr *h, u8 type, u8 status, u64 req_id,
		    u64 handle, u32 len)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_be32(NSW_WIRE_MAGIC);
	h->version = NSW_WIRE_VERSION;
	h->type = type;
	h->status = status;
	h->len = cpu_to_be32(len);
	h->req_id = cpu_to_be64(req_id);
	h->handle = cpu_to_be64(handle);
}

/*
 * Sets the run of @n chunks from @first that a page message carries; the
 * caller sends nsw_chunks_len() bytes from nsw_chunk_off(@first) of the
 * page.
 */
void nsw_hdr_set_chunks(struct nsw_hdr *h, unsigned int first,
			unsigned int n)
{
	h->offset = cpu_to_be16(nsw_chunk_off(first));
	h->len = cpu_to_be32(nsw_chunks_len(first, n));
}

/* Are @offset and @len right for a message of this type? */
static bool nsw_len_ok(u8 type, u8 status, u16 offset, u32 len)
{
	/* A run of whole chunks: it starts and ends on chunk bounds. */
	if (nsw_msg_has_page(type, status))
		return offset % NSW_CHUNK == 0 && offset < NSW_WIRE_PAGE &&
		       len && len <= NSW_WIRE_PAGE - offset &&
		       ((offset + len) % NSW_CHUNK == 0 ||
			offset + len == NSW_WIRE_PAGE);
	if (offset)
		return false;
	switch (type) {
	case NSW_MSG_AUDIT:
		return len == NSW_AUDIT_LEN;
	case NSW_MSG_PONG:
		return len == NSW_PONG_LEN;
	case NSW_MSG_FREE:
	case NSW_MSG_KEEP:
		return len && len % sizeof(__be64) == 0 &&
		       len / sizeof(__be64) <= NSW_FREE_BATCH;
	case NSW_MSG_STORE_ACK:
	case NSW_MSG_LOAD:
		return len % NSW_BATCH_ENTRY_LEN == 0 &&
		       len / NSW_BATCH_ENTRY_LEN <= NSW_BATCH_MAX;
	default:
		return len == 0;
	}
}

/*
 * Are the further entries of a decoded batch of @type (@len bytes at @p)
 * well formed: reserved bytes 0, and in requests the status too? Checked
 * apart from the header, since the payload may not be linear in an skb
 * yet.
 */
bool nsw_batch_ok(u8 type, const void *payload, u32 len)
{
	const u8 *p = payload;
	struct nsw_batch_entry e;
	unsigned int i, b;

	for (i = 0; i < len; i += NSW_BATCH_ENTRY_LEN) {
		memcpy(&e, p + i, sizeof(e));
		if (!NSW_MSG_IS_REPLY(type) && e.status)
			return false;
		for (b = 0; b < sizeof(e.reserved); b++)
			if (e.reserved[b])
				return false;
	}
	return true;
}

/* Are the fields v1 reserves 0: key_id, tag, and a request's status? */
static bool nsw_reserved_ok(const struct nsw_hdr *h)
{
	unsigned int i;

	if (h->key_id || (!NSW_MSG_IS_REPLY(h->type) && h->status))
		return false;
	for (i = 0; i < sizeof(h->tag); i++)
		if (h->tag[i])
			return false;
	return true;
}

/*
 * Returns 0 and fills @m, or a negative enum nsw_wire_err. @buf must hold
 * at least min(dgram_len, NSW_HDR_LEN) bytes, at any alignment.
 */
int nsw_hdr_decode(const void *buf, size_t dgram_len, struct nsw_msg *m)
{
	struct nsw_hdr copy, *h = &copy;

	if (dgram_len < NSW_HDR_LEN)
		return -NSW_WERR_SHORT;
	/* A datagram after its UDP header is rarely 8-byte aligned. */
	memcpy(&copy, buf, NSW_HDR_LEN);
	if (be32_to_cpu(h->magic) != NSW_WIRE_MAGIC)
		return -NSW_WERR_MAGIC;
	if (h->version != NSW_WIRE_VERSION)
		return -NSW_WERR_VERSION;
	if (h->type < NSW_MSG_STORE || h->type > NSW_MSG_MAX)
		return -NSW_WERR_TYPE;
	if (h->flags)
		return -NSW_WERR_FLAGS;
	if (!nsw_reserved_ok(h))
		return -NSW_WERR_RESERVED;

	m->type = h->type;
	m->status = h->status;
	m->offset = be16_to_cpu(h->offset);
	m->len = be32_to_cpu(h->len);
	m->req_id = be64_to_cpu(h->req_id);
	m->handle = be64_to_cpu(h->handle);

	if (m->len != dgram_len - NSW_HDR_LEN ||
	    !nsw_len_ok(m->type, m->status, m->offset, m->len))
		return -NSW_WERR_LEN;
	return 0;
}

/*
 * Fills @m with entry @i (0: the header's own) of the batch @first, whose
 * payload is @payload; i < nsw_batch_len(first).
 */
void nsw_batch_at(const struct nsw_msg *first, const void *payload,
		  unsigned int i, struct nsw_msg *m)
{
	struct nsw_batch_entry e;

	*m = *first;
	m->len = 0;
	if (!i)
		return;
	memcpy(&e, (const u8 *)payload + (i - 1) * NSW_BATCH_ENTRY_LEN,
	       sizeof(e));
	m->status = e.status;
	m->req_id = be64_to_cpu(e.req_id);
	m->handle = be64_to_cpu(e.handle);
}

void nsw_batch_put(void *payload, unsigned int i, u8 status, u64 req_id,
		   u64 handle)
{
	struct nsw_batch_entry e = {
		.req_id = cpu_to_be64(req_id),
		.handle = cpu_to_be64(handle),
		.status = status,
	};

	memcpy((u8 *)payload + i * NSW_BATCH_ENTRY_LEN, &e, sizeof(e));
}

/*
 * Adds entry @n (0: the header's own) to a batch of @type being built in
 * @hdr and @more. The header's len is set when it is sent.
 */
void nsw_batch_add(struct nsw_hdr *hdr, void *more, unsigned int n, u8 type,
		   u8 status, u64 req_id, u64 handle)
{
	if (!n)
		nsw_hdr_encode(hdr, type, status, req_id, handle, 0);
	else
		nsw_batch_put(more, n - 1, status, req_id, handle);
}

u64 nsw_free_handle_at(const void *payload, unsigned int i)
{
	__be64 v;

	memcpy(&v, (const u8 *)payload + i * sizeof(v), sizeof(v));
	return be64_to_cpu(v);
}

void nsw_free_handle_put(void *payload, unsigned int i, u64 handle)
{
	__be64 v = cpu_to_be64(handle);

	memcpy((u8 *)payload + i * sizeof(v), &v, sizeof(v));
}
