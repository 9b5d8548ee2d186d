// SPDX-License-Identifier: GPL-2.0
/*
 * blkverify - write known pages to a block device and check them, page by
 * page, with direct I/O: tells a page that cannot be read (EIO) from a page
 * that reads back wrong.
 *
 *   blkverify write  DEV FIRST COUNT SEED
 *   blkverify verify DEV FIRST COUNT SEED
 *
 * Pages are 4 KiB, numbered from the start of DEV; FIRST and COUNT say
 * which. Every 8-byte word of page P is a hash of (SEED, P, word), never
 * zero, and word 0 also names P and SEED in clear, so a page that holds
 * another page's data (or an older write's) is reported as such.
 *
 * verify reads each page on its own (O_DIRECT, 4 KiB) and prints one
 * summary line:
 *   "blkverify: COUNT pages: ok N eio N mismatch N, slowest eio MS ms"
 * plus a line for each of the first mismatches and EIO ranges. Exit status:
 * 0 every page read back right; 1 a page read back wrong, or (unless
 * BLKVERIFY_ALLOW_EIO=1) could not be read; 2 usage or setup error. A read
 * that fails with another error than EIO counts as a mismatch: it is not
 * what a lost page must give.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o blkverify blkverify.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define WORDS (PAGE / sizeof(uint64_t))
#define MAX_REPORTED 10
#define MAGIC 0x6e73000000000000ULL	/* "ns", bits 48-63 of word 0 */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Word 0: magic, the seed's low 16 bits and the page number in clear. */
static uint64_t word0(uint64_t seed, uint64_t page)
{
	return MAGIC ^ ((seed & 0xffff) << 32) ^ (page & 0xffffffffULL);
}

static void fill(uint64_t *w, uint64_t seed, uint64_t page)
{
	size_t i;

	w[0] = word0(seed, page);
	for (i = 1; i < WORDS; i++) {
		uint64_t v = mix64(seed ^ mix64(page * WORDS + i));

		w[i] = v ? v : 1;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What page @w holds, as far as its word 0 tells. */
static void describe(const uint64_t *w, char *buf, size_t len)
{
	size_t i, zero = 1;

	for (i = 0; i < WORDS; i++)
		if (w[i])
			zero = 0;
	if (zero)
		snprintf(buf, len, "zeros");
	else if ((w[0] & 0xffff000000000000ULL) == MAGIC)
		snprintf(buf, len, "page %" PRIu64 " of seed %" PRIu64 " (low 16 bits)",
			 (uint64_t)(w[0] & 0xffffffffULL), (uint64_t)((w[0] >> 32) & 0xffff));
	else
		snprintf(buf, len, "unknown data, word 0 %#" PRIx64, w[0]);
}

static int do_write(int fd, uint64_t first, uint64_t count, uint64_t seed,
		    uint64_t *buf)
{
	uint64_t p;

	for (p = first; p < first + count; p++) {
		fill(buf, seed, p);
		if (pwrite(fd, buf, PAGE, p * PAGE) != (ssize_t)PAGE) {
			fprintf(stderr, "blkverify: write of page %" PRIu64 ": %s\n",
				p, strerror(errno));
			return 1;
		}
	}
	if (fsync(fd)) {
		perror("blkverify: fsync");
		return 1;
	}
	printf("blkverify: wrote %" PRIu64 " pages from %" PRIu64 " (seed %" PRIu64 ")\n",
	       count, first, seed);
	return 0;
}

static int do_verify(int fd, uint64_t first, uint64_t count, uint64_t seed,
		     uint64_t *buf, uint64_t *want)
{
	uint64_t p, ok = 0, eio = 0, bad = 0, run_start = 0;
	int allow_eio = getenv("BLKVERIFY_ALLOW_EIO") &&
			!strcmp(getenv("BLKVERIFY_ALLOW_EIO"), "1");
	unsigned int ranges = 0;
	double slowest = 0;
	char what[96];

	for (p = first; p < first + count; p++) {
		double t0 = now_ms(), t;
		ssize_t n = pread(fd, buf, PAGE, p * PAGE);
		int err = errno;

		t = now_ms() - t0;
		if (n < 0 && err == EIO) {
			if (!eio || run_start + 1 != p) {
				if (ranges++ < MAX_REPORTED)
					printf("blkverify: EIO from page %" PRIu64 "\n", p);
			}
			run_start = p;
			eio++;
			if (t > slowest)
				slowest = t;
			continue;
		}
		if (n != (ssize_t)PAGE) {
			if (bad++ < MAX_REPORTED)
				printf("blkverify: page %" PRIu64 ": read gave %zd (%s), not EIO\n",
				       p, n, n < 0 ? strerror(err) : "short");
			continue;
		}
		fill(want, seed, p);
		if (memcmp(buf, want, PAGE)) {
			if (bad++ < MAX_REPORTED) {
				describe(buf, what, sizeof(what));
				printf("blkverify: page %" PRIu64 " MISMATCH: holds %s\n",
				       p, what);
			}
			continue;
		}
		ok++;
	}
	printf("blkverify: %" PRIu64 " pages: ok %" PRIu64 " eio %" PRIu64
	       " mismatch %" PRIu64 ", slowest eio %.0f ms\n",
	       count, ok, eio, bad, slowest);
	if (bad || (eio && !allow_eio))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t first, count, seed, *buf, *want;
	int fd, rc, wr;

	if (argc != 6 || (strcmp(argv[1], "write") && strcmp(argv[1], "verify"))) {
		fprintf(stderr, "usage: blkverify write|verify DEV FIRST COUNT SEED\n");
		return 2;
	}
	wr = !strcmp(argv[1], "write");
	first = strtoull(argv[3], NULL, 0);
	count = strtoull(argv[4], NULL, 0);
	seed = strtoull(argv[5], NULL, 0);
	if (posix_memalign((void **)&buf, PAGE, PAGE) ||
	    posix_memalign((void **)&want, PAGE, PAGE)) {
		fprintf(stderr, "blkverify: out of memory\n");
		return 2;
	}
	fd = open(argv[2], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkverify: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if (wr)
		rc = do_write(fd, first, count, seed, buf);
	else
		rc = do_verify(fd, first, count, seed, buf, want);
	close(fd);
	return rc;
}
