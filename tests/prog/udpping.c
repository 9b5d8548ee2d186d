// SPDX-License-Identifier: GPL-2.0
/*
 * udpping - the network's own round trip: a 4 KiB UDP ping-pong between two
 * userspace programs, the reference for netswap's page-in latency.
 *
 *   udpping server [PORT]                  echo every datagram back
 *   udpping client ADDR [PORT] [SIZE] [COUNT]
 *
 * The client sends COUNT (2000) datagrams of SIZE (4096) bytes one at a
 * time, each after the previous answer, and prints the round trip's
 * percentiles in microseconds (stats.h). A datagram lost is sent again after
 * 200 ms and counted ("lost N"); its round trip is not a sample. The first
 * 50 round trips warm up ARP and caches and are not samples either.
 * Exit status: 0 done, 1 error, 2 usage.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o udpping udpping.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stats.h"

#define WARMUP 50

static int server(int port)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[65536];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me))) {
		perror("udpping: server socket");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);

		if (n >= 0)
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

static int client(const char *addr, int port, size_t size, size_t count)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
	double *rtt = calloc(count, sizeof(*rtt));
	char *out = malloc(size), *in = malloc(size + 1);
	size_t i, lost = 0;
	uint32_t seq;
	int fd;

	if (!rtt || !out || !in || inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "udpping: bad address %s or no memory\n", addr);
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to))) {
		perror("udpping: client socket");
		return 1;
	}
	memset(out, 0x5a, size);
	for (i = 0; i < WARMUP + count; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double t0;
		ssize_t n;

		seq = i;
		memcpy(out, &seq, sizeof(seq));
resend:
		t0 = now_us();
		if (send(fd, out, size, 0) != (ssize_t)size) {
			perror("udpping: send");
			return 1;
		}
		for (;;) {
			if (poll(&pfd, 1, 200) == 0) {
				lost++;
				goto resend;
			}
			n = recv(fd, in, size + 1, 0);
			if (n < 0 && errno != EINTR) {
				perror("udpping: recv");
				return 1;
			}
			/* a late answer to an earlier send is skipped */
			if (n == (ssize_t)size && !memcmp(in, &seq, sizeof(seq)))
				break;
		}
		if (i >= WARMUP)
			rtt[i - WARMUP] = now_us() - t0;
	}
	printf("udp_lost %zu\n", lost);
	print_latency("udp_rtt_us", rtt, count);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "server"))
		return server(argc > 2 ? atoi(argv[2]) : 9100);
	if (argc >= 3 && !strcmp(argv[1], "client"))
		return client(argv[2], argc > 3 ? atoi(argv[3]) : 9100,
			      argc > 4 ? strtoul(argv[4], NULL, 0) : 4096,
			      argc > 5 ? strtoul(argv[5], NULL, 0) : 2000);
	fprintf(stderr, "usage: udpping server [PORT] | client ADDR [PORT] [SIZE] [COUNT]\n");
	return 2;
}
