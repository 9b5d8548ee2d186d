// SPDX-License-Identifier: GPL-2.0
/*
 * storeflood - fills a netswap store's queue of requests waiting for its
 * worker (tests/scenarios/flood).
 *
 *   storeflood session ADDR [PORT]        on another node: begins a
 *                                         session (RESET), prints "base N"
 *   storeflood send ADDR [PORT] [COUNT] [BASE]  then: COUNT (4096) STOREs
 *                                         of a new page each, numbered
 *                                         from BASE
 *   storeflood starve                     on the store: keep its worker
 *                                         from running, until killed
 *
 * Both send from UDP port FLOOD_PORT, so that the store knows them as one
 * client: a store carries out STOREs only in a session a RESET began.
 * send: each datagram is a valid STORE of a whole page (offset 0, len
 * 4096, req_id BASE, BASE + 1, ...), 4144 bytes: three IP fragments on a
 * 1500-byte link, one skb once reassembled. Prints "sent N".
 * starve: makes each ksoftirqd SCHED_FIFO, so that what arrives still
 * reaches the store's queue, the unbound kworkers (the store's worker is
 * one) SCHED_IDLE, and spins at nice -20 on each CPU, so that the worker
 * runs next to never. Prints "starving" once it spins; the threads get
 * their old policies back on SIGTERM.
 * Exit status: 0 done, 1 error, 2 usage.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o storeflood storeflood.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../include/netswap_wire.h"

#define FLOOD_PORT	7900

/* A UDP socket from FLOOD_PORT connected to ADDR:PORT, or -1. */
static int flood_socket(const char *addr, int port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in from = {
		.sin_family = AF_INET,
		.sin_port = htons(FLOOD_PORT),
	};
	struct timeval tv = { .tv_sec = 1 };
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "storeflood: bad address %s\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		perror("storeflood: socket");
		return -1;
	}
	return fd;
}

/* RESET with a nonce until its RESET_ACK comes; prints the base. */
static int session(const char *addr, int port)
{
	struct nsw_hdr h = {
		.magic = htonl(NSW_WIRE_MAGIC),
		.version = NSW_WIRE_VERSION,
		.type = NSW_MSG_RESET,
		.req_id = htobe64(1),
		.handle = htobe64(0x5eed0000f1000d01ULL ^ (uint64_t)getpid()),
	};
	struct nsw_hdr r;
	int fd = flood_socket(addr, port), i;

	if (fd < 0)
		return 1;
	for (i = 0; i < 10; i++) {
		if (send(fd, &h, sizeof(h), 0) != sizeof(h))
			perror("storeflood: send");
		if (recv(fd, &r, sizeof(r), 0) == sizeof(r) &&
		    r.type == NSW_MSG_RESET_ACK && !r.status) {
			printf("base %llu\n", (unsigned long long)
			       (be64toh(r.handle) & NSW_HANDLE_SLOT_MASK));
			return 0;
		}
	}
	fprintf(stderr, "storeflood: no RESET_ACK from %s\n", addr);
	return 1;
}

static int flood(const char *addr, int port, unsigned long count,
		 unsigned long base)
{
	static unsigned char dgram[NSW_MAX_DGRAM];
	struct nsw_hdr *h = (struct nsw_hdr *)dgram;
	unsigned long i, sent = 0;
	int fd = flood_socket(addr, port);

	if (fd < 0)
		return 1;
	h->magic = htonl(NSW_WIRE_MAGIC);
	h->version = NSW_WIRE_VERSION;
	h->type = NSW_MSG_STORE;
	h->len = htonl(NSW_WIRE_PAGE);
	for (i = base; i < base + count; i++) {
		h->req_id = htobe64(i);
		memset(dgram + NSW_HDR_LEN, i & 0xff, NSW_WIRE_PAGE);
		if (send(fd, dgram, sizeof(dgram), 0) == sizeof(dgram))
			sent++;
		else if (errno != ECONNREFUSED && errno != ENOBUFS)
			perror("storeflood: send");
	}
	printf("sent %lu\n", sent);
	return 0;
}

/* Kernel threads whose scheduling starve changed, to put back. */
static struct {
	pid_t pid;
	int policy;
	int nice;
} changed[256];
static int nr_changed;

/* Gives every kernel thread whose name starts with @prefix @policy. */
static void set_policy(const char *prefix, int policy, int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	struct dirent *d;
	DIR *proc = opendir("/proc");
	char path[300], comm[64];

	while (proc && (d = readdir(proc)) && nr_changed < 256) {
		pid_t pid = atoi(d->d_name);
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = pid ? fopen(path, "r") : NULL;
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, prefix, strlen(prefix))) {
			changed[nr_changed].pid = pid;
			changed[nr_changed].policy = sched_getscheduler(pid);
			changed[nr_changed].nice = getpriority(PRIO_PROCESS, pid);
			if (sched_setscheduler(pid, policy, &sp))
				fprintf(stderr, "storeflood: %d %s: %s\n", pid,
					prefix, strerror(errno));
			else
				nr_changed++;
		}
		fclose(f);
	}
	if (proc)
		closedir(proc);
}

static void restore(int sig)
{
	struct sched_param sp = { 0 };
	int i;

	(void)sig;
	for (i = 0; i < nr_changed; i++) {
		sched_setscheduler(changed[i].pid, changed[i].policy, &sp);
		setpriority(PRIO_PROCESS, changed[i].pid, changed[i].nice);
	}
	kill(0, SIGKILL);
	_exit(0);
}

static int starve(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN), c;
	volatile unsigned long spin = 0;

	set_policy("ksoftirqd/", SCHED_FIFO, 1);
	set_policy("kworker/u", SCHED_IDLE, 0);
	if (setpriority(PRIO_PROCESS, 0, -20)) {
		perror("storeflood: nice");
		return 1;
	}
	setpgid(0, 0);
	signal(SIGTERM, restore);
	for (c = 1; c < cpus; c++) {
		if (fork() == 0) {
			cpu_set_t set;

			signal(SIGTERM, SIG_DFL);
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			sched_setaffinity(0, sizeof(set), &set);
			for (;;)
				spin++;
		}
	}
	printf("starving\n");
	fflush(stdout);
	for (;;)
		spin++;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "session"))
		return session(argv[2],
			       argc > 3 ? atoi(argv[3]) : NSW_DEFAULT_PORT);
	if (argc >= 3 && !strcmp(argv[1], "send"))
		return flood(argv[2], argc > 3 ? atoi(argv[3]) : NSW_DEFAULT_PORT,
			     argc > 4 ? strtoul(argv[4], NULL, 0) : 4096,
			     argc > 5 ? strtoul(argv[5], NULL, 0) : 1);
	if (argc == 2 && !strcmp(argv[1], "starve"))
		return starve();
	fprintf(stderr, "usage: storeflood session ADDR [PORT] | send ADDR [PORT] [COUNT] [BASE] | starve\n");
	return 2;
}
