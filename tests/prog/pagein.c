// SPDX-License-Identifier: GPL-2.0
/*
 * pagein - swap device benchmark: swap-out and swap-in throughput, CPU time
 * per page, and the latency of one page fault served from swap.
 *
 *   pagein SIZE_MB [SAMPLES]
 *
 * Run as root in a memory cgroup of its own (it writes that cgroup's
 * memory.reclaim) with one swap device on. It fills SIZE_MB of anonymous
 * memory with a distinct pattern per page, then:
 *
 *  1. swap-out: madvise(MADV_PAGEOUT) on all of it, timed until
 *     /proc/vmstat's nr_writeback is back to 0 and pagemap shows every page
 *     in swap ("swapout_pps", "cpu_us_per_page.out");
 *  2. swap-in: reads one word of every page in order, with the kernel's
 *     swap readahead as configured ("swapin_pps", "cpu_us_per_page.in");
 *  3. swaps everything out again, sets vm.page-cluster to 0 (no readahead:
 *     one fault, one page read), and times SAMPLES (2000) faults on
 *     distinct pages in random order, one at a time ("pagein_us.*").
 *
 * Between swap-out and swap-in it asks the cgroup to reclaim the pages
 * left in the swap cache: MADV_PAGEOUT leaves a page there until its write
 * completes, and a fault on it would not read the device.
 *
 * CPU time is the whole VM's (/proc/stat: user, system, irq, softirq),
 * so it includes the device's completion work in interrupts. Every page
 * read is checked; a wrong word is an error (exit 1). Output: "KEY VALUE"
 * lines (bench/report.py), progress on stderr.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o pagein pagein.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stats.h"

#define PAGE 4096UL
#define WORDS (PAGE / sizeof(uint64_t))

static uint64_t *area;
static size_t npages;
static char reclaim_path[320];

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void die(const char *what)
{
	fprintf(stderr, "pagein: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long read_field(const char *file, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		die(file);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ') {
			v = atoll(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

/* Busy time of all CPUs since boot, in µs (USER_HZ ticks). */
static double cpu_busy_us(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		die("/proc/stat");
	fclose(f);
	/* all but idle (3) and iowait (4) */
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1e6 /
	       sysconf(_SC_CLK_TCK);
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		die(path);
	/* memory.reclaim says EAGAIN when it reclaimed less than asked */
	if (write(fd, val, strlen(val)) < 0 && errno != EAGAIN)
		die(path);
	close(fd);
}

/* Pages [first, end) of the area that are in swap (pagemap bit 62). */
static size_t in_swap(size_t first, size_t end)
{
	static uint64_t buf[512];
	static int fd = -1;
	size_t n = 0, got, k, i;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap");
	for (i = first; i < end; i += got) {
		off_t off = ((uintptr_t)area / PAGE + i) * sizeof(uint64_t);
		ssize_t r;

		got = end - i < 512 ? end - i : 512;
		r = pread(fd, buf, got * sizeof(uint64_t), off);
		if (r != (ssize_t)(got * sizeof(uint64_t)))
			die("/proc/self/pagemap");
		for (k = 0; k < got; k++)
			n += (buf[k] >> 62) & 1;
	}
	return n;
}

/* Pushes the whole area to swap; returns the pages that went. */
static size_t swap_out(void)
{
	char amount[32];

	if (madvise(area, npages * PAGE, MADV_PAGEOUT))
		die("madvise(MADV_PAGEOUT)");
	while (read_field("/proc/vmstat", "nr_writeback") > 0)
		usleep(2000);
	snprintf(amount, sizeof(amount), "%zu", npages * PAGE * 2);
	write_file(reclaim_path, amount);
	return in_swap(0, npages);
}

static void check(size_t i, size_t w)
{
	uint64_t want = mix64(i * WORDS + w);

	if (area[i * WORDS + w] != want) {
		fprintf(stderr, "pagein: page %zu word %zu: %#" PRIx64
			" instead of %#" PRIx64 "\n", i, w,
			area[i * WORDS + w], want);
		exit(1);
	}
}

static void find_cgroup(void)
{
	char line[200], *nl;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::", 3))
		die("/proc/self/cgroup (needs cgroup2)");
	fclose(f);
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	snprintf(reclaim_path, sizeof(reclaim_path),
		 "/sys/fs/cgroup%s/memory.reclaim", line + 3);
}

int main(int argc, char **argv)
{
	size_t samples = argc > 2 ? strtoul(argv[2], NULL, 0) : 2000;
	size_t i, w, n, *order;
	double t0, c0, *lat;
	char cluster[16] = "3";
	FILE *f;

	if (argc < 2 || !atoi(argv[1])) {
		fprintf(stderr, "usage: pagein SIZE_MB [SAMPLES]\n");
		return 2;
	}
	npages = (size_t)atoi(argv[1]) * 256;
	if (samples > npages)
		samples = npages;
	find_cgroup();
	area = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = calloc(npages, sizeof(*order));
	lat = calloc(samples, sizeof(*lat));
	if (area == MAP_FAILED || !order || !lat)
		die("allocation");
	madvise(area, npages * PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < npages * WORDS; i++)
		area[i] = mix64(i);

	fprintf(stderr, "pagein: swap-out of %zu pages\n", npages);
	c0 = cpu_busy_us();
	t0 = now_us();
	n = swap_out();
	printf("swapout_s %.3f\n", (now_us() - t0) / 1e6);
	printf("swapout_pps %.0f\n", n / ((now_us() - t0) / 1e6));
	printf("cpu_us_per_page.out %.1f\n", (cpu_busy_us() - c0) / n);
	printf("swapped_pages %zu\n", n);
	if (n < npages * 9 / 10) {
		fprintf(stderr, "pagein: only %zu of %zu pages went to swap\n", n, npages);
		return 1;
	}

	fprintf(stderr, "pagein: swap-in, in order\n");
	c0 = cpu_busy_us();
	t0 = now_us();
	for (i = 0; i < npages; i++)
		check(i, i % WORDS);
	printf("swapin_pps %.0f\n", npages / ((now_us() - t0) / 1e6));
	printf("cpu_us_per_page.in %.1f\n", (cpu_busy_us() - c0) / npages);

	fprintf(stderr, "pagein: %zu single-page faults\n", samples);
	n = swap_out();
	printf("swapped_pages_2 %zu\n", n);
	f = fopen("/proc/sys/vm/page-cluster", "r");
	if (!f || !fgets(cluster, sizeof(cluster), f))
		die("/proc/sys/vm/page-cluster");
	fclose(f);
	write_file("/proc/sys/vm/page-cluster", "0");
	for (i = 0; i < npages; i++)
		order[i] = i;
	srand(12345);
	for (i = npages - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0, w = 0; i < npages && w < samples; i++) {
		volatile uint64_t *p = &area[order[i] * WORDS + 7];
		uint64_t v;

		if (!in_swap(order[i], order[i] + 1))
			continue;
		t0 = now_us();
		v = *p;
		lat[w++] = now_us() - t0;
		(void)v;
		check(order[i], 7);
	}
	write_file("/proc/sys/vm/page-cluster", cluster);
	printf("pagein_samples %zu\n", w);
	print_latency("pagein_us", lat, w);
	for (i = 0; i < npages; i++)
		check(i, WORDS - 1);
	return 0;
}
