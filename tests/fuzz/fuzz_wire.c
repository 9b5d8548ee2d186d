// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for nsw_hdr_decode(), the one function every datagram
 * from the network passes before the module acts on it. wire.c promises
 * that a decoded header means the datagram holds exactly the payload its
 * type requires, and the module then copies a page or walks a FREE array
 * or a batch (a STORE_ACK's answers, a LOAD's requests) without checking
 * again: a wrong "yes" here is a read past the end of an skb, a wrong
 * "no" a peer that cannot talk to us.
 *
 * Each input is one whole datagram. libFuzzer hands it over in a heap
 * buffer of exactly its size, so AddressSanitizer catches any read beyond
 * it. The verdict is checked against the rules of protocol.rst, written
 * out again here from the bytes rather than through wire.c, and a decoded
 * header must encode back to the bytes it came from. A page travels in
 * chunks: an accepted chunk is copied into a page where its offset says,
 * and must fit there exactly. A broken property prints which and aborts;
 * libFuzzer keeps the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include "wire.h"

/* The Makefile's -max_len: the largest datagram, and then some. */
#define FUZZ_MAX_LEN	4300

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

/* Big-endian field of @n bytes, one byte at a time: no wire.c, no libc. */
static u64 get_be(const u8 *p, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static bool spec_type_ok(u8 type)
{
	return type >= NSW_MSG_STORE && type <= NSW_MSG_MAX;
}

/* Page messages: STORE, and LOAD_ACK when status is OK. */
static bool spec_is_page(u8 type, u8 status)
{
	return type == NSW_MSG_STORE ||
	       (type == NSW_MSG_LOAD_ACK && status == NSW_ST_OK);
}

/*
 * The message types table and "A page and the MTU" of protocol.rst: may
 * this type carry @len bytes from @offset? A page message carries a run
 * of the chunks [0, 1400), [1400, 2800), [2800, 4096) of the page, from
 * one's start to one's end (the whole page, say); FREE carries
 * handles, and KEEP too; AUDIT its floor; every other type carries nothing, and only page messages have
 * an offset.
 */
static bool spec_len_ok(u8 type, u8 status, u64 offset, u64 len)
{
	if (!spec_type_ok(type))
		return false;
	if (spec_is_page(type, status)) {
		u64 end = offset + len;

		return offset % NSW_CHUNK == 0 && offset < NSW_WIRE_PAGE &&
		       end > offset && end <= NSW_WIRE_PAGE &&
		       (end % NSW_CHUNK == 0 || end == NSW_WIRE_PAGE);
	}
	if (offset)
		return false;
	switch (type) {
	case NSW_MSG_AUDIT:		/* the floor, 8 bytes */
	case NSW_MSG_PONG:		/* give_back, 8 bytes */
		return len == 8;
	case NSW_MSG_FREE:		/* n x 8 bytes, 1 <= n <= 160 */
	case NSW_MSG_KEEP:
		return len % 8 == 0 && len >= 8 && len / 8 <= NSW_FREE_BATCH;
	case NSW_MSG_STORE_ACK:		/* n x 24 bytes, 0 <= n <= 56 */
	case NSW_MSG_LOAD:
		return len % 24 == 0 && len / 24 <= NSW_BATCH_MAX;
	default:
		return len == 0;
	}
}

/*
 * Every reason protocol.rst gives to drop this datagram, as a mask of
 * 1 << enum nsw_wire_err; 0 if it must be accepted. Which reason a decoder
 * reports when several apply is its own business.
 */
static unsigned int spec_drop_reasons(const u8 *d, size_t size)
{
	unsigned int why = 0;

	if (size < NSW_HDR_LEN)
		return 1U << NSW_WERR_SHORT;
	if (get_be(d + 0, 4) != NSW_WIRE_MAGIC)
		why |= 1U << NSW_WERR_MAGIC;
	if (d[4] != NSW_WIRE_VERSION)
		why |= 1U << NSW_WERR_VERSION;
	if (!spec_type_ok(d[5]))
		why |= 1U << NSW_WERR_TYPE;
	if (d[7])
		why |= 1U << NSW_WERR_FLAGS;
	/* key_id, tag, and a request's status are 0 in v1. */
	if (get_be(d + 10, 2) || get_be(d + 32, 8) || get_be(d + 40, 8) ||
	    (d[5] % 2 && d[6]))
		why |= 1U << NSW_WERR_RESERVED;
	if (get_be(d + 12, 4) != size - NSW_HDR_LEN ||
	    !spec_len_ok(d[5], d[6], get_be(d + 8, 2), size - NSW_HDR_LEN))
		why |= 1U << NSW_WERR_LEN;
	return why;
}

/*
 * A batch's entries, as the client (STORE_ACK) or store (LOAD) walks
 * them: 24 bytes each, accepted only with their reserved bytes (17..23)
 * zero, and in a LOAD the status (16) too; the first is in the header.
 */
static void use_batch(const struct nsw_msg *m, const u8 *payload)
{
	unsigned int i, n = m->len / 24;
	unsigned int from = m->type == NSW_MSG_LOAD ? 16 : 17;
	bool zero = true;
	struct nsw_msg a;

	FUZZ_ASSERT(m->len % 24 == 0 && n <= NSW_BATCH_MAX);
	for (i = 0; i < m->len; i++)
		if (i % 24 >= from && payload[i])
			zero = false;
	FUZZ_ASSERT(nsw_batch_ok(m->type, payload, m->len) == zero);
	if (!zero)
		return;
	FUZZ_ASSERT(nsw_batch_len(m) == n + 1);
	for (i = 0; i <= n; i++) {
		nsw_batch_at(m, payload, i, &a);
		FUZZ_ASSERT(a.type == m->type && !a.len && !a.offset);
		if (!i) {
			FUZZ_ASSERT(a.req_id == m->req_id &&
				    a.handle == m->handle &&
				    a.status == m->status);
			continue;
		}
		FUZZ_ASSERT(a.req_id == get_be(payload + (i - 1) * 24, 8));
		FUZZ_ASSERT(a.handle == get_be(payload + (i - 1) * 24 + 8, 8));
		FUZZ_ASSERT(a.status == payload[(i - 1) * 24 + 16]);
	}
}

/* What a caller does with an accepted payload, checked byte by byte. */
static void use_payload(const struct nsw_msg *m, const u8 *payload)
{
	static u8 handles[NSW_FREE_BATCH * 8];
	unsigned int i, n;
	u64 handle;

	if (spec_is_page(m->type, m->status)) {
		/* Exactly a page: ASan sees a chunk that does not fit. */
		u8 *page = malloc(NSW_WIRE_PAGE);

		if (!page)
			abort();
		unsigned int chunks = nsw_msg_chunks(m), c, sum = 0;

		FUZZ_ASSERT(m->offset % NSW_CHUNK == 0);
		FUZZ_ASSERT(m->offset < NSW_WIRE_PAGE);
		FUZZ_ASSERT(m->len > 0 && m->len <= NSW_WIRE_PAGE);
		FUZZ_ASSERT(m->offset + m->len <= NSW_WIRE_PAGE);
		/* The run ends at a chunk's end, and its bits tile it. */
		FUZZ_ASSERT((m->offset + m->len) % NSW_CHUNK == 0 ||
			    m->offset + m->len == NSW_WIRE_PAGE);
		FUZZ_ASSERT(chunks && !(chunks & ~NSW_CHUNKS_ALL));
		for (c = 0; c < NSW_CHUNKS; c++)
			if (chunks & (1U << c)) {
				FUZZ_ASSERT(nsw_chunk_off(c) >= m->offset);
				sum += nsw_chunk_len(c);
			}
		FUZZ_ASSERT(sum == m->len);
		/* As the store and client do; compared so the copy stays. */
		memcpy(page + m->offset, payload, m->len);
		FUZZ_ASSERT(!memcmp(page + m->offset, payload, m->len));
		free(page);
		return;
	}
	FUZZ_ASSERT(m->offset == 0);
	if (m->type == NSW_MSG_STORE_ACK || m->type == NSW_MSG_LOAD) {
		use_batch(m, payload);
		return;
	}
	if (m->type == NSW_MSG_AUDIT) {
		FUZZ_ASSERT(m->len == 8);
		return;
	}
	if (m->type == NSW_MSG_PONG) {
		/* The give_back as the client reads it: big endian. */
		FUZZ_ASSERT(m->len == 8);
		FUZZ_ASSERT(nsw_pong_give_back(payload) == get_be(payload, 8));
		return;
	}
	if (m->type != NSW_MSG_FREE && m->type != NSW_MSG_KEEP) {
		FUZZ_ASSERT(m->len == 0);
		return;
	}

	FUZZ_ASSERT(m->len % 8 == 0);
	n = m->len / 8;
	FUZZ_ASSERT(n >= 1 && n <= NSW_FREE_BATCH);
	for (i = 0; i < n; i++) {
		handle = nsw_free_handle_at(payload, i);
		FUZZ_ASSERT(handle == get_be(payload + i * 8, 8));
		nsw_free_handle_put(handles, i, handle);
	}
	FUZZ_ASSERT(!memcmp(handles, payload, m->len));
}

/*
 * Encode the decoded header again, as a sender does (a page message's
 * run of chunks set by nsw_hdr_set_chunks()): the result must be the datagram's own
 * header (key_id and tag are zero in both, as v1 requires), and
 * must decode, with the same payload, to the same message.
 */
static void round_trip(const struct nsw_msg *m, const u8 *d, size_t size)
{
	static const u8 zero[16];
	const size_t key_off = offsetof(struct nsw_hdr, key_id);
	const size_t len_off = offsetof(struct nsw_hdr, len);
	const size_t tag_off = offsetof(struct nsw_hdr, tag);
	struct nsw_hdr h;
	struct nsw_msg m2;
	u8 *d2;

	if (spec_is_page(m->type, m->status)) {
		nsw_hdr_encode(&h, m->type, m->status, m->req_id, m->handle, 0);
		nsw_hdr_set_chunks(&h, m->offset / NSW_CHUNK,
				   __builtin_popcount(nsw_msg_chunks(m)));
	} else {
		nsw_hdr_encode(&h, m->type, m->status, m->req_id, m->handle,
			       m->len);
	}
	/* magic .. flags, and offset. */
	FUZZ_ASSERT(key_off == offsetof(struct nsw_hdr, offset) + 2);
	FUZZ_ASSERT(!memcmp(&h, d, key_off));
	FUZZ_ASSERT(!memcmp((u8 *)&h + len_off, d + len_off, tag_off - len_off));
	FUZZ_ASSERT(!memcmp(&h.key_id, zero, sizeof(h.key_id)));
	FUZZ_ASSERT(!memcmp(h.tag, zero, sizeof(h.tag)));

	d2 = malloc(size);
	if (!d2)
		abort();
	memcpy(d2, &h, NSW_HDR_LEN);
	memcpy(d2 + NSW_HDR_LEN, d + NSW_HDR_LEN, size - NSW_HDR_LEN);
	memset(&m2, 0xa5, sizeof(m2));
	FUZZ_ASSERT(nsw_hdr_decode(d2, size, &m2) == 0);
	FUZZ_ASSERT(m2.type == m->type);
	FUZZ_ASSERT(m2.status == m->status);
	FUZZ_ASSERT(m2.offset == m->offset);
	FUZZ_ASSERT(m2.len == m->len);
	FUZZ_ASSERT(m2.req_id == m->req_id);
	FUZZ_ASSERT(m2.handle == m->handle);
	free(d2);
}

/*
 * In the kernel the header follows the UDP header, rarely 8-byte aligned:
 * decoding at an odd address must work (UBSan flags misaligned access)
 * and agree with the aligned decode.
 */
static void misaligned(const u8 *data, size_t size, int ret,
		       const struct nsw_msg *m)
{
	static u8 buf[8 + FUZZ_MAX_LEN];
	size_t n = size < FUZZ_MAX_LEN ? size : FUZZ_MAX_LEN;
	struct nsw_msg m2;

	memset(&m2, 0xa5, sizeof(m2));
	memcpy(buf + 4, data, n);
	if (n != size)
		return;
	FUZZ_ASSERT(nsw_hdr_decode(buf + 4, n, &m2) == ret);
	FUZZ_ASSERT(ret || !memcmp(&m2, m, sizeof(m2)));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	unsigned int why = spec_drop_reasons(data, size);
	struct nsw_msg m;
	int ret;

	memset(&m, 0xa5, sizeof(m));
	ret = nsw_hdr_decode(data, size, &m);
	misaligned(data, size, ret, &m);

	if (ret) {
		/* Dropped: rightly, and for a reason that applies. */
		FUZZ_ASSERT(ret < 0 && ret > -NSW_WERR_MAX);
		FUZZ_ASSERT(why & 1U << -ret);
		return 0;
	}

	/* Accepted: rightly, and with the fields the bytes hold. */
	FUZZ_ASSERT(!why);
	FUZZ_ASSERT(size >= NSW_HDR_LEN);
	FUZZ_ASSERT(m.len == size - NSW_HDR_LEN);
	FUZZ_ASSERT(spec_len_ok(m.type, m.status, m.offset, m.len));
	FUZZ_ASSERT(m.type == data[5]);
	FUZZ_ASSERT(m.status == data[6]);
	FUZZ_ASSERT(m.offset == get_be(data + 8, 2));
	FUZZ_ASSERT(m.len == get_be(data + 12, 4));
	FUZZ_ASSERT(m.req_id == get_be(data + 16, 8));
	FUZZ_ASSERT(m.handle == get_be(data + 24, 8));

	use_payload(&m, data + NSW_HDR_LEN);
	round_trip(&m, data, size);
	return 0;
}
