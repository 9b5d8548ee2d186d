// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_wire into the directory given: one
 * datagram of every message type the way a peer sends it (a page message
 * once for each chunk of the page), and one for each reason a receiver
 * drops a datagram, so the fuzzer starts with every branch of
 * nsw_hdr_decode() taken. Headers are made by nsw_hdr_encode() and
 * nsw_hdr_set_chunks(), then broken where a seed needs it. Output is
 * deterministic; "make -C tests/fuzz corpus" regenerates
 * tests/fuzz/corpus/wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include "wire.h"

static const char *outdir;

static void put(const char *name, const u8 *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Largest payload of a seed: a page, or a FREE batch, and then some. */
#define SEED_MAX	(NSW_WIRE_PAGE + 8)

/*
 * A datagram of @payload bytes after a header that says @len and, for
 * @offset other than 0, that offset; bytes [@at, @at + @nbytes) of the
 * header are then set to @val, to break it.
 */
static void seed_off(const char *name, u8 type, u8 status, u64 req_id,
		     u64 handle, u16 offset, u32 len, size_t payload,
		     size_t at, size_t nbytes, u8 val)
{
	static u8 buf[NSW_HDR_LEN + SEED_MAX];
	struct nsw_hdr h;
	size_t i;

	if (payload > SEED_MAX || at + nbytes > NSW_HDR_LEN)
		abort();
	nsw_hdr_encode(&h, type, status, req_id, handle, len);
	h.offset = cpu_to_be16(offset);
	memcpy(buf, &h, NSW_HDR_LEN);
	memset(buf + at, val, nbytes);
	for (i = 0; i < payload; i++)
		buf[NSW_HDR_LEN + i] = (u8)(i * 7 + 1);
	put(name, buf, NSW_HDR_LEN + payload);
}

static void seed(const char *name, u8 type, u8 status, u64 req_id,
		 u64 handle, u32 len, size_t payload,
		 size_t at, size_t nbytes, u8 val)
{
	seed_off(name, type, status, req_id, handle, 0, len, payload,
		 at, nbytes, val);
}

/* A valid datagram: @len bytes after a header that says so. */
static void ok(const char *name, u8 type, u8 status, u64 handle, u32 len)
{
	seed(name, type, status, 0x1234, handle, len, len, 0, 0, 0);
}

/* The run of @n chunks from @first of a page, as the module sends it. */
static void ok_chunks(const char *name, u8 type, u64 handle,
		      unsigned int first, unsigned int n)
{
	static u8 buf[NSW_MAX_DGRAM];
	unsigned int i, len = nsw_chunks_len(first, n);
	struct nsw_hdr h;

	nsw_hdr_encode(&h, type, NSW_ST_OK, 0x1234, handle, 0);
	nsw_hdr_set_chunks(&h, first, n);
	memcpy(buf, &h, NSW_HDR_LEN);
	/* The page's own bytes, where the run has them. */
	for (i = 0; i < len; i++)
		buf[NSW_HDR_LEN + i] = (u8)((nsw_chunk_off(first) + i) * 7 + 1);
	put(name, buf, NSW_HDR_LEN + len);
}

int main(int argc, char **argv)
{
	/* A full FREE, or a full STORE_ACK batch. */
	static u8 buf[NSW_HDR_LEN +
		      (NSW_FREE_BATCH * 8 > NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN ?
		       NSW_FREE_BATCH * 8 : NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN)];
	const u32 batch = NSW_FREE_BATCH * 8;
	struct nsw_hdr h;
	unsigned int i;
	char name[64];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	/* Valid: every type as the module sends it, pages in each chunk. */
	for (i = 0; i < NSW_CHUNKS; i++) {
		snprintf(name, sizeof(name), "ok-store-chunk%u", i);
		ok_chunks(name, NSW_MSG_STORE, 0, i, 1);
		snprintf(name, sizeof(name), "ok-load-ack-chunk%u", i);
		ok_chunks(name, NSW_MSG_LOAD_ACK, 0x100000007ULL, i, 1);
	}
	/* Runs of chunks: the whole page (jumbo frames), and two of three. */
	ok_chunks("ok-store-page", NSW_MSG_STORE, 0, 0, NSW_CHUNKS);
	ok_chunks("ok-load-ack-page", NSW_MSG_LOAD_ACK, 0x100000007ULL, 0,
		  NSW_CHUNKS);
	ok_chunks("ok-store-run01", NSW_MSG_STORE, 0, 0, 2);
	ok_chunks("ok-load-ack-run12", NSW_MSG_LOAD_ACK, 0x100000007ULL, 1, 2);
	ok("ok-store-ack", NSW_MSG_STORE_ACK, NSW_ST_OK, 0x100000007ULL, 0);
	ok("ok-store-ack-full", NSW_MSG_STORE_ACK, NSW_ST_FULL, 0, 0);
	ok("ok-load", NSW_MSG_LOAD, 0, 0x100000007ULL, 0);
	ok("ok-load-ack-noent", NSW_MSG_LOAD_ACK, NSW_ST_NOENT, 7, 0);
	ok("ok-free-ack", NSW_MSG_FREE_ACK, 0, 0, 0);
	ok("ok-reset", NSW_MSG_RESET, 0, 0, 0);
	ok("ok-reset-ack", NSW_MSG_RESET_ACK, 0, 0, 0);
	ok("ok-ping", NSW_MSG_PING, 0, 0, 0);
	ok("ok-pong", NSW_MSG_PONG, 0, 0, NSW_PONG_LEN);

	/* FREE of one handle and of a full batch, real handles inside. */
	for (i = 0; i < NSW_FREE_BATCH; i++)
		nsw_free_handle_put(buf + NSW_HDR_LEN, i,
				    (u64)(i + 1) << 32 | (i * 3 + 1));
	nsw_hdr_encode(&h, NSW_MSG_FREE, 0, 0x800, 0, 8);
	memcpy(buf, &h, NSW_HDR_LEN);
	put("ok-free-1", buf, NSW_HDR_LEN + 8);
	nsw_hdr_encode(&h, NSW_MSG_FREE, 0, 0x801, 0, batch);
	memcpy(buf, &h, NSW_HDR_LEN);
	put("ok-free-160", buf, NSW_HDR_LEN + batch);

	/* A STORE_ACK answering 1 + 3 and 1 + NSW_BATCH_MAX STOREs. */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < NSW_BATCH_MAX; i++)
		nsw_batch_put(buf + NSW_HDR_LEN, i,
			      i % 3 ? NSW_ST_OK : NSW_ST_FULL, 0x900 + i,
			      (u64)(i + 1) << 32 | (i * 5 + 1));
	nsw_hdr_encode(&h, NSW_MSG_STORE_ACK, 0, 0x8ff, 0x100000001ULL,
		       3 * NSW_BATCH_ENTRY_LEN);
	memcpy(buf, &h, NSW_HDR_LEN);
	put("ok-store-ack-batch-4", buf, NSW_HDR_LEN + 3 * NSW_BATCH_ENTRY_LEN);
	nsw_hdr_encode(&h, NSW_MSG_STORE_ACK, 0, 0x8ff, 0x100000001ULL,
		       NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN);
	memcpy(buf, &h, NSW_HDR_LEN);
	put("ok-store-ack-batch-57", buf,
	    NSW_HDR_LEN + NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN);
	/* Its reserved bytes set: the header passes, the answers do not. */
	buf[NSW_HDR_LEN + 2 * NSW_BATCH_ENTRY_LEN + 20] = 1;
	put("bad-store-ack-batch-reserved", buf,
	    NSW_HDR_LEN + NSW_BATCH_MAX * NSW_BATCH_ENTRY_LEN);
	seed("bad-store-ack-batch-len", NSW_MSG_STORE_ACK, 0, 1, 2, 25, 25,
	     0, 0, 0);

	/* A LOAD asking for 1 + 7 pages, as a client reading ahead does. */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 7; i++)
		nsw_batch_put(buf + NSW_HDR_LEN, i, 0, 0xa01 + i,
			      (u64)(i + 1) << 32 | (i * 3 + 2));
	nsw_hdr_encode(&h, NSW_MSG_LOAD, 0, 0xa00, 0x100000001ULL,
		       7 * NSW_BATCH_ENTRY_LEN);
	memcpy(buf, &h, NSW_HDR_LEN);
	put("ok-load-batch-8", buf, NSW_HDR_LEN + 7 * NSW_BATCH_ENTRY_LEN);
	/* A status in a request: the header passes, the requests do not. */
	buf[NSW_HDR_LEN + NSW_BATCH_ENTRY_LEN + 16] = NSW_ST_FULL;
	put("bad-load-batch-status", buf,
	    NSW_HDR_LEN + 7 * NSW_BATCH_ENTRY_LEN);

	/* Invalid in v1: key_id, tag, or a request's status set. */
	seed("bad-load-key-id", NSW_MSG_LOAD, 0, 1, 2, 0, 0,
	     offsetof(struct nsw_hdr, key_id), 2, 0xff);
	seed("bad-reset-tag", NSW_MSG_RESET, 0, 1, 0, 0, 0,
	     offsetof(struct nsw_hdr, tag), 16, 0x5a);
	seed("bad-ping-status", NSW_MSG_PING, NSW_ST_FULL, 1, 0, 0, 0,
	     0, 0, 0);

	/* Invalid: each reason to drop once (libFuzzer tries empty itself). */
	nsw_hdr_encode(&h, NSW_MSG_RESET, 0, 1, 0, 0);
	put("bad-short-47", (u8 *)&h, NSW_HDR_LEN - 1);
	seed("bad-magic", NSW_MSG_LOAD, 0, 1, 2, 0, 0, 3, 1, 'Q');
	seed("bad-version-0", NSW_MSG_LOAD, 0, 1, 2, 0, 0, 4, 1, 0);
	seed("bad-version-2", NSW_MSG_LOAD, 0, 1, 2, 0, 0, 4, 1, 2);
	seed("bad-type-0", 0, 0, 1, 2, 0, 0, 0, 0, 0);
	seed("bad-type-past-max", NSW_MSG_MAX + 1, 0, 1, 2, 0, 0, 0, 0, 0);
	seed("bad-type-255", 0xff, 0, 1, 2, 0, 0, 0, 0, 0);
	seed("bad-flags-auth", NSW_MSG_LOAD, 0, 1, 2, 0, 0, 7, 1, NSW_F_AUTH);
	seed("bad-len-says-more", NSW_MSG_LOAD, 0, 1, 2, 8, 0, 0, 0, 0);
	seed("bad-len-says-less", NSW_MSG_RESET, 0, 1, 0, 0, 1, 0, 0, 0);
	seed("bad-len-huge", NSW_MSG_LOAD, 0, 1, 2, 0xffffffd0U, 0, 0, 0, 0);
	seed("bad-store-empty", NSW_MSG_STORE, 0, 1, 0, 0, 0, 0, 0, 0);
	/* len says a whole page; the datagram is the header alone. */
	seed("bad-store-len-page", NSW_MSG_STORE, 0, 1, 0, NSW_WIRE_PAGE, 0,
	     0, 0, 0);
	seed("bad-load-ack-noent-chunk", NSW_MSG_LOAD_ACK, NSW_ST_NOENT, 1, 2,
	     NSW_CHUNK, NSW_CHUNK, 0, 0, 0);

	/* Invalid offsets of a page message, len matching the datagram. */
	seed_off("bad-store-offset-unaligned", NSW_MSG_STORE, 0, 1, 0,
		 NSW_CHUNK / 2, NSW_CHUNK, NSW_CHUNK, 0, 0, 0);
	seed_off("bad-store-offset-4095", NSW_MSG_STORE, 0, 1, 0,
		 NSW_WIRE_PAGE - 1, 1, 1, 0, 0, 0);
	/* A multiple of the chunk size past the page: no chunk 3. */
	seed_off("bad-store-offset-chunk3", NSW_MSG_STORE, 0, 1, 0,
		 NSW_CHUNKS * NSW_CHUNK, NSW_CHUNK, NSW_CHUNK, 0, 0, 0);
	seed_off("bad-load-ack-offset-ffff", NSW_MSG_LOAD_ACK, NSW_ST_OK, 1,
		 2, 0xffff, NSW_CHUNK, NSW_CHUNK, 0, 0, 0);
	/* Chunk 2 is short, chunks 0 and 1 are not; no run ends at 4200. */
	seed_off("bad-store-chunk2-len-full", NSW_MSG_STORE, 0, 1, 0,
		 2 * NSW_CHUNK, NSW_CHUNK, NSW_CHUNK, 0, 0, 0);
	seed_off("bad-load-ack-chunk0-len-short", NSW_MSG_LOAD_ACK,
		 NSW_ST_OK, 1, 2, 0, NSW_WIRE_PAGE - 2 * NSW_CHUNK,
		 NSW_WIRE_PAGE - 2 * NSW_CHUNK, 0, 0, 0);
	/* An offset on messages that carry no page. */
	seed_off("bad-load-offset", NSW_MSG_LOAD, 0, 1, 2, NSW_CHUNK, 0, 0,
		 0, 0, 0);
	seed_off("bad-load-ack-noent-offset", NSW_MSG_LOAD_ACK, NSW_ST_NOENT,
		 1, 2, NSW_CHUNK, 0, 0, 0, 0, 0);
	seed_off("bad-free-offset", NSW_MSG_FREE, 0, 1, 0, 1, 8, 8, 0, 0, 0);
	seed("bad-free-0", NSW_MSG_FREE, 0, 1, 0, 0, 0, 0, 0, 0);
	seed("bad-free-odd", NSW_MSG_FREE, 0, 1, 0, 12, 12, 0, 0, 0);
	seed("bad-free-161", NSW_MSG_FREE, 0, 1, 0, batch + 8, batch + 8,
	     0, 0, 0);
	return 0;
}
