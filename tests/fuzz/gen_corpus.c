// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_wire into the directory given: one
 * datagram of every message type the way a peer sends it, and one for
 * each reason a receiver drops a datagram, so the fuzzer starts with every
 * branch of nsw_hdr_decode() taken. Headers are made by nsw_hdr_encode()
 * and then broken where a seed needs it. Output is deterministic;
 * "make -C tests/fuzz corpus" regenerates tests/fuzz/corpus/wire.
 *
 * Only three seeds carry a page: libFuzzer's mutations find the rest.
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

/*
 * A datagram of @payload bytes after a header that says @len; bytes
 * [@at, @at + @nbytes) of the header are then set to @val, to break it.
 */
static void seed(const char *name, u8 type, u8 status, u64 req_id,
		 u64 handle, u32 len, size_t payload,
		 size_t at, size_t nbytes, u8 val)
{
	static u8 buf[NSW_MAX_DGRAM];
	struct nsw_hdr h;
	size_t i;

	if (payload > NSW_WIRE_PAGE || at + nbytes > NSW_HDR_LEN)
		abort();
	nsw_hdr_encode(&h, type, status, req_id, handle, len);
	memcpy(buf, &h, NSW_HDR_LEN);
	memset(buf + at, val, nbytes);
	for (i = 0; i < payload; i++)
		buf[NSW_HDR_LEN + i] = (u8)(i * 7 + 1);
	put(name, buf, NSW_HDR_LEN + payload);
}

/* A valid datagram: @len bytes after a header that says so. */
static void ok(const char *name, u8 type, u8 status, u64 handle, u32 len)
{
	seed(name, type, status, 0x1234, handle, len, len, 0, 0, 0);
}

int main(int argc, char **argv)
{
	static u8 buf[NSW_MAX_DGRAM];
	const u32 page = NSW_WIRE_PAGE, batch = NSW_FREE_BATCH * 8;
	struct nsw_hdr h;
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];

	/* Valid: every type as the module sends it. */
	ok("ok-store", NSW_MSG_STORE, 0, 0, page);
	ok("ok-store-ack", NSW_MSG_STORE_ACK, NSW_ST_OK, 0x100000007ULL, 0);
	ok("ok-store-ack-full", NSW_MSG_STORE_ACK, NSW_ST_FULL, 0, 0);
	ok("ok-load", NSW_MSG_LOAD, 0, 0x100000007ULL, 0);
	ok("ok-load-ack", NSW_MSG_LOAD_ACK, NSW_ST_OK, 0x100000007ULL, page);
	ok("ok-load-ack-noent", NSW_MSG_LOAD_ACK, NSW_ST_NOENT, 7, 0);
	ok("ok-free-ack", NSW_MSG_FREE_ACK, 0, 0, 0);
	ok("ok-reset", NSW_MSG_RESET, 0, 0, 0);
	ok("ok-reset-ack", NSW_MSG_RESET_ACK, 0, 0, 0);

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

	/* Valid too: v1 ignores key_id and tag. */
	seed("ok-load-key-tag", NSW_MSG_LOAD, 0, 1, 2, 0, 0,
	     offsetof(struct nsw_hdr, key_id), 4, 0xff);
	seed("ok-reset-tag", NSW_MSG_RESET, 0, 1, 0, 0, 0,
	     offsetof(struct nsw_hdr, tag), 16, 0x5a);

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
	seed("bad-load-ack-noent-page", NSW_MSG_LOAD_ACK, NSW_ST_NOENT, 1, 2,
	     page, page, 0, 0, 0);
	seed("bad-free-0", NSW_MSG_FREE, 0, 1, 0, 0, 0, 0, 0, 0);
	seed("bad-free-odd", NSW_MSG_FREE, 0, 1, 0, 12, 12, 0, 0, 0);
	seed("bad-free-161", NSW_MSG_FREE, 0, 1, 0, batch + 8, batch + 8,
	     0, 0, 0);
	return 0;
}
