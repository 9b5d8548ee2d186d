// SPDX-License-Identifier: GPL-2.0
/*
 * nswping - send one netswap PING and print the PONG, as protocol.rst
 * says a store answers it: from the address the PING went to, echoing its
 * req_id, with the room the store has for us in the handle.
 *
 *   nswping [-r REQ_ID] [-t MS] ADDR [PORT]
 *
 * ADDR is IPv4 or IPv6 (fe80::1%eth0 for a link-local one), a broadcast
 * address too. REQ_ID defaults to a random nonzero number. The PING is
 * sent up to 3 times, MS (1000) apart; the first PONG is printed as
 *   "pong from ADDR port PORT req_id N room N epoch N status N sent_req_id N
 *    len N give_back N"
 * (room: handle bits 0-47, epoch: bits 48-63; len: the payload's bytes,
 * give_back: its __be64, printed as a signed number so that "all", ~0,
 * is -1, or -2 without one).
 * Exit status: 0 a PONG came, 1 none came, 2 usage or error.
 *
 * Build: gcc -O2 -Wall -Wextra -static -o nswping nswping.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_LEN		48
#define WIRE_MAGIC	0x4e535750U
#define MSG_PING	9
#define MSG_PONG	10

static uint64_t get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static const char *addr_str(const struct sockaddr_storage *ss)
{
	static char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	char ifn[IF_NAMESIZE];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf));
		return buf;
	}
	inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf));
	if (s6->sin6_scope_id && if_indextoname(s6->sin6_scope_id, ifn)) {
		strcat(buf, "%");
		strcat(buf, ifn);
	}
	return buf;
}

static int usage(void)
{
	fprintf(stderr, "usage: nswping [-r REQ_ID] [-t MS] ADDR [PORT]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST };
	uint8_t ping[HDR_LEN] = { 0 }, buf[2048];
	const char *port = "7878";
	struct sockaddr_storage from;
	uint64_t req_id = 0, handle;
	struct addrinfo *ai;
	int opt, fd, one = 1, ms = 1000, tries;
	socklen_t fl;
	ssize_t n;

	while ((opt = getopt(argc, argv, "r:t:")) != -1) {
		switch (opt) {
		case 'r':
			req_id = strtoull(optarg, NULL, 0);
			break;
		case 't':
			ms = atoi(optarg);
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		return usage();
	if (argc - optind == 2)
		port = argv[optind + 1];
	if (getaddrinfo(argv[optind], port, &hints, &ai)) {
		fprintf(stderr, "nswping: bad address %s\n", argv[optind]);
		return 2;
	}
	while (!req_id && getrandom(&req_id, sizeof(req_id), 0) < 0)
		;
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
				 sizeof(one))) {
		perror("nswping: socket");
		return 2;
	}
	put_be(ping, WIRE_MAGIC, 4);
	ping[4] = 1;
	ping[5] = MSG_PING;
	put_be(ping + 16, req_id, 8);

	for (tries = 0; tries < 3; tries++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (sendto(fd, ping, sizeof(ping), 0, ai->ai_addr,
			   ai->ai_addrlen) != sizeof(ping)) {
			perror("nswping: sendto");
			return 2;
		}
		while (poll(&pfd, 1, ms) == 1) {
			fl = sizeof(from);
			n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &fl);
			if (n < HDR_LEN || get_be(buf, 4) != WIRE_MAGIC ||
			    buf[5] != MSG_PONG)
				continue;
			handle = get_be(buf + 24, 8);
			printf("pong from %s port %u req_id %" PRIu64
			       " room %" PRIu64 " epoch %" PRIu64
			       " status %u sent_req_id %" PRIu64
			       " len %zd give_back %" PRId64 "\n",
			       addr_str(&from),
			       ntohs(((struct sockaddr_in *)&from)->sin_port),
			       get_be(buf + 16, 8),
			       handle & ((UINT64_C(1) << 48) - 1), handle >> 48,
			       buf[6], req_id, n - HDR_LEN,
			       n >= HDR_LEN + 8 ?
			       (int64_t)get_be(buf + HDR_LEN, 8) : -2);
			return 0;
		}
	}
	printf("no pong from %s (req_id %" PRIu64 ")\n", argv[optind], req_id);
	return 1;
}
