// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of netswap/wire.c: header encoding, decoding and validation.
 * Datagrams are built in heap buffers of exactly their length so that
 * AddressSanitizer reports any read past the end.
 */
#include <stdlib.h>
#include "wire.h"
#include "test.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * A datagram of exactly @dgram_len bytes; header encoded if it fits, with
 * @offset written into its offset field by hand (big endian).
 */
static u8 *mkdgram_off(size_t dgram_len, u8 type, u8 status, u64 req_id,
		       u64 handle, u16 offset, u32 len)
{
	u8 hb[NSW_HDR_LEN];
	u8 *d = malloc(dgram_len ? dgram_len : 1);
	struct nsw_hdr h;
	size_t i;

	if (!d)
		abort();
	nsw_hdr_encode(&h, type, status, req_id, handle, len);
	memcpy(hb, &h, NSW_HDR_LEN);
	hb[8] = offset >> 8;
	hb[9] = offset & 0xff;
	memcpy(d, hb, dgram_len < NSW_HDR_LEN ? dgram_len : NSW_HDR_LEN);
	for (i = NSW_HDR_LEN; i < dgram_len; i++)
		d[i] = (u8)(i * 7);
	return d;
}

static u8 *mkdgram(size_t dgram_len, u8 type, u8 status, u64 req_id,
		   u64 handle, u32 len)
{
	return mkdgram_off(dgram_len, type, status, req_id, handle, 0, len);
}

/*
 * Decode a datagram whose header says @offset and @len, with @len bytes
 * following: well-formed but for what offset and len themselves say.
 */
static int decode_off(u8 type, u8 status, u16 offset, u32 len)
{
	struct nsw_msg m;
	u8 *d = mkdgram_off(NSW_HDR_LEN + len, type, status, 42, 43, offset,
			    len);
	int ret = nsw_hdr_decode(d, NSW_HDR_LEN + len, &m);

	free(d);
	return ret;
}

static int decode_len(u8 type, u8 status, u32 len)
{
	return decode_off(type, status, 0, len);
}

static void test_layout(void)
{
	CHECK_EQ(NSW_HDR_LEN, 48);
	CHECK_EQ(sizeof(struct nsw_hdr), 48);
	CHECK_EQ(offsetof(struct nsw_hdr, magic), 0);
	CHECK_EQ(offsetof(struct nsw_hdr, version), 4);
	CHECK_EQ(offsetof(struct nsw_hdr, type), 5);
	CHECK_EQ(offsetof(struct nsw_hdr, status), 6);
	CHECK_EQ(offsetof(struct nsw_hdr, flags), 7);
	CHECK_EQ(offsetof(struct nsw_hdr, offset), 8);
	CHECK_EQ(sizeof(((struct nsw_hdr *)0)->offset), 2);
	CHECK_EQ(offsetof(struct nsw_hdr, key_id), 10);
	CHECK_EQ(sizeof(((struct nsw_hdr *)0)->key_id), 2);
	CHECK_EQ(offsetof(struct nsw_hdr, len), 12);
	CHECK_EQ(offsetof(struct nsw_hdr, req_id), 16);
	CHECK_EQ(offsetof(struct nsw_hdr, handle), 24);
	CHECK_EQ(offsetof(struct nsw_hdr, tag), 32);
	/* A page in chunks of 1400, 1400 and 1296 bytes. */
	CHECK_EQ(NSW_CHUNK, 1400);
	CHECK_EQ(NSW_CHUNKS, 3);
	CHECK_EQ(NSW_CHUNKS_ALL, 7);
	CHECK_EQ(NSW_CHUNK_DGRAM, 48 + 1400);
	CHECK_EQ(NSW_MAX_DGRAM, 48 + 4096);
	/* IPv6 (40) and UDP (8) headers on top fit a 1500-byte MTU. */
	CHECK(NSW_CHUNK_DGRAM + 40 + 8 <= 1500);
	/* Replies are request + 1, requests odd. */
	CHECK(!NSW_MSG_IS_REPLY(NSW_MSG_STORE));
	CHECK(NSW_MSG_IS_REPLY(NSW_MSG_STORE_ACK));
	CHECK(!NSW_MSG_IS_REPLY(NSW_MSG_FREE));
	CHECK(NSW_MSG_IS_REPLY(NSW_MSG_RESET_ACK));
	CHECK(!NSW_MSG_IS_REPLY(NSW_MSG_PING));
	CHECK(NSW_MSG_IS_REPLY(NSW_MSG_PONG));
}

/* The chunk helpers: the chunks tile the page exactly, in order. */
static void test_chunks(void)
{
	static const unsigned int off[] = { 0, 1400, 2800 };
	static const unsigned int len[] = { 1400, 1400, 1296 };
	unsigned int c, end = 0;
	u8 t, st;

	for (c = 0; c < NSW_CHUNKS; c++) {
		CHECK_EQ(nsw_chunk_off(c), off[c]);
		CHECK_EQ(nsw_chunk_len(c), len[c]);
		CHECK_EQ(nsw_chunk_off(c), end);
		CHECK(nsw_chunk_len(c) > 0 && nsw_chunk_len(c) <= NSW_CHUNK);
		end += nsw_chunk_len(c);
	}
	CHECK_EQ(end, NSW_WIRE_PAGE);

	/* Which messages carry a page: STORE, and LOAD_ACK if OK. */
	for (t = 0; t <= NSW_MSG_MAX + 1; t++) {
		for (st = 0; st < 8; st++)
			CHECK_EQ(nsw_msg_has_page(t, st),
				 t == NSW_MSG_STORE ||
				 (t == NSW_MSG_LOAD_ACK && st == NSW_ST_OK));
		CHECK_EQ(nsw_msg_has_page(t, 0xff), t == NSW_MSG_STORE);
	}

	/* set_chunks writes offset and len, big endian, and nothing else. */
	for (c = 0; c < NSW_CHUNKS; c++) {
		struct nsw_hdr h, ref;
		u8 *b = (u8 *)&h, *r = (u8 *)&ref;
		unsigned int i;

		nsw_hdr_encode(&h, NSW_MSG_STORE, 0, 0x1122334455667788ULL,
			       0x99aabbccddeeff00ULL, 0xdeadbeef);
		memcpy(&ref, &h, sizeof(h));
		nsw_hdr_set_chunks(&h, c, 1);
		CHECK_EQ(b[8], off[c] >> 8);
		CHECK_EQ(b[9], off[c] & 0xff);
		CHECK_EQ(b[12], 0);
		CHECK_EQ(b[13], 0);
		CHECK_EQ(b[14], len[c] >> 8);
		CHECK_EQ(b[15], len[c] & 0xff);
		for (i = 0; i < NSW_HDR_LEN; i++)
			if (i != 8 && i != 9 && (i < 12 || i > 15))
				CHECK_EQ(b[i], r[i]);
	}
}

/*
 * Runs of chunks: one datagram may carry several whole chunks in a row.
 * Every offset and len of a page message near the page, against the
 * rule as protocol.rst words it: the run starts at a chunk (1400 i) and
 * ends at one's end (1400 j, or 4096), and its chunk bits are those of
 * the chunks inside it.
 */
static void test_runs(void)
{
	static const u16 starts[] = { 0, 1400, 2800 };
	static const u32 ends[] = { 1400, 2800, 4096 };
	unsigned int off, len, i, pass = 0, first, n;
	struct nsw_hdr h;
	struct nsw_msg m;
	u8 hb[NSW_HDR_LEN];

	nsw_hdr_encode(&h, NSW_MSG_STORE, 0, 7, 0, 0);
	memcpy(hb, &h, NSW_HDR_LEN);
	for (off = 0; off <= 4200; off++) {
		for (len = 0; len <= 4200; len++) {
			bool start_ok = false, end_ok = false;
			unsigned int want_mask = 0;
			int ret;

			for (i = 0; i < 3; i++) {
				start_ok |= off == starts[i];
				end_ok |= off + len == ends[i];
				if (starts[i] >= off && ends[i] <= off + len)
					want_mask |= 1U << i;
			}
			hb[8] = off >> 8;
			hb[9] = off & 0xff;
			hb[12] = len >> 24;
			hb[13] = len >> 16;
			hb[14] = len >> 8;
			hb[15] = len;
			/* decode reads the header only; dgram_len says len. */
			ret = nsw_hdr_decode(hb, NSW_HDR_LEN + len, &m);
			CHECK_EQ(ret, start_ok && end_ok && len ? 0 :
				 -NSW_WERR_LEN);
			if (ret)
				continue;
			pass++;
			CHECK_EQ(nsw_msg_chunks(&m), want_mask);
			CHECK(want_mask);
		}
	}
	/* 3 one-chunk runs, 2 two-chunk runs and the whole page. */
	CHECK_EQ(pass, 6);

	/* set_chunks builds each of them, and they decode back. */
	for (first = 0; first < NSW_CHUNKS; first++) {
		for (n = 1; first + n <= NSW_CHUNKS + 1; n++) {
			unsigned int last = first + n > 3 ? 3 : first + n;
			u32 want = (last == 3 ? 4096 : last * 1400) -
				   first * 1400;

			nsw_hdr_encode(&h, NSW_MSG_LOAD_ACK, 0, 9, 3, 0);
			nsw_hdr_set_chunks(&h, first, n);
			CHECK_EQ(nsw_chunks_len(first, n), want);
			memcpy(hb, &h, NSW_HDR_LEN);
			CHECK_EQ(nsw_hdr_decode(hb, NSW_HDR_LEN + want, &m), 0);
			CHECK_EQ(m.offset, first * 1400);
			CHECK_EQ(m.len, want);
			/* A run past the page's end is cut by it. */
			CHECK_EQ(nsw_msg_chunks(&m),
				 ((1U << last) - 1) & ~((1U << first) - 1));
		}
	}

	/*
	 * Chunks per datagram from what an IP packet carries past IP and
	 * UDP: 1500-byte Ethernet with IPv6 (1452) or IPv4 (1472) takes one,
	 * two fit from 48 + 2800, the whole page from 48 + 4096 (jumbo
	 * frames), and a path too small for one chunk still sends one (IP
	 * fragments it).
	 */
	CHECK_EQ(nsw_chunks_per_dgram(0), 1);
	CHECK_EQ(nsw_chunks_per_dgram(576 - 28), 1);
	CHECK_EQ(nsw_chunks_per_dgram(1500 - 48), 1);
	CHECK_EQ(nsw_chunks_per_dgram(1500 - 28), 1);
	CHECK_EQ(nsw_chunks_per_dgram(48 + 2799), 1);
	CHECK_EQ(nsw_chunks_per_dgram(48 + 2800), 2);
	CHECK_EQ(nsw_chunks_per_dgram(48 + 4095), 2);
	CHECK_EQ(nsw_chunks_per_dgram(48 + 4096), 3);
	CHECK_EQ(nsw_chunks_per_dgram(9000 - 48), 3);
	CHECK_EQ(nsw_chunks_per_dgram(65535 - 28), 3);
	/* What it picks always fits, wherever one chunk fits. */
	for (len = 48 + 1400; len <= 9000; len++) {
		n = nsw_chunks_per_dgram(len);
		for (first = 0; first < NSW_CHUNKS; first += n)
			CHECK(NSW_HDR_LEN + nsw_chunks_len(first, n) <= len);
	}
}

/* Encoding against hand-written bytes, and decoding hand-written bytes. */
static void test_byte_order(void)
{
	/* The second chunk of a STORE: offset 1400, len 1400. */
	static const u8 want[48] = {
		'N', 'S', 'W', 'P',		/* magic */
		1,				/* version */
		NSW_MSG_STORE,			/* type */
		0,				/* status: 0 in requests */
		0,				/* flags */
		0x05, 0x78,			/* offset 1400 */
		0, 0,				/* key_id */
		0x00, 0x00, 0x05, 0x78,		/* len 1400 */
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* req_id */
		0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, /* handle */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* tag */
	};
	struct nsw_hdr h;
	struct nsw_msg m;
	u8 *d;
	int i;

	/* encode must clear the reserved fields and offset, whatever was there. */
	memset(&h, 0xff, sizeof(h));
	nsw_hdr_encode(&h, NSW_MSG_STORE, 0, 0x0102030405060708ULL,
		       0xa1b2c3d4e5f60718ULL, 4096);
	CHECK_EQ(((u8 *)&h)[8], 0);
	CHECK_EQ(((u8 *)&h)[9], 0);
	CHECK_EQ(((u8 *)&h)[14], 0x10);
	nsw_hdr_set_chunks(&h, 1, 1);
	for (i = 0; i < 48; i++)
		CHECK_EQ(((u8 *)&h)[i], want[i]);
	/* The last chunk: offset 2800 = 0x0af0, len 1296 = 0x0510. */
	nsw_hdr_set_chunks(&h, 2, 1);
	CHECK_EQ(((u8 *)&h)[8], 0x0a);
	CHECK_EQ(((u8 *)&h)[9], 0xf0);
	CHECK_EQ(((u8 *)&h)[14], 0x05);
	CHECK_EQ(((u8 *)&h)[15], 0x10);

	/* A FREE_ACK with small values, to see each field's low byte. */
	{
		static const u8 want2[48] = {
			0x4e, 0x53, 0x57, 0x50, 1, 6, 2, 0,
			0, 0, 0, 0, 0, 0, 0, 0,
			0, 0, 0, 0, 0, 0, 0, 0x09,
			0, 0, 0, 0x01, 0, 0, 0, 0x02,
		};

		memset(&h, 0xee, sizeof(h));
		nsw_hdr_encode(&h, NSW_MSG_FREE_ACK, NSW_ST_NOENT, 9,
			       0x0000000100000002ULL, 0);
		for (i = 0; i < 48; i++)
			CHECK_EQ(((u8 *)&h)[i], want2[i]);
	}

	/* Decode the hand-written STORE. */
	d = malloc(48 + 1400);
	memcpy(d, want, 48);
	memset(d + 48, 0xcc, 1400);
	memset(&m, 0, sizeof(m));
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), 0);
	CHECK_EQ(m.type, NSW_MSG_STORE);
	CHECK_EQ(m.status, 0);
	CHECK_EQ(m.offset, 1400);
	CHECK_EQ(m.len, 1400);
	CHECK(m.req_id == 0x0102030405060708ULL);
	CHECK(m.handle == 0xa1b2c3d4e5f60718ULL);

	/* key_id and the tag are 0 in v1. */
	d[10] = 0xab;
	d[11] = 0xcd;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_RESERVED);
	d[10] = 0;
	d[11] = 0;
	d[40] = 0x77;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_RESERVED);
	memcpy(d, want, 48);

	/* Magic in the wrong byte order is rejected. */
	d[0] = 'P'; d[1] = 'W'; d[2] = 'S'; d[3] = 'N';
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_MAGIC);
	/* len in little-endian (78 05 00 00) is a LEN error. */
	memcpy(d, want, 48);
	d[12] = 0x78; d[13] = 0x05; d[14] = 0x00; d[15] = 0x00;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_LEN);
	/* So is offset in little-endian (78 05 = 30725). */
	memcpy(d, want, 48);
	d[8] = 0x78; d[9] = 0x05;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_LEN);
	/* offset is 16 bits at byte 8: bytes 10 and 11 are key_id. */
	memcpy(d, want, 48);
	d[8] = 0; d[9] = 0;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), 0);
	CHECK_EQ(m.offset, 0);
	d[10] = 0x05; d[11] = 0x78;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_RESERVED);
	free(d);

	/* A whole page at offset 0, in one datagram (jumbo frames). */
	d = mkdgram(48 + 4096, NSW_MSG_STORE, 0, 1, 0, 4096);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 4096, &m), 0);
	CHECK_EQ(m.offset, 0);
	CHECK_EQ(m.len, 4096);
	CHECK_EQ(nsw_msg_chunks(&m), NSW_CHUNKS_ALL);
	free(d);
}

/* Encode then decode every type with each legal payload length. */
static void roundtrip(u8 type, u8 status, u32 len)
{
	static u64 seq = 0x123456789abcdef0ULL;
	u64 req_id = seq * 0x9e3779b97f4a7c15ULL, handle = ~req_id;
	struct nsw_msg m;
	u8 *d;

	seq++;
	d = mkdgram(NSW_HDR_LEN + len, type, status, req_id, handle, len);
	memset(&m, 0xa5, sizeof(m));
	CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len, &m), 0);
	CHECK_EQ(m.type, type);
	CHECK_EQ(m.status, status);
	CHECK_EQ(m.offset, 0);
	CHECK_EQ(m.len, len);
	CHECK(m.req_id == req_id);
	CHECK(m.handle == handle);
	free(d);
}

/*
 * A page message as the module sends it: encoded, then given its chunk.
 * The chunk's payload, copied to where offset says, must land exactly on
 * its bytes of the page: the page is a heap buffer of exactly 4096 bytes.
 */
static void roundtrip_chunk(u8 type, u8 status, unsigned int chunk,
			    u8 *page)
{
	static u64 seq = 0x0fedcba987654321ULL;
	u64 req_id = seq * 0x9e3779b97f4a7c15ULL, handle = ~req_id;
	static const u32 want_len[] = { 1400, 1400, 1296 };
	u32 len = want_len[chunk];
	struct nsw_hdr h;
	struct nsw_msg m;
	u32 i;
	u8 *d;

	seq++;
	d = malloc(NSW_HDR_LEN + len);
	if (!d)
		abort();
	nsw_hdr_encode(&h, type, status, req_id, handle, 0);
	nsw_hdr_set_chunks(&h, chunk, 1);
	memcpy(d, &h, NSW_HDR_LEN);
	for (i = 0; i < len; i++)
		d[NSW_HDR_LEN + i] = (u8)((chunk * 1400 + i) * 13 + type);
	memset(&m, 0xa5, sizeof(m));
	CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len, &m), 0);
	CHECK_EQ(m.type, type);
	CHECK_EQ(m.status, status);
	CHECK_EQ(m.offset, chunk * 1400);
	CHECK_EQ(m.len, len);
	CHECK(m.req_id == req_id);
	CHECK(m.handle == handle);
	memcpy(page + m.offset, d + NSW_HDR_LEN, m.len);
	free(d);
	/* One byte more or less than the chunk is not a chunk. */
	d = mkdgram_off(NSW_HDR_LEN + len + 1, type, status, 1, 2,
			chunk * 1400, len + 1);
	CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len + 1, &m), -NSW_WERR_LEN);
	free(d);
	d = mkdgram_off(NSW_HDR_LEN + len - 1, type, status, 1, 2,
			chunk * 1400, len - 1);
	CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len - 1, &m), -NSW_WERR_LEN);
	free(d);
}

/* All chunks of a page, in the order given, rebuild the whole page. */
static void roundtrip_page(u8 type, u8 status, const unsigned int *order)
{
	u8 *page = malloc(NSW_WIRE_PAGE);
	unsigned int c, i;

	if (!page)
		abort();
	memset(page, 0, NSW_WIRE_PAGE);
	for (c = 0; c < NSW_CHUNKS; c++)
		roundtrip_chunk(type, status, order[c], page);
	for (i = 0; i < NSW_WIRE_PAGE; i++)
		if (page[i] != (u8)(i * 13 + type))
			break;
	CHECK_EQ(i, NSW_WIRE_PAGE);
	free(page);
}

static void test_roundtrip(void)
{
	static const unsigned int fwd[] = { 0, 1, 2 }, rev[] = { 2, 1, 0 },
				  mid[] = { 1, 2, 0 };
	unsigned int n;
	u8 st;

	roundtrip_page(NSW_MSG_STORE, NSW_ST_OK, fwd);
	roundtrip_page(NSW_MSG_STORE, NSW_ST_OK, rev);
	roundtrip_page(NSW_MSG_STORE, NSW_ST_OK, mid);
	roundtrip_page(NSW_MSG_LOAD_ACK, NSW_ST_OK, fwd);
	roundtrip_page(NSW_MSG_LOAD_ACK, NSW_ST_OK, mid);
	roundtrip(NSW_MSG_STORE_ACK, NSW_ST_OK, 0);
	roundtrip(NSW_MSG_STORE_ACK, NSW_ST_FULL, 0);
	roundtrip(NSW_MSG_STORE_ACK, NSW_ST_NOMEM, 0);
	roundtrip(NSW_MSG_LOAD, NSW_ST_OK, 0);
	for (st = NSW_ST_FULL; st <= NSW_ST_INVAL; st++)
		roundtrip(NSW_MSG_LOAD_ACK, st, 0);
	roundtrip(NSW_MSG_LOAD_ACK, 0xff, 0);
	for (n = 1; n <= NSW_FREE_BATCH; n++)
		roundtrip(NSW_MSG_FREE, NSW_ST_OK, n * 8);
	roundtrip(NSW_MSG_FREE_ACK, NSW_ST_OK, 0);
	roundtrip(NSW_MSG_FREE_ACK, NSW_ST_INVAL, 0);
	roundtrip(NSW_MSG_RESET, NSW_ST_OK, 0);
	roundtrip(NSW_MSG_RESET_ACK, NSW_ST_OK, 0);
	roundtrip(NSW_MSG_PING, NSW_ST_OK, 0);
	roundtrip(NSW_MSG_PONG, NSW_ST_OK, NSW_PONG_LEN);
	/* Extremes of req_id and handle survive. */
	{
		struct nsw_msg m;
		u8 *d = mkdgram(48, NSW_MSG_LOAD, 0, ~0ULL, ~0ULL, 0);

		CHECK_EQ(nsw_hdr_decode(d, 48, &m), 0);
		CHECK(m.req_id == ~0ULL && m.handle == ~0ULL);
		free(d);
		d = mkdgram(48, NSW_MSG_LOAD, 0, 0, 0, 0);
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), 0);
		CHECK(m.req_id == 0 && m.handle == 0);
		free(d);
	}
}

static void test_reject_short(void)
{
	struct nsw_msg m;
	size_t l;

	for (l = 0; l < NSW_HDR_LEN; l++) {
		/* Exactly l bytes: a valid LOAD header cut short. */
		u8 *d = mkdgram(l, NSW_MSG_LOAD, 0, 1, 2, 0);

		CHECK_EQ(nsw_hdr_decode(d, l, &m), -NSW_WERR_SHORT);
		free(d);
	}
	CHECK_EQ(nsw_hdr_decode(NULL, 0, &m), -NSW_WERR_SHORT);
}

static void test_reject_magic(void)
{
	struct nsw_msg m;
	u8 *d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0);
	int i, bit;

	CHECK_EQ(nsw_hdr_decode(d, 48, &m), 0);
	for (i = 0; i < 4; i++) {
		for (bit = 0; bit < 8; bit++) {
			d[i] ^= 1 << bit;
			CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_MAGIC);
			d[i] ^= 1 << bit;
		}
	}
	memset(d, 0, 4);
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_MAGIC);
	/* Magic is checked before version. */
	d[4] = 7;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_MAGIC);
	free(d);
}

static void test_reject_version(void)
{
	static const u8 bad[] = { 0, 2, 3, 0x81, 0xff };
	struct nsw_msg m;
	u8 *d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0);
	unsigned int i;

	for (i = 0; i < sizeof(bad); i++) {
		d[4] = bad[i];
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_VERSION);
	}
	/* Version is checked before type. */
	d[5] = 0;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_VERSION);
	free(d);
}

static void test_reject_type(void)
{
	struct nsw_msg m;
	u8 *d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0);
	unsigned int t;

	for (t = 0; t < 256; t++) {
		d[5] = (u8)t;
		if (t >= NSW_MSG_STORE && t <= NSW_MSG_MAX)
			continue;
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_TYPE);
	}
	d[5] = 0;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_TYPE);
	d[5] = NSW_MSG_MAX + 1;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_TYPE);
	/* Type is checked before flags. */
	d[7] = 1;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_TYPE);
	free(d);
}

static void test_reject_flags(void)
{
	struct nsw_msg m;
	u8 *d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0);
	unsigned int f;

	for (f = 1; f < 256; f++) {
		d[7] = (u8)f;
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_FLAGS);
	}
	d[7] = NSW_F_AUTH;	/* reserved for v2: rejected in v1 */
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_FLAGS);
	/* Flags are checked before length. */
	d[15] = 1;
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_FLAGS);
	free(d);
}

/* key_id, tag and a request's status are 0 in v1. */
static void test_reject_reserved(void)
{
	static const u8 types[] = {
		NSW_MSG_STORE_ACK, NSW_MSG_LOAD, NSW_MSG_FREE_ACK,
		NSW_MSG_RESET, NSW_MSG_RESET_ACK, NSW_MSG_PING,
	};
	struct nsw_msg m;
	unsigned int i, b, st;
	u8 *d;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		d = mkdgram(48, types[i], 0, 1, 2, 0);
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), 0);
		for (b = 10; b < 12; b++) {
			d[b] = 0x80;
			CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_RESERVED);
			d[b] = 0;
		}
		for (b = 32; b < 48; b++) {
			d[b] = 1;
			CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_RESERVED);
			d[b] = 0;
		}
		/* A status is news in a reply, never in a request. */
		for (st = 1; st < 256; st++) {
			d[6] = (u8)st;
			CHECK_EQ(nsw_hdr_decode(d, 48, &m),
				 NSW_MSG_IS_REPLY(types[i]) ? 0 :
							      -NSW_WERR_RESERVED);
		}
		d[6] = 0;
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), 0);
		free(d);
	}
	/* A STORE's status too; and flags are checked first. */
	d = mkdgram(48 + 1400, NSW_MSG_STORE, 1, 1, 0, 1400);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_RESERVED);
	d[7] = 1;
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_FLAGS);
	free(d);
}

/* The len field disagrees with the bytes actually received. */
static void test_reject_len_mismatch(void)
{
	struct nsw_msg m;
	unsigned int c;
	u8 *d;

	for (c = 0; c < NSW_CHUNKS; c++) {
		u16 off = c * 1400;
		u32 len = c < 2 ? 1400 : 1296;

		/* A chunk with one byte too few / too many. */
		d = mkdgram_off(48 + len - 1, NSW_MSG_STORE, 0, 1, 0, off, len);
		CHECK_EQ(nsw_hdr_decode(d, 48 + len - 1, &m), -NSW_WERR_LEN);
		free(d);
		d = mkdgram_off(48 + len + 1, NSW_MSG_LOAD_ACK, 0, 1, 2, off,
				len);
		CHECK_EQ(nsw_hdr_decode(d, 48 + len + 1, &m), -NSW_WERR_LEN);
		free(d);
		/* A chunk's len with no payload at all. */
		d = mkdgram_off(48, NSW_MSG_STORE, 0, 1, 0, off, len);
		CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_LEN);
		free(d);
	}
	/* The last chunk's len, with a full chunk's bytes, and the reverse. */
	d = mkdgram_off(48 + 1400, NSW_MSG_STORE, 0, 1, 0, 2800, 1296);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1400, &m), -NSW_WERR_LEN);
	free(d);
	d = mkdgram_off(48 + 1296, NSW_MSG_STORE, 0, 1, 0, 0, 1400);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 1296, &m), -NSW_WERR_LEN);
	free(d);
	/* LOAD claiming 0 with a trailing byte. */
	d = mkdgram(49, NSW_MSG_LOAD, 0, 1, 2, 0);
	CHECK_EQ(nsw_hdr_decode(d, 49, &m), -NSW_WERR_LEN);
	free(d);
	/* FREE claiming 2 handles, carrying 3, and the reverse. */
	d = mkdgram(48 + 24, NSW_MSG_FREE, 0, 1, 0, 16);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 24, &m), -NSW_WERR_LEN);
	free(d);
	d = mkdgram(48 + 16, NSW_MSG_FREE, 0, 1, 0, 24);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 16, &m), -NSW_WERR_LEN);
	free(d);
	/* A huge len field must not wrap into acceptance. */
	d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0xffffffffU);
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_LEN);
	free(d);
	d = mkdgram(48 + 8, NSW_MSG_FREE, 0, 1, 0, 0xfffffff8U);
	CHECK_EQ(nsw_hdr_decode(d, 48 + 8, &m), -NSW_WERR_LEN);
	free(d);
	d = mkdgram_off(48, NSW_MSG_STORE, 0, 1, 0, 1400, 0xffffffffU);
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_LEN);
	free(d);
	/*
	 * dgram_len whose payload length only matches len modulo 2^32. The
	 * contract says buf need hold only NSW_HDR_LEN bytes here.
	 */
	if (SIZE_MAX > 0xffffffffU) {
		const size_t wrap = (size_t)1 << 31 << 1;

		d = mkdgram_off(48, NSW_MSG_STORE, 0, 1, 0, 2800, 1296);
		CHECK_EQ(nsw_hdr_decode(d, (size_t)48 + 1296 + wrap, &m),
			 -NSW_WERR_LEN);
		free(d);
		d = mkdgram_off(48, NSW_MSG_LOAD_ACK, 0, 1, 0, 0, 1400);
		CHECK_EQ(nsw_hdr_decode(d, (size_t)48 + 1400 + wrap, &m),
			 -NSW_WERR_LEN);
		free(d);
		d = mkdgram(48, NSW_MSG_LOAD, 0, 1, 2, 0);
		CHECK_EQ(nsw_hdr_decode(d, (size_t)48 + wrap, &m),
			 -NSW_WERR_LEN);
		CHECK_EQ(nsw_hdr_decode(d, SIZE_MAX, &m), -NSW_WERR_LEN);
		free(d);
	}
}

/* len matches the datagram but is wrong for the type (and offset). */
static void test_reject_len_type(void)
{
	/* No run of chunks from any chunk is any of these long. */
	static const u32 page_bad[] = {
		0, 1, 8, 1295, 1297, 1399, 1401, 2697, 2799, 2801, 4095, 4097,
		8192,
	};
	static const u32 zero_bad[] = { 1, 8, 16, 1296, 1400, 4096 };
	/* STORE_ACK's and LOAD's payload: test_batches() */
	static const u8 zero_types[] = {
		NSW_MSG_FREE_ACK,
		NSW_MSG_RESET, NSW_MSG_RESET_ACK, NSW_MSG_PING,
		NSW_MSG_AUDIT_ACK, NSW_MSG_KEEP_ACK, NSW_MSG_SWEEP,
		NSW_MSG_SWEEP_ACK,
	};
	unsigned int i, j, c;
	u8 st;

	for (i = 0; i < ARRAY_SIZE(page_bad); i++) {
		for (c = 0; c < NSW_CHUNKS; c++) {
			CHECK_EQ(decode_off(NSW_MSG_STORE, 0, c * 1400,
					    page_bad[i]), -NSW_WERR_LEN);
			CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_OK,
					    c * 1400, page_bad[i]),
				 -NSW_WERR_LEN);
		}
	}
	/* Each chunk's own len, and not the last chunk's elsewhere. */
	for (c = 0; c < NSW_CHUNKS; c++) {
		CHECK_EQ(decode_off(NSW_MSG_STORE, 0, c * 1400,
				    c < 2 ? 1400 : 1296), 0);
		CHECK_EQ(decode_off(NSW_MSG_STORE, 0, c * 1400,
				    c < 2 ? 1296 : 1400), -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_OK, c * 1400,
				    c < 2 ? 1400 : 1296), 0);
		CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_OK, c * 1400,
				    c < 2 ? 1296 : 1400), -NSW_WERR_LEN);
	}
	/* LOAD_ACK: a chunk with OK, nothing otherwise. */
	for (st = NSW_ST_FULL; st <= NSW_ST_INVAL; st++) {
		CHECK_EQ(decode_len(NSW_MSG_LOAD_ACK, st, 1400), -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, st, 2800, 1296),
			 -NSW_WERR_LEN);
		CHECK_EQ(decode_len(NSW_MSG_LOAD_ACK, st, 4096), -NSW_WERR_LEN);
		CHECK_EQ(decode_len(NSW_MSG_LOAD_ACK, st, 8), -NSW_WERR_LEN);
	}
	CHECK_EQ(decode_len(NSW_MSG_LOAD_ACK, 0xff, 1400), -NSW_WERR_LEN);
	/* FREE: nonzero multiple of 8, at most NSW_FREE_BATCH handles. */
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, 0), -NSW_WERR_LEN);
	for (i = 1; i < 8; i++)
		CHECK_EQ(decode_len(NSW_MSG_FREE, 0, i), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, 12), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, NSW_FREE_BATCH * 8 - 1),
		 -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, NSW_FREE_BATCH * 8 + 1),
		 -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, (NSW_FREE_BATCH + 1) * 8),
		 -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, 1400), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_FREE, 0, NSW_FREE_BATCH * 8), 0);
	/* KEEP: handles like FREE's; AUDIT: its floor alone. */
	CHECK_EQ(decode_len(NSW_MSG_KEEP, 0, 0), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_KEEP, 0, 12), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_KEEP, 0, 8), 0);
	CHECK_EQ(decode_len(NSW_MSG_KEEP, 0, NSW_FREE_BATCH * 8), 0);
	CHECK_EQ(decode_len(NSW_MSG_KEEP, 0, (NSW_FREE_BATCH + 1) * 8),
		 -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_AUDIT, 0, NSW_AUDIT_LEN), 0);
	for (i = 0; i < ARRAY_SIZE(zero_bad); i++)
		if (zero_bad[i] != NSW_AUDIT_LEN)
			CHECK_EQ(decode_len(NSW_MSG_AUDIT, 0, zero_bad[i]),
				 -NSW_WERR_LEN);
	CHECK_EQ(decode_len(NSW_MSG_AUDIT, 0, 0), -NSW_WERR_LEN);
	/* PONG: its give_back alone, whatever the status. */
	CHECK_EQ(decode_len(NSW_MSG_PONG, 0, NSW_PONG_LEN), 0);
	CHECK_EQ(decode_len(NSW_MSG_PONG, NSW_ST_FULL, NSW_PONG_LEN), 0);
	CHECK_EQ(decode_len(NSW_MSG_PONG, 0, 0), -NSW_WERR_LEN);
	for (i = 0; i < ARRAY_SIZE(zero_bad); i++)
		if (zero_bad[i] != NSW_PONG_LEN)
			CHECK_EQ(decode_len(NSW_MSG_PONG, 0, zero_bad[i]),
				 -NSW_WERR_LEN);
	for (i = 1; i < 2 * NSW_PONG_LEN; i++)
		if (i != NSW_PONG_LEN)
			CHECK_EQ(decode_len(NSW_MSG_PONG, 0, i), -NSW_WERR_LEN);
	/* Everything else: no payload. */
	for (i = 0; i < sizeof(zero_types); i++)
		for (j = 0; j < ARRAY_SIZE(zero_bad); j++)
			CHECK_EQ(decode_len(zero_types[i], 0, zero_bad[j]),
				 -NSW_WERR_LEN);
}

/* offset is wrong for the message, whatever len says. */
static void test_reject_offset(void)
{
	/* Not a multiple of 1400, but within the page. */
	static const u16 unaligned[] = {
		1, 8, 700, 1024, 1296, 1399, 1401, 2048, 2799, 2801, 4095,
	};
	/* Beyond the page: first the multiples of 1400, then any. */
	static const u16 beyond[] = {
		4096, 4097, 5000, 8192, 0x8000, 0xfff0, 0xffff,
	};
	static const u8 nopage_types[] = {
		NSW_MSG_STORE_ACK, NSW_MSG_LOAD, NSW_MSG_FREE_ACK,
		NSW_MSG_RESET, NSW_MSG_RESET_ACK, NSW_MSG_PING,
		NSW_MSG_AUDIT_ACK, NSW_MSG_KEEP_ACK, NSW_MSG_SWEEP,
		NSW_MSG_SWEEP_ACK,
	};
	static const u16 some_off[] = { 1, 1400, 2800, 0x100, 0x8000, 0xffff };
	static const u32 lens[] = { 0, 1296, 1400, 4096 };
	unsigned int i, j, k;
	u8 st;

	for (i = 0; i < ARRAY_SIZE(unaligned); i++) {
		/* Even with the len of the chunk it is closest to. */
		u32 near = unaligned[i] >= 2800 ? 1296 : 1400;

		CHECK_EQ(decode_off(NSW_MSG_STORE, 0, unaligned[i], near),
			 -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_OK, unaligned[i],
				    near), -NSW_WERR_LEN);
		/* Or a len that would end exactly at the end of the page. */
		CHECK_EQ(decode_off(NSW_MSG_STORE, 0, unaligned[i],
				    4096 - unaligned[i] < 1400 ?
				    4096 - unaligned[i] : 1400),
			 -NSW_WERR_LEN);
	}
	/*
	 * Every multiple of 1400 from the page's end up: 4200 is chunk 3,
	 * which does not exist, though 4200 % 1400 == 0.
	 */
	for (k = 3; k * 1400 <= 0xffff; k++) {
		for (j = 0; j < ARRAY_SIZE(lens); j++) {
			CHECK_EQ(decode_off(NSW_MSG_STORE, 0, k * 1400, lens[j]),
				 -NSW_WERR_LEN);
			CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_OK,
					    k * 1400, lens[j]), -NSW_WERR_LEN);
		}
	}
	for (i = 0; i < ARRAY_SIZE(beyond); i++)
		for (j = 0; j < ARRAY_SIZE(lens); j++)
			CHECK_EQ(decode_off(NSW_MSG_STORE, 0, beyond[i], lens[j]),
				 -NSW_WERR_LEN);

	/* Every other message has offset 0, even a chunk-aligned one. */
	for (i = 0; i < ARRAY_SIZE(some_off); i++) {
		for (j = 0; j < sizeof(nopage_types); j++)
			CHECK_EQ(decode_off(nopage_types[j], 0, some_off[i], 0),
				 -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_FREE, 0, some_off[i], 8),
			 -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_PONG, 0, some_off[i], NSW_PONG_LEN),
			 -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_FREE, 0, some_off[i],
				    NSW_FREE_BATCH * 8), -NSW_WERR_LEN);
		for (st = NSW_ST_FULL; st <= NSW_ST_INVAL; st++)
			CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, st, some_off[i], 0),
				 -NSW_WERR_LEN);
		CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, 0xff, some_off[i], 0),
			 -NSW_WERR_LEN);
	}
	/* And with offset 0 they are fine: it is offset that failed above. */
	for (j = 0; j < sizeof(nopage_types); j++)
		CHECK_EQ(decode_off(nopage_types[j], 0, 0, 0), 0);
	CHECK_EQ(decode_off(NSW_MSG_FREE, 0, 0, 8), 0);
	CHECK_EQ(decode_off(NSW_MSG_LOAD_ACK, NSW_ST_NOENT, 0, 0), 0);

	/* All 65536 offsets of a STORE with a full chunk: exactly two pass. */
	{
		unsigned int pass = 0, pass_last = 0, o;
		struct nsw_msg m;
		u8 *d = mkdgram_off(48 + 1400, NSW_MSG_STORE, 0, 1, 0, 0, 1400);
		u8 *e = mkdgram_off(48 + 1296, NSW_MSG_LOAD_ACK, 0, 1, 0, 0,
				    1296);

		for (o = 0; o <= 0xffff; o++) {
			d[8] = o >> 8;
			d[9] = o & 0xff;
			e[8] = o >> 8;
			e[9] = o & 0xff;
			if (!nsw_hdr_decode(d, 48 + 1400, &m)) {
				pass++;
				CHECK(o == 0 || o == 1400);
				CHECK_EQ(m.offset, o);
			}
			if (!nsw_hdr_decode(e, 48 + 1296, &m)) {
				pass_last++;
				CHECK_EQ(o, 2800);
				CHECK_EQ(m.offset, o);
			}
		}
		CHECK_EQ(pass, 2);
		CHECK_EQ(pass_last, 1);
		free(d);
		free(e);
	}
}

/* FREE payload accessors at every alignment, all batch positions. */
static void test_free_handles(void)
{
	const size_t plen = NSW_FREE_BATCH * 8;
	u8 *buf = malloc(plen + 16);
	unsigned int off, i;

	for (off = 0; off < 8; off++) {
		u8 *p = buf + off;

		memset(buf, 0x5c, plen + 16);
		for (i = 0; i < NSW_FREE_BATCH; i++)
			nsw_free_handle_put(p, i, 0x0102030405060708ULL *
					    (i + 1) ^ ((u64)off << 56));
		/* Neighbours untouched. */
		for (i = 0; i < off; i++)
			CHECK_EQ(buf[i], 0x5c);
		for (i = off + plen; i < plen + 16; i++)
			CHECK_EQ(buf[i], 0x5c);
		for (i = 0; i < NSW_FREE_BATCH; i++)
			CHECK(nsw_free_handle_at(p, i) ==
			      (0x0102030405060708ULL * (i + 1) ^
			       ((u64)off << 56)));
		/* Big endian on the wire. */
		nsw_free_handle_put(p, 3, 0x1122334455667788ULL);
		CHECK_EQ(p[24], 0x11);
		CHECK_EQ(p[25], 0x22);
		CHECK_EQ(p[28], 0x55);
		CHECK_EQ(p[31], 0x88);
		CHECK(nsw_free_handle_at(p, 2) ==
		      (0x0102030405060708ULL * 3 ^ ((u64)off << 56)));
		CHECK(nsw_free_handle_at(p, 4) ==
		      (0x0102030405060708ULL * 5 ^ ((u64)off << 56)));
	}
	/* Reading hand-written bytes. */
	{
		static const u8 raw[17] = {
			0xff,
			0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07,
			0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		};

		CHECK(nsw_free_handle_at(raw + 1, 0) == 0x0000000200000007ULL);
		CHECK(nsw_free_handle_at(raw + 1, 1) == 0x8000000000000001ULL);
	}
	free(buf);
}

/*
 * An independent statement of the acceptance rules, read straight from
 * the bytes, to compare decode's verdict with: protocol.rst's tables in
 * plain numbers, no wire.h helper.
 */
static int ref_decode(const u8 *d, size_t dl)
{
	u32 len, off, end, i;
	u8 type, status;

	if (dl < 48)
		return -NSW_WERR_SHORT;
	if (d[0] != 'N' || d[1] != 'S' || d[2] != 'W' || d[3] != 'P')
		return -NSW_WERR_MAGIC;
	if (d[4] != 1)
		return -NSW_WERR_VERSION;
	type = d[5];
	status = d[6];
	if (type < 1 || type > 16)	/* STORE .. SWEEP_ACK */
		return -NSW_WERR_TYPE;
	if (d[7])
		return -NSW_WERR_FLAGS;
	/* key_id, tag, and the status of a request (odd type) are 0. */
	if (d[10] || d[11] || (type % 2 && status))
		return -NSW_WERR_RESERVED;
	for (i = 32; i < 48; i++)
		if (d[i])
			return -NSW_WERR_RESERVED;
	off = (u32)d[8] << 8 | d[9];
	len = (u32)d[12] << 24 | (u32)d[13] << 16 | (u32)d[14] << 8 | d[15];
	if ((size_t)len != dl - 48)
		return -NSW_WERR_LEN;
	/*
	 * A page message: a run of the chunks [0,1400) [1400,2800)
	 * [2800,4096), from one chunk's start to one's end.
	 */
	if (type == 1 || (type == 4 && status == 0)) {
		if (off != 0 && off != 1400 && off != 2800)
			return -NSW_WERR_LEN;
		end = off + len;
		if (end <= off || (end != 1400 && end != 2800 && end != 4096))
			return -NSW_WERR_LEN;
		return 0;
	}
	if (off)
		return -NSW_WERR_LEN;
	switch (type) {
	case 5:		/* FREE: 1 to 160 handles */
	case 13:	/* KEEP: likewise */
		return len >= 8 && len <= 8 * 160 && len % 8 == 0 ?
			0 : -NSW_WERR_LEN;
	case 11:	/* AUDIT: the floor */
	case 10:	/* PONG: give_back */
		return len == 8 ? 0 : -NSW_WERR_LEN;
	case 2:	/* up to 56 more answers of 24 bytes */
	case 3:	/* up to 56 more LOADs of 24 bytes */
		return len % 24 == 0 && len <= 24 * 56 ? 0 : -NSW_WERR_LEN;
	default:
		return len == 0 ? 0 : -NSW_WERR_LEN;
	}
}

static u64 be_at(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* An offset for a generated header: mostly a chunk's, sometimes not. */
static u16 rand_offset(u64 *seed, size_t dl)
{
	switch (test_rand_below(seed, 8)) {
	case 0:
	case 1:
	case 2:
		/* The run of chunks this length is, if it is one. */
		if (dl == 48 + 1296)
			return 2800;
		if (dl == 48 + 1400)
			return test_rand_below(seed, 2) * 1400;
		if (dl == 48 + 2696)
			return 1400;
		return 0;
	case 3:
	case 4:
		return 0;
	case 5:
		return test_rand_below(seed, 3) * 1400;
	case 6:
		/* Any multiple of 1400, most beyond the page. */
		return test_rand_below(seed, 0xffff / 1400 + 1) * 1400;
	default:
		return (u16)test_rand(seed);
	}
}

static void test_random(void)
{
	static const u32 good_len[] = {
		0, 1400, 1296, 8, 16, 1280, 4096, 24, 1344, 2800, 2696,
	};
	const unsigned int ngood = ARRAY_SIZE(good_len);
	unsigned long accepted = 0, per_type[NSW_MSG_MAX + 1] = { 0 };
	unsigned long per_err[NSW_WERR_MAX] = { 0 };
	unsigned long store_chunk[NSW_CHUNKS] = { 0 };
	unsigned long ack_chunk[NSW_CHUNKS] = { 0 };
	unsigned long bad_off = 0;
	u64 seed = 0x6e6574737761702aULL;	/* fixed: reproducible */
	u8 *page = malloc(NSW_WIRE_PAGE);
	int iter, t;

	if (!page)
		abort();
	for (iter = 0; iter < 200000; iter++) {
		u64 r = test_rand(&seed);
		size_t dl, i;
		struct nsw_msg m, ack;
		int ret, ref;
		u8 *d;

		/* Mostly plausible lengths, some arbitrary. */
		switch (r & 3) {
		case 0:
			dl = test_rand_below(&seed, NSW_MAX_DGRAM + 64);
			break;
		case 1:
			dl = test_rand_below(&seed, 64);
			break;
		default:
			/* A legal length, sometimes off by one. */
			dl = 48 + good_len[test_rand_below(&seed, ngood)];
			if (test_rand_below(&seed, 8) == 0)
				dl += test_rand_below(&seed, 2) ? 1 : -1;
			break;
		}
		d = malloc(dl ? dl : 1);
		for (i = 0; i < dl; i++)
			d[i] = (u8)test_rand(&seed);
		/*
		 * Pure noise nearly always fails the magic; most buffers
		 * start from a plausible header with a few fields, often
		 * none, then randomised.
		 */
		if (dl >= 48 && (r >> 2) % 8 != 0) {
			struct nsw_hdr h;
			u64 k = test_rand(&seed);
			u16 off = rand_offset(&seed, dl);
			u8 type = 1 + test_rand_below(&seed, NSW_MSG_MAX);

			/* Page messages are worth more tries: three chunks. */
			if ((k >> 24) % 4 == 0)
				type = (k >> 26) & 1 ? NSW_MSG_STORE :
						       NSW_MSG_LOAD_ACK;
			nsw_hdr_encode(&h, type,
				       (k & 1) ? 0 : (u8)(k >> 8),
				       test_rand(&seed), test_rand(&seed),
				       (k & 2) ? (u32)(dl - 48)
					       : (u32)test_rand(&seed));
			memcpy(d, &h, 48);
			d[8] = off >> 8;
			d[9] = off & 0xff;
			if ((k >> 16) % 4 == 0)
				d[test_rand_below(&seed, 48)] =
					(u8)test_rand(&seed);
			if ((k >> 20) % 16 == 0)
				d[5] = (u8)test_rand(&seed);
		}

		memset(&m, 0, sizeof(m));
		ret = nsw_hdr_decode(d, dl, &m);
		ref = ref_decode(d, dl);
		CHECK_EQ(ret, ref);
		CHECK(ret <= 0 && ret > -NSW_WERR_MAX);
		if (ret == -NSW_WERR_LEN && (d[8] || d[9]) &&
		    (u32)be_at(d + 8) == dl - 48)
			bad_off++;	/* the datagram's len, a bad offset */
		if (ret < 0) {
			per_err[-ret]++;
			free(d);
			continue;
		}
		accepted++;
		per_type[m.type]++;
		CHECK(m.type >= NSW_MSG_STORE && m.type <= NSW_MSG_MAX);
		CHECK_EQ(m.len, dl - NSW_HDR_LEN);
		CHECK_EQ(m.offset, (u16)(d[8] << 8 | d[9]));
		CHECK(m.req_id == be_at(d + 16));
		CHECK(m.handle == be_at(d + 24));
		CHECK_EQ(m.status, d[6]);
		switch (m.type) {
		case NSW_MSG_STORE:
		case NSW_MSG_LOAD_ACK:
			if (m.type == NSW_MSG_LOAD_ACK &&
			    m.status != NSW_ST_OK) {
				CHECK_EQ(m.len, 0);
				CHECK_EQ(m.offset, 0);
				break;
			}
			CHECK(m.offset == 0 || m.offset == 1400 ||
			      m.offset == 2800);
			CHECK(m.offset + m.len == 1400 ||
			      m.offset + m.len == 2800 ||
			      m.offset + m.len == 4096);
			CHECK(m.len >= 1296 && m.offset + m.len <= 4096);
			if (m.offset % 1400 || m.offset >= 4096)
				break;
			(m.type == NSW_MSG_STORE ? store_chunk :
						   ack_chunk)[m.offset / 1400]++;
			/* As the store does: in bounds of the page. */
			memcpy(page + m.offset, d + 48, m.len);
			break;
		case NSW_MSG_AUDIT:
			CHECK_EQ(m.offset, 0);
			CHECK_EQ(m.len, NSW_AUDIT_LEN);
			break;
		case NSW_MSG_PONG:
			CHECK_EQ(m.offset, 0);
			CHECK_EQ(m.len, NSW_PONG_LEN);
			(void)nsw_pong_give_back(d + 48);
			break;
		case NSW_MSG_FREE:
		case NSW_MSG_KEEP:
			CHECK_EQ(m.offset, 0);
			CHECK(m.len > 0 && m.len % 8 == 0 &&
			      m.len / 8 <= NSW_FREE_BATCH);
			/* Walk the handles: must stay in bounds. */
			for (i = 0; i < m.len / 8; i++)
				(void)nsw_free_handle_at(d + 48, i);
			break;
		case NSW_MSG_STORE_ACK:
		case NSW_MSG_LOAD:
			CHECK_EQ(m.offset, 0);
			CHECK(m.len % 24 == 0 && m.len / 24 <= NSW_BATCH_MAX);
			/* Walk the entries: must stay in bounds. */
			if (nsw_batch_ok(m.type, d + 48, m.len))
				for (i = 0; i < nsw_batch_len(&m); i++)
					nsw_batch_at(&m, d + 48, i, &ack);
			break;
		default:
			CHECK_EQ(m.offset, 0);
			CHECK_EQ(m.len, 0);
		}
		free(d);
	}
	free(page);
	/* The generator must actually reach every verdict. */
	CHECK(accepted > 1000);
	for (t = NSW_MSG_STORE; t <= NSW_MSG_MAX; t++)
		CHECK(per_type[t] > 0);
	for (t = 1; t < NSW_WERR_MAX; t++)
		CHECK(per_err[t] > 0);
	for (t = 0; t < (int)NSW_CHUNKS; t++) {
		CHECK(store_chunk[t] > 0);
		CHECK(ack_chunk[t] > 0);
	}
	CHECK(bad_off > 1000);
	printf("  random: %lu/200000 accepted (STORE chunks %lu %lu %lu,",
	       accepted, store_chunk[0], store_chunk[1], store_chunk[2]);
	printf(" LOAD_ACK chunks %lu %lu %lu); rejected short %lu magic %lu",
	       ack_chunk[0], ack_chunk[1], ack_chunk[2],
	       per_err[NSW_WERR_SHORT], per_err[NSW_WERR_MAGIC]);
	printf(" version %lu type %lu flags %lu len %lu (%lu: bad offset)\n",
	       per_err[NSW_WERR_VERSION], per_err[NSW_WERR_TYPE],
	       per_err[NSW_WERR_FLAGS], per_err[NSW_WERR_LEN], bad_off);
}

/*
 * Batches: a STORE_ACK answering 1 + n STOREs, a LOAD asking for 1 + n
 * pages. A LOAD's further requests must have status 0.
 */
static void test_batch(u8 type)
{
	static const unsigned int counts[] = { 0, 1, 2, 55, 56 };
	u8 d[NSW_HDR_LEN + NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN + 24];
	u8 d2[sizeof(d)] __attribute__((aligned(8)));
	bool req = !NSW_MSG_IS_REPLY(type);
	struct nsw_msg m, a;
	struct nsw_hdr h;
	unsigned int c, i, n, len;

	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		n = counts[c];
		len = n * NSW_BATCH_ENTRY_LEN;
		nsw_hdr_encode(&h, type, NSW_ST_OK, 1000, 77, len);
		memcpy(d, &h, NSW_HDR_LEN);
		for (i = 0; i < n; i++)
			nsw_batch_put(d + NSW_HDR_LEN, i, req ? 0 : i % 4,
				      1001 + i, 0x100000000ULL * i + 5);
		/* nsw_batch_add(), as senders build a batch, makes the same. */
		memset(d2, 0xa5, sizeof(d2));
		for (i = 0; i <= n; i++)
			nsw_batch_add((struct nsw_hdr *)d2, d2 + NSW_HDR_LEN, i,
				      type, i ? (req ? 0 : (i - 1) % 4) : NSW_ST_OK,
				      1000 + i,
				      i ? 0x100000000ULL * (i - 1) + 5 : 77);
		((struct nsw_hdr *)d2)->len = h.len;
		CHECK(!memcmp(d, d2, NSW_HDR_LEN + len));
		CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len, &m), 0);
		CHECK_EQ(ref_decode(d, NSW_HDR_LEN + len), 0);
		CHECK(nsw_batch_ok(type, d + NSW_HDR_LEN, len));
		CHECK_EQ(nsw_batch_len(&m), n + 1);
		for (i = 0; i <= n; i++) {
			nsw_batch_at(&m, d + NSW_HDR_LEN, i, &a);
			CHECK_EQ(a.type, type);
			CHECK_EQ(a.len, 0);
			CHECK_EQ(a.offset, 0);
			CHECK_EQ(a.req_id, 1000 + i);
			CHECK_EQ(a.status, i && !req ? (i - 1) % 4 : NSW_ST_OK);
			CHECK_EQ(a.handle,
				 i ? 0x100000000ULL * (i - 1) + 5 : 77);
		}
		/*
		 * Each reserved byte of each entry must be 0, and a
		 * request's status.
		 */
		for (i = 0; i < len; i++) {
			if (i % NSW_BATCH_ENTRY_LEN < (req ? 16 : 17))
				continue;
			d[NSW_HDR_LEN + i] = 1;
			CHECK(!nsw_batch_ok(type, d + NSW_HDR_LEN, len));
			d[NSW_HDR_LEN + i] = 0;
		}
	}
	/* Not a whole number of entries, or more than a batch. */
	CHECK_EQ(decode_len(type, 0, 8), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(type, 0, 23), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(type, 0, 25), -NSW_WERR_LEN);
	CHECK_EQ(decode_len(type, 0, 1400), -NSW_WERR_LEN);
	memset(d, 0, sizeof(d));
	len = (NSW_BATCH_MAX + 1) * NSW_BATCH_ENTRY_LEN;
	nsw_hdr_encode(&h, type, NSW_ST_OK, 1, 2, len);
	memcpy(d, &h, NSW_HDR_LEN);
	CHECK_EQ(nsw_hdr_decode(d, NSW_HDR_LEN + len, &m), -NSW_WERR_LEN);
	CHECK_EQ(ref_decode(d, NSW_HDR_LEN + len), -NSW_WERR_LEN);
}

static void test_batches(void)
{
	CHECK_EQ(NSW_BATCH_ENTRY_LEN, 24);
	CHECK(NSW_HDR_LEN + NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN <= NSW_CHUNK_DGRAM);
	CHECK(nsw_msg_batched(NSW_MSG_STORE_ACK));
	CHECK(nsw_msg_batched(NSW_MSG_LOAD));
	CHECK(!nsw_msg_batched(NSW_MSG_STORE));
	CHECK(!nsw_msg_batched(NSW_MSG_LOAD_ACK));
	CHECK(!nsw_msg_batched(NSW_MSG_FREE));
	test_batch(NSW_MSG_STORE_ACK);
	test_batch(NSW_MSG_LOAD);
}

/* A PONG: room in its handle, give_back in its payload, big endian. */
static void test_pong(void)
{
	static const u64 asks[] = { 0, 1, 0x0102030405060708ULL,
				    NSW_GIVE_BACK_ALL };
	struct nsw_msg m;
	unsigned int i, b;
	u8 *d;

	CHECK_EQ(NSW_PONG_LEN, sizeof(__be64));
	for (i = 0; i < ARRAY_SIZE(asks); i++) {
		d = mkdgram(48 + NSW_PONG_LEN, NSW_MSG_PONG, NSW_ST_OK, 7,
			    nsw_handle_make(0x1234, NSW_PONG_ROOM_MAX),
			    NSW_PONG_LEN);
		nsw_free_handle_put(d + 48, 0, asks[i]);
		CHECK_EQ(nsw_hdr_decode(d, 48 + NSW_PONG_LEN, &m), 0);
		CHECK(nsw_handle_slot(m.handle) == NSW_PONG_ROOM_MAX);
		CHECK(nsw_pong_give_back(d + 48) == asks[i]);
		CHECK_EQ(d[48], (u8)(asks[i] >> 56));
		CHECK_EQ(d[55], (u8)asks[i]);
		/* One byte short or long: not a PONG of this version. */
		CHECK_EQ(nsw_hdr_decode(d, 48 + NSW_PONG_LEN - 1, &m),
			 -NSW_WERR_LEN);
		/* key_id and tag are reserved as in any reply. */
		for (b = 32; b < 48; b++) {
			d[b] = 1;
			CHECK_EQ(nsw_hdr_decode(d, 48 + NSW_PONG_LEN, &m),
				 -NSW_WERR_RESERVED);
			d[b] = 0;
		}
		free(d);
	}
	/* The old PONG, with no payload, is refused. */
	d = mkdgram(48, NSW_MSG_PONG, NSW_ST_OK, 7, 5, 0);
	CHECK_EQ(nsw_hdr_decode(d, 48, &m), -NSW_WERR_LEN);
	free(d);
}

int main(void)
{
	test_layout();
	test_chunks();
	test_runs();
	test_byte_order();
	test_roundtrip();
	test_reject_short();
	test_reject_magic();
	test_reject_version();
	test_reject_type();
	test_reject_flags();
	test_reject_reserved();
	test_reject_len_mismatch();
	test_reject_len_type();
	test_reject_offset();
	test_free_handles();
	test_pong();
	test_batches();
	test_random();
	return test_summary("test_wire");
}
