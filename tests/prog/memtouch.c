// SPDX-License-Identifier: GPL-2.0
/*
 * memtouch - swap workload that proves data survives the round trip.
 *
 *   memtouch SIZE_MB [passes] [seed]
 *
 * mmap()s SIZE_MB of anonymous memory. For each pass it writes every 8-byte
 * word with a hash of (seed, pass, word index) - so every page differs from
 * every other page and from the previous pass, and no word is ever zero
 * (zero pages could be short-cut by the kernel) - then reads everything back
 * twice: in sequential page order and in a pseudo-random page order. With
 * SIZE_MB larger than RAM the data has to go through swap and come back.
 *
 * Prints a progress line about every 64 MiB and a final summary line with
 * the number of mismatching words. Exit status: 0 all data verified,
 * 1 mismatch or allocation failure, 2 usage error.
 *
 * MEMTOUCH_RANDOM_MB=N limits the random-order check to N MiB of pages
 * (chosen at random), for runs where time is short: every word is still
 * checked in the sequential sweep.
 *
 * Self-test of the checker: with MEMTOUCH_INJECT_ERROR=1 in the environment
 * one word is corrupted after the first write sweep, so the run must fail.
 *
 * MEMTOUCH_HOLD=1 makes it a job that keeps its memory: after the last pass
 * it waits for SIGINT or SIGTERM, then checks every word once more.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o memtouch memtouch.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)
#define PROGRESS_BYTES (64UL * MIB)
#define MAX_REPORTED 10

static size_t page_size;
static size_t words_per_page;

/* splitmix64 finaliser: a cheap, well-mixing 64-bit hash. */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Expected value of word @idx (index over the whole area) in pass @pass. */
static inline uint64_t pattern(uint64_t seed, uint64_t pass, uint64_t idx)
{
	uint64_t v = mix64(seed ^ mix64(pass * 0x100000001b3ULL ^ mix64(idx)));

	return v ? v : 1; /* never write a zero word */
}


static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double t_start;

static void progress(const char *what, unsigned pass, size_t done_pages,
		     size_t npages, size_t *next_report)
{
	size_t done = done_pages * page_size;

	if (done >= *next_report || done_pages == npages) {
		printf("memtouch: pass %u %s %zu/%zu MiB (%.0f s)\n", pass, what,
		       done / MIB, npages * page_size / MIB, now() - t_start);
		fflush(stdout);
		*next_report = done + PROGRESS_BYTES;
	}
}

/* Check one page; returns the number of mismatching words. */
static uint64_t check_page(const uint64_t *area, size_t page, uint64_t seed,
			   unsigned pass, uint64_t *reported)
{
	const uint64_t *w = area + page * words_per_page;
	uint64_t base = (uint64_t)page * words_per_page, bad = 0;
	size_t i;

	for (i = 0; i < words_per_page; i++) {
		uint64_t want = pattern(seed, pass, base + i);

		if (w[i] != want) {
			if (*reported < MAX_REPORTED) {
				printf("memtouch: MISMATCH pass %u page %zu word %zu: got %016" PRIx64
				       " want %016" PRIx64 "\n",
				       pass, page, i, w[i], want);
				(*reported)++;
			}
			bad++;
		}
	}
	return bad;
}

/* xorshift64* for the page permutation */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static volatile sig_atomic_t stop;
static sigset_t hold_wait;	/* the mask to wait in: SIGINT, SIGTERM open */

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * MEMTOUCH_HOLD=1, before the area exists: SIGINT and SIGTERM are held
 * back until hold() waits for them, so one sent while the area is still
 * being written ends the hold at once instead of being lost (a shell's
 * background job starts with SIGINT ignored).
 */
static void hold_prepare(void)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, &hold_wait);
	sigdelset(&hold_wait, SIGINT);
	sigdelset(&hold_wait, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Keeps the area, as written in @pass, until SIGINT or SIGTERM, then
 * checks it once more. Returns the mismatching words.
 */
static uint64_t hold(const uint64_t *area, size_t npages, uint64_t seed,
		     unsigned pass, uint64_t *reported)
{
	uint64_t bad = 0;
	size_t p;

	printf("memtouch: holding %zu pages until SIGINT or SIGTERM\n", npages);
	fflush(stdout);
	while (!stop)
		sigsuspend(&hold_wait);
	for (p = 0; p < npages; p++)
		bad += check_page(area, p, seed, pass, reported);
	printf("memtouch: held, then %" PRIu64 " bad words\n", bad);
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long size_mb, passes = 1, pass;
	uint64_t seed = 1, bad_total = 0, reported = 0;
	size_t npages, rnd_pages, p, next;
	uint32_t *order;
	uint64_t *area;
	bool holding;
	char *end;
	double t0;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s SIZE_MB [passes] [seed]\n", argv[0]);
		return 2;
	}
	size_mb = strtoul(argv[1], &end, 0);
	if (*end || size_mb == 0) {
		fprintf(stderr, "memtouch: bad SIZE_MB '%s'\n", argv[1]);
		return 2;
	}
	if (argc > 2) {
		passes = strtoul(argv[2], &end, 0);
		if (*end || passes == 0) {
			fprintf(stderr, "memtouch: bad passes '%s'\n", argv[2]);
			return 2;
		}
	}
	if (argc > 3) {
		seed = strtoull(argv[3], &end, 0);
		if (*end) {
			fprintf(stderr, "memtouch: bad seed '%s'\n", argv[3]);
			return 2;
		}
	}

	page_size = (size_t)sysconf(_SC_PAGESIZE);
	words_per_page = page_size / sizeof(uint64_t);
	npages = size_mb * MIB / page_size;
	if (npages > UINT32_MAX) {
		fprintf(stderr, "memtouch: SIZE_MB too large\n");
		return 2;
	}

	holding = getenv("MEMTOUCH_HOLD") &&
		  !strcmp(getenv("MEMTOUCH_HOLD"), "1");
	if (holding)
		hold_prepare();
	area = mmap(NULL, npages * page_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		printf("memtouch: FAIL cannot mmap %lu MiB: %s\n", size_mb,
		       strerror(errno));
		return 1;
	}
	rnd_pages = npages;
	if (getenv("MEMTOUCH_RANDOM_MB")) {
		unsigned long mb = strtoul(getenv("MEMTOUCH_RANDOM_MB"), NULL, 10);

		if (mb * MIB / page_size < rnd_pages)
			rnd_pages = mb * MIB / page_size;
	}
	order = malloc(npages * sizeof(*order));
	if (!order) {
		printf("memtouch: FAIL cannot allocate page order table\n");
		return 1;
	}

	printf("memtouch: %lu MiB, %zu pages, %lu passes, seed %" PRIu64
	       ", %zu pages checked again in random order\n",
	       size_mb, npages, passes, seed, rnd_pages);
	fflush(stdout);
	t0 = now();
	t_start = t0;

	for (pass = 1; pass <= passes; pass++) {
		uint64_t bad_seq = 0, bad_rnd = 0;

		/* write */
		next = PROGRESS_BYTES;
		for (p = 0; p < npages; p++) {
			uint64_t *w = area + p * words_per_page;
			uint64_t base = (uint64_t)p * words_per_page;
			size_t i;

			for (i = 0; i < words_per_page; i++)
				w[i] = pattern(seed, pass, base + i);
			progress("write", pass, p + 1, npages, &next);
		}

		if (pass == 1 && getenv("MEMTOUCH_INJECT_ERROR"))
			area[(npages / 2) * words_per_page + 3] ^= 0x10;

		/* verify, sequential page order */
		next = PROGRESS_BYTES;
		for (p = 0; p < npages; p++) {
			bad_seq += check_page(area, p, seed, pass, &reported);
			progress("verify-seq", pass, p + 1, npages, &next);
		}

		/* verify, pseudo-random page order (Fisher-Yates shuffle) */
		rng_state = mix64(seed ^ (pass << 32)) | 1;
		for (p = 0; p < npages; p++)
			order[p] = (uint32_t)p;
		for (p = npages - 1; p > 0; p--) {
			size_t j = rng() % (p + 1);
			uint32_t t = order[p];

			order[p] = order[j];
			order[j] = t;
		}
		next = PROGRESS_BYTES;
		for (p = 0; p < rnd_pages; p++) {
			bad_rnd += check_page(area, order[p], seed, pass, &reported);
			progress("verify-rnd", pass, p + 1, rnd_pages, &next);
		}

		printf("memtouch: pass %lu done: %" PRIu64 " bad words sequential, %" PRIu64
		       " bad words random, %.1f s elapsed\n",
		       pass, bad_seq, bad_rnd, now() - t0);
		fflush(stdout);
		bad_total += bad_seq + bad_rnd;
	}

	if (holding)
		bad_total += hold(area, npages, seed, passes, &reported);

	printf("memtouch: %s: %lu MiB x %lu passes, %" PRIu64 " mismatching words, %.1f s\n",
	       bad_total ? "FAIL" : "OK", size_mb, passes, bad_total, now() - t0);
	return bad_total ? 1 : 0;
}
