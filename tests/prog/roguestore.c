// SPDX-License-Identifier: GPL-2.0
/*
 * roguestore - a netswap store in userspace that can be told to lie.
 *
 * Why it exists: the client's integrity checks (page checksums, the
 * validation of every datagram, the dropping of stale replies) can only be
 * proven against a store that misbehaves, and the module's own store never
 * does. This is a second, independent implementation of the store side of
 * Documentation/netswap/protocol.rst, version 1: it encodes and decodes
 * the header byte by byte from the spec and does not include
 * include/netswap_wire.h or netswap/wire.c, so that it also cross-checks
 * the module's idea of the wire format: pages in three chunks (taken in
 * runs of several, sent one a datagram), the sequence window with the
 * request type recorded, batched LOADs, PING, the store's epoch in every
 * reply's handle, sessions started by RESET (NOSESSION without one),
 * audits (AUDIT, KEEP, SWEEP: the pages the client no longer names are
 * freed). It
 * first behaves honestly (a test proves that it interoperates), then
 * misbehaves on demand, at run time, without losing the pages it holds
 * (but for SIGPWR):
 *
 *   SIGUSR1  toggle "corrupt": every page it sends back (as LOAD_ACK
 *            chunks, status OK) has one bit flipped; the stored copy stays
 *            intact
 *   SIGUSR2  send a burst of malformed and stale replies to the last
 *            client seen, -g of each kind: version 2, a LOAD_ACK chunk
 *            with len 100, type 42, bad magic, 20 bytes, a flag set,
 *            key_id or a tag byte set; and as stale, a well-formed
 *            STORE_ACK, a STORE_ACK NOSESSION, a FREE_ACK of another
 *            epoch and a LOAD_ACK chunk, each with a req_id no request
 *            has. Then print one line "sent version N len N type N
 *            magic N short N flags N stale N reserved N"
 *   SIGPWR   "restart", as a store whose module was reloaded: drop every
 *            page and every client's session and state, start the slot
 *            generations over (so the same slot/generation handles come
 *            again) and draw a new epoch; then print
 *            "roguestore: restarted, epoch XXXX" (4 hex digits)
 *   SIGWINCH toggle "zero handle": every STORE (new or overwrite, and
 *            their duplicates) is answered with an OK STORE_ACK whose
 *            handle has bits 0-47 zero, and nothing is kept or recorded;
 *            a lying store whose answers a client must drop. Prints
 *            "roguestore: zero handle on" (or "off")
 *   SIGHUP   print the statistics line
 *   SIGTERM, SIGINT  print the statistics line and exit 0
 *
 * Usage: roguestore [-p PORT] [-n PAGES] [-g N] [-z] [-v]
 *   -p PORT   UDP port (default 7878), bound on 0.0.0.0
 *   -n PAGES  pages it lends in all (default 65536); beyond, STORE gets FULL
 *   -g N      datagrams of each kind per SIGUSR2 burst (default 10)
 *   -z        start in "zero handle" mode (SIGWINCH)
 *   -v        one line per request
 *
 * Every line it prints but the burst line starts with "roguestore:", and
 * stdout is flushed after each line, so a test can follow it in a file.
 * The first says "listening on ..., epoch XXXX"; the statistics line
 * ("stats: ..." or "exit: ...") is "key value" pairs, among them stale
 * (requests dropped as stale: below the session's base, older than the
 * window's record, or of another type than the record of their number),
 * nosession (requests answered NOSESSION), reset_dups (RESETs with a
 * known nonce) and old_epoch (handles of another epoch than ours in
 * STOREs, LOADs and FREEs within a session: a client that learnt of a
 * restart must send none), audits and swept (AUDITs begun, pages SWEEPs
 * freed).
 *
 * Build: gcc -O2 -Wall -Wextra -static -o roguestore roguestore.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Protocol constants, written down from protocol.rst. */
#define WIRE_MAGIC	0x4e535750U	/* "NSWP" */
#define WIRE_VERSION	1
#define HDR_LEN		48
#define PONG_LEN	8	/* a PONG's payload: give_back, __be64 */
#define PAGE_LEN	4096
#define CHUNK		1400		/* page bytes in one chunk */
#define NCHUNKS		3		/* 1400 + 1400 + 1296 */
#define ALL_CHUNKS	((1U << NCHUNKS) - 1)
#define FREE_MAX	160		/* handles in one FREE */
#define BATCH_ENTRY	24		/* a further LOAD of a batch */
#define BATCH_MAX	56		/* further LOADs in one LOAD */
#define WINDOW		1024		/* sequence window, per client */
#define REASM		256		/* partial STOREs kept, per client */
#define NONCES		4		/* RESET nonces kept, per client */
#define LOW48		((1ULL << 48) - 1)	/* a handle but its epoch */

enum {
	MSG_STORE = 1, MSG_STORE_ACK, MSG_LOAD, MSG_LOAD_ACK,
	MSG_FREE, MSG_FREE_ACK, MSG_RESET, MSG_RESET_ACK,
	MSG_PING, MSG_PONG, MSG_AUDIT, MSG_AUDIT_ACK, MSG_KEEP, MSG_KEEP_ACK,
	MSG_SWEEP, MSG_SWEEP_ACK,
};

enum { ST_OK, ST_FULL, ST_NOENT, ST_NOMEM, ST_INVAL, ST_NOSESSION };

/* Header field offsets. */
#define OFF_MAGIC	0
#define OFF_VERSION	4
#define OFF_TYPE	5
#define OFF_STATUS	6
#define OFF_FLAGS	7
#define OFF_OFFSET	8		/* of a page message's first chunk */
#define OFF_KEY_ID	10
#define OFF_LEN		12
#define OFF_REQ_ID	16
#define OFF_HANDLE	24
#define OFF_TAG		32

/* The req_ids of the stale replies: bit 63 clear, far from any real id. */
#define STALE_BASE	0x7fffffff00000000ULL

#define MAX_CLIENTS	16

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct header {
	uint8_t type;
	uint8_t status;
	uint16_t offset;
	uint32_t len;
	uint64_t req_id;
	uint64_t handle;
};

struct slot {
	uint8_t *page;		/* NULL: free */
	uint16_t gen;		/* 1..0xffff, bumped on each free */
	int owner;		/* index in clients[] */
	uint64_t kept;		/* id of the owner's audit that keeps it */
};

struct client {
	bool used;
	bool session;		/* a RESET started one in this incarnation */
	struct sockaddr_in addr;
	uint64_t held;
	uint64_t max_req;	/* the highest req_id received */
	uint64_t base;		/* requests numbered below are stale */
	uint64_t audit;		/* id of the audit under way, 0: none */
	uint64_t floor;		/* its floor: STOREs from here on are kept */
	uint64_t stale;		/* new STOREs below the last floor: stale */
	/* The last RESETs' nonces, and the base each was answered. */
	struct {
		uint64_t nonce;
		uint64_t base;
	} nonces[NONCES];
	unsigned int next_nonce;
	/* The last request carried out per req_id % WINDOW, and its reply. */
	struct {
		uint64_t seq;
		uint64_t handle;
		uint8_t status;
		uint8_t type;
	} win[WINDOW];
	/* STOREs still missing chunks, per req_id % REASM. */
	struct {
		uint64_t seq;
		uint8_t got;	/* a bit per chunk */
		uint8_t *buf;
	} reasm[REASM];
};

static struct {
	int fd;
	unsigned int port;
	uint32_t nslots;
	unsigned int burst;
	bool verbose;
	struct slot *slots;
	uint32_t *free_stack;	/* free slot indexes, lowest on top first */
	uint32_t nfree;
	struct client clients[MAX_CLIENTS];
	bool corrupt;
	bool zero_handle;
	uint16_t epoch;		/* of this incarnation; never 0 */
	bool have_last;
	struct sockaddr_in last;	/* the last client seen */
	uint8_t rx[65536];
	uint8_t tx[HDR_LEN + PAGE_LEN];
	uint8_t page[PAGE_LEN];	/* a page being sent back */
} rs;

static struct {
	uint64_t stores, overwrites, dups, stale, full, loads, noent;
	uint64_t batched;	/* requests that came in a LOAD's payload */
	uint64_t runs;		/* STORE datagrams of more than one chunk */
	uint64_t corrupted, frees, freed, resets, pings, evicted, dropped;
	uint64_t replies_in, unknown_client;
	uint64_t nosession, reset_dups, zero_acks, restarts;
	uint64_t old_epoch;	/* handles of another epoch in a session */
	uint64_t audits, swept;
} st;

static volatile sig_atomic_t sig_corrupt, sig_burst, sig_stats, sig_exit;
static volatile sig_atomic_t sig_restart, sig_zero;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* A v1 header in @buf: every reserved field zero. */
static void hdr_put(uint8_t *buf, uint8_t type, uint8_t status,
		    uint64_t req_id, uint64_t handle, uint32_t len)
{
	memset(buf, 0, HDR_LEN);
	put32(buf + OFF_MAGIC, WIRE_MAGIC);
	buf[OFF_VERSION] = WIRE_VERSION;
	buf[OFF_TYPE] = type;
	buf[OFF_STATUS] = status;
	put32(buf + OFF_LEN, len);
	put64(buf + OFF_REQ_ID, req_id);
	put64(buf + OFF_HANDLE, handle);
}

static unsigned int chunk_len(unsigned int chunk)
{
	return chunk < NCHUNKS - 1 ? CHUNK : PAGE_LEN - (NCHUNKS - 1) * CHUNK;
}

/* Makes the header in @buf that of chunk @chunk of a page. */
static void hdr_chunk(uint8_t *buf, unsigned int chunk)
{
	put16(buf + OFF_OFFSET, chunk * CHUNK);
	put32(buf + OFF_LEN, chunk_len(chunk));
}

/* Offset and payload length as protocol.rst requires for the type. */
static bool len_ok(const struct header *h)
{
	/*
	 * Page messages (STORE, and LOAD_ACK with the page) carry a run of
	 * whole chunks: from a chunk's start to a chunk's end.
	 */
	if (h->type == MSG_STORE || (h->type == MSG_LOAD_ACK && !h->status)) {
		uint32_t end = h->offset + h->len;

		return h->offset % CHUNK == 0 && h->offset < PAGE_LEN &&
		       h->len > 0 && end <= PAGE_LEN &&
		       (end % CHUNK == 0 || end == PAGE_LEN);
	}
	if (h->offset)
		return false;
	if (h->type == MSG_FREE || h->type == MSG_KEEP)
		return h->len >= 8 && h->len % 8 == 0 && h->len / 8 <= FREE_MAX;
	if (h->type == MSG_AUDIT)
		return h->len == 8;
	if (h->type == MSG_LOAD)
		return h->len % BATCH_ENTRY == 0 &&
		       h->len / BATCH_ENTRY <= BATCH_MAX;
	return h->len == 0;
}

/* A LOAD's further requests: status and reserved bytes all 0. */
static bool batch_ok(const uint8_t *p, uint32_t len)
{
	uint32_t i, b;

	for (i = 0; i < len; i += BATCH_ENTRY)
		for (b = 16; b < BATCH_ENTRY; b++)
			if (p[i + b])
				return false;
	return true;
}

/* Are key_id and tag 0, as v1 requires? */
static bool reserved_zero(const uint8_t *buf)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (buf[OFF_TAG + i])
			return false;
	return !buf[OFF_KEY_ID] && !buf[OFF_KEY_ID + 1];
}

/* Returns false for a datagram protocol.rst says to drop. */
static bool hdr_get(const uint8_t *buf, size_t n, struct header *h)
{
	if (n < HDR_LEN || get32(buf + OFF_MAGIC) != WIRE_MAGIC ||
	    buf[OFF_VERSION] != WIRE_VERSION || buf[OFF_FLAGS] ||
	    !reserved_zero(buf))
		return false;
	h->type = buf[OFF_TYPE];
	h->status = buf[OFF_STATUS];
	h->offset = (uint16_t)buf[OFF_OFFSET] << 8 | buf[OFF_OFFSET + 1];
	h->len = get32(buf + OFF_LEN);
	h->req_id = get64(buf + OFF_REQ_ID);
	h->handle = get64(buf + OFF_HANDLE);
	if (h->type < MSG_STORE || h->type > MSG_SWEEP_ACK)
		return false;
	/* A request carries no status. */
	if ((h->type & 1) && h->status)
		return false;
	return h->len == n - HDR_LEN && len_ok(h);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("roguestore: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *addr_str(const struct sockaddr_in *a)
{
	static char buf[INET_ADDRSTRLEN + 8];
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(a->sin_port));
	return buf;
}

static void send_to(const struct sockaddr_in *to, const void *buf, size_t n)
{
	ssize_t ret;

	do {
		ret = sendto(rs.fd, buf, n, 0, (const struct sockaddr *)to,
			     sizeof(*to));
	} while (ret < 0 && errno == EINTR);
	/* A lost reply is the client's retransmission's business. */
	if (ret < 0 && rs.verbose)
		say("sendto %s: %s", addr_str(to), strerror(errno));
}

/* @low in bits 0-47, our epoch in bits 48-63: the handle of every reply. */
static uint64_t reply_handle(uint64_t low)
{
	return (uint64_t)rs.epoch << 48 | (low & LOW48);
}

/*
 * Answers @req; a page goes as one datagram per chunk. Bits 48-63 of
 * @handle are replaced by our epoch.
 */
static void reply(int c, const struct header *req, uint8_t status,
		  uint64_t handle, const uint8_t *page)
{
	unsigned int i;

	hdr_put(rs.tx, req->type + 1, status, req->req_id,
		reply_handle(handle), 0);
	if (!page) {
		send_to(&rs.clients[c].addr, rs.tx, HDR_LEN);
		return;
	}
	for (i = 0; i < NCHUNKS; i++) {
		hdr_chunk(rs.tx, i);
		memcpy(rs.tx + HDR_LEN, page + i * CHUNK, chunk_len(i));
		send_to(&rs.clients[c].addr, rs.tx, HDR_LEN + chunk_len(i));
	}
}

/* The slot @handle names, if it is a page of client @c; else NULL. */
static struct slot *lookup(int c, uint64_t handle)
{
	uint32_t idx = (uint32_t)handle;
	struct slot *s;

	/* Another epoch's handle names nothing of this incarnation. */
	if (handle >> 48 != rs.epoch || idx >= rs.nslots)
		return NULL;
	s = &rs.slots[idx];
	if (!s->page || s->gen != (uint16_t)(handle >> 32) || s->owner != c)
		return NULL;
	return s;
}

static uint64_t handle_of(const struct slot *s)
{
	return (uint64_t)rs.epoch << 48 | (uint64_t)s->gen << 32 |
	       (uint64_t)(s - rs.slots);
}

static void release(struct slot *s)
{
	free(s->page);
	s->page = NULL;
	rs.clients[s->owner].held--;
	/* A new generation: old handles of this slot become stale. */
	s->gen = s->gen == 0xffff ? 1 : s->gen + 1;
	rs.free_stack[rs.nfree++] = s - rs.slots;
}

/*
 * Keeps the complete page @page (malloc()ed, now ours) for client @c.
 * Returns the status; *@handle is where the page lives.
 */
static uint8_t do_store(int c, const struct header *h, uint8_t *page,
			uint64_t *handle)
{
	struct slot *s = h->handle ? lookup(c, h->handle) : NULL;

	*handle = 0;
	if (s) {
		/* Overwrite in place: the client already has a page here. */
		free(s->page);
		s->page = page;
		st.overwrites++;
	} else {
		if (!rs.nfree) {
			free(page);
			st.full++;
			return ST_FULL;
		}
		s = &rs.slots[rs.free_stack[--rs.nfree]];
		s->page = page;
		s->owner = c;
		rs.clients[c].held++;
		st.stores++;
	}
	/* An audit keeps what a STORE at or above its floor stored. */
	s->kept = rs.clients[c].audit && h->req_id >= rs.clients[c].floor ?
		  rs.clients[c].audit : 0;
	*handle = handle_of(s);
	return ST_OK;
}

/*
 * Adds a STORE's chunks to the page being put together for it. Returns
 * the page once all chunks are in (the caller owns it), else NULL.
 */
static uint8_t *store_chunk(int c, const struct header *h,
			    const uint8_t *payload, bool *nomem)
{
	struct client *cl = &rs.clients[c];
	unsigned int i, r = h->req_id % REASM;
	uint8_t *page;

	*nomem = false;
	if (cl->reasm[r].seq > h->req_id)
		return NULL;	/* older than what the slot holds: drop */
	if (cl->reasm[r].seq < h->req_id) {
		/* A newer request takes the slot over. */
		if (cl->reasm[r].buf)
			st.evicted++;
		free(cl->reasm[r].buf);
		cl->reasm[r].buf = NULL;
		cl->reasm[r].seq = h->req_id;
		cl->reasm[r].got = 0;
	}
	if (!cl->reasm[r].buf) {
		cl->reasm[r].buf = malloc(PAGE_LEN);
		if (!cl->reasm[r].buf) {
			*nomem = true;
			return NULL;
		}
	}
	memcpy(cl->reasm[r].buf + h->offset, payload, h->len);
	/* The run's chunks, from the first to the one it ends in. */
	for (i = h->offset / CHUNK; i * CHUNK < h->offset + h->len; i++)
		cl->reasm[r].got |= 1U << i;
	if (h->len > chunk_len(h->offset / CHUNK))
		st.runs++;
	if (cl->reasm[r].got != ALL_CHUNKS)
		return NULL;
	page = cl->reasm[r].buf;
	cl->reasm[r].buf = NULL;
	cl->reasm[r].got = 0;
	return page;
}

static void do_load(int c, const struct header *h)
{
	struct slot *s = lookup(c, h->handle);
	unsigned int bit;

	if (!s) {
		st.noent++;
		reply(c, h, ST_NOENT, 0, NULL);
		return;
	}
	st.loads++;
	if (!rs.corrupt) {
		reply(c, h, ST_OK, h->handle, s->page);
		return;
	}
	/* One flipped bit, somewhere else each time; the copy here is kept. */
	bit = (st.corrupted * 7919 + 13) % (PAGE_LEN * 8);
	st.corrupted++;
	memcpy(rs.page, s->page, PAGE_LEN);
	rs.page[bit / 8] ^= 1U << (bit % 8);
	reply(c, h, ST_OK, h->handle, rs.page);
}

/* Frees each handle of client @c's in the payload; ignores the rest. */
static uint8_t do_free(int c, const struct header *h, const uint8_t *payload)
{
	struct slot *s;
	uint32_t i;

	st.frees++;
	for (i = 0; i < h->len / 8; i++) {
		s = lookup(c, get64(payload + 8 * i));
		if (s) {
			release(s);
			st.freed++;
		}
	}
	return ST_OK;
}

/*
 * An AUDIT: begins audit h->handle with the floor in the payload, keeping
 * the pages the window records as stored at or above it.
 */
static uint8_t do_audit(int c, const struct header *h, const uint8_t *payload)
{
	struct client *cl = &rs.clients[c];
	struct slot *s;
	unsigned int i;

	if (!h->handle)
		return ST_INVAL;
	st.audits++;
	cl->audit = h->handle;
	cl->floor = get64(payload);
	if (cl->floor > cl->stale)
		cl->stale = cl->floor;
	for (i = 0; i < WINDOW; i++) {
		if (cl->win[i].type != MSG_STORE || cl->win[i].status != ST_OK ||
		    cl->win[i].seq < cl->floor)
			continue;
		s = lookup(c, cl->win[i].handle);
		if (s)
			s->kept = cl->audit;
	}
	return ST_OK;
}

/* A KEEP: the audit keeps these handles of the client's. */
static uint8_t do_keep(int c, const struct header *h, const uint8_t *payload)
{
	struct client *cl = &rs.clients[c];
	struct slot *s;
	uint32_t i;

	if (!cl->audit || h->handle != cl->audit)
		return ST_NOENT;
	for (i = 0; i < h->len / 8; i++) {
		s = lookup(c, get64(payload + 8 * i));
		if (s)
			s->kept = cl->audit;
	}
	return ST_OK;
}

/* A SWEEP: frees what the audit did not keep; *@freed: how many. */
static uint8_t do_sweep(int c, const struct header *h, uint64_t *freed)
{
	struct client *cl = &rs.clients[c];
	uint32_t i;

	if (!cl->audit || h->handle != cl->audit)
		return ST_NOENT;
	for (i = 0; i < rs.nslots; i++) {
		if (rs.slots[i].page && rs.slots[i].owner == c &&
		    rs.slots[i].kept != cl->audit) {
			release(&rs.slots[i]);
			(*freed)++;
		}
	}
	st.swept += *freed;
	cl->audit = 0;
	return ST_OK;
}

/* Drops every page of client @c's, whole or partial. */
static void drop_pages(int c)
{
	struct client *cl = &rs.clients[c];
	uint32_t i;

	for (i = 0; i < rs.nslots; i++)
		if (rs.slots[i].page && rs.slots[i].owner == c)
			release(&rs.slots[i]);
	for (i = 0; i < REASM; i++) {
		free(cl->reasm[i].buf);
		cl->reasm[i].buf = NULL;
		cl->reasm[i].got = 0;
		cl->reasm[i].seq = 0;
	}
}

/*
 * A RESET, outside the window: a known nonce is answered as before and
 * nothing else; any other starts a new session, whose base is past every
 * number the client has used with this incarnation.
 */
static void do_reset(int c, const struct header *h)
{
	struct client *cl = &rs.clients[c];
	unsigned int i;

	for (i = 0; i < NONCES; i++) {
		if (h->handle && cl->nonces[i].nonce == h->handle) {
			st.reset_dups++;
			reply(c, h, ST_OK, cl->nonces[i].base, NULL);
			return;
		}
	}
	st.resets++;
	drop_pages(c);
	memset(cl->win, 0, sizeof(cl->win));
	cl->base = cl->max_req + 1;
	cl->session = true;
	cl->audit = 0;
	cl->stale = 0;
	cl->nonces[cl->next_nonce].nonce = h->handle;
	cl->nonces[cl->next_nonce].base = cl->base;
	cl->next_nonce = (cl->next_nonce + 1) % NONCES;
	reply(c, h, ST_OK, cl->base, NULL);
}

/*
 * Counts the handles of another epoch in @h, a STORE, LOAD, FREE or KEEP
 * (an AUDIT's and a SWEEP's handle is an audit id).
 */
static void count_old_epoch(const struct header *h, const uint8_t *payload)
{
	uint32_t i;

	if (h->type == MSG_AUDIT || h->type == MSG_SWEEP)
		return;
	if (h->type != MSG_FREE && h->type != MSG_KEEP) {
		if (h->handle && h->handle >> 48 != rs.epoch)
			st.old_epoch++;
		return;
	}
	for (i = 0; i < h->len / 8; i++)
		if (get64(payload + 8 * i) >> 48 != rs.epoch)
			st.old_epoch++;
}

/*
 * A request of client @c's, within its session and through its sequence
 * window: a new one is carried out and its reply recorded with its type
 * (but NOMEM, so that the retransmission is carried out for real), a
 * duplicate is answered from the record (a LOAD is served again), a
 * stale one is dropped.
 */
static void do_request(int c, const struct header *h, const uint8_t *payload)
{
	struct client *cl = &rs.clients[c];
	unsigned int w = h->req_id % WINDOW;
	uint64_t handle = 0;
	uint8_t status, *page;
	bool nomem;

	if (h->req_id > cl->max_req)
		cl->max_req = h->req_id;
	if (h->type == MSG_RESET) {
		do_reset(c, h);
		return;
	}
	if (!cl->session) {
		/* Nothing carried out, nothing recorded. */
		st.nosession++;
		reply(c, h, ST_NOSESSION, 0, NULL);
		return;
	}
	if (h->req_id < cl->base || cl->win[w].seq > h->req_id ||
	    (cl->win[w].seq == h->req_id && cl->win[w].type != h->type)) {
		st.stale++;
		return;
	}
	count_old_epoch(h, payload);
	if (h->type == MSG_STORE && rs.zero_handle) {
		/* The lie: "kept", at a handle that names nothing. */
		st.zero_acks++;
		reply(c, h, ST_OK, 0, NULL);
		return;
	}
	if (cl->win[w].seq == h->req_id) {
		st.dups++;
		if (h->type == MSG_LOAD)
			do_load(c, h);
		else
			reply(c, h, cl->win[w].status, cl->win[w].handle, NULL);
		return;
	}
	/* A STORE the client gave up on before its last audit. */
	if (h->type == MSG_STORE && h->req_id < cl->stale) {
		st.stale++;
		return;
	}
	switch (h->type) {
	case MSG_STORE:
		page = store_chunk(c, h, payload, &nomem);
		if (nomem) {
			reply(c, h, ST_NOMEM, 0, NULL);
			return;
		}
		if (!page)
			return;		/* chunks missing still */
		status = do_store(c, h, page, &handle);
		break;
	case MSG_LOAD:
		do_load(c, h);
		status = lookup(c, h->handle) ? ST_OK : ST_NOENT;
		break;
	case MSG_FREE:
		status = do_free(c, h, payload);
		break;
	case MSG_AUDIT:
		status = do_audit(c, h, payload);
		break;
	case MSG_KEEP:
		status = do_keep(c, h, payload);
		break;
	case MSG_SWEEP:
		status = do_sweep(c, h, &handle);
		break;
	default:
		return;
	}
	cl->win[w].seq = h->req_id;
	cl->win[w].type = h->type;
	cl->win[w].status = status;
	cl->win[w].handle = handle;
	if (h->type != MSG_LOAD)
		reply(c, h, status, handle, NULL);
}

/* Index of the client at @from, created on its first request; or -1. */
static int client_of(const struct sockaddr_in *from)
{
	int i, freec = -1;

	for (i = 0; i < MAX_CLIENTS; i++) {
		if (!rs.clients[i].used) {
			if (freec < 0)
				freec = i;
			continue;
		}
		if (rs.clients[i].addr.sin_addr.s_addr ==
		    from->sin_addr.s_addr &&
		    rs.clients[i].addr.sin_port == from->sin_port)
			return i;
	}
	if (freec >= 0) {
		rs.clients[freec].used = true;
		rs.clients[freec].addr = *from;
		say("new client %s", addr_str(from));
	}
	return freec;
}

static const char *const type_names[] = {
	"?", "STORE", "STORE_ACK", "LOAD", "LOAD_ACK",
	"FREE", "FREE_ACK", "RESET", "RESET_ACK", "PING", "PONG",
	"AUDIT", "AUDIT_ACK", "KEEP", "KEEP_ACK", "SWEEP", "SWEEP_ACK",
};

static void handle_dgram(size_t n, const struct sockaddr_in *from)
{
	const uint8_t *payload = rs.rx + HDR_LEN;
	struct header h;
	unsigned int i;
	int c;

	if (!hdr_get(rs.rx, n, &h) ||
	    (h.type == MSG_LOAD && !batch_ok(payload, h.len))) {
		st.dropped++;
		if (rs.verbose)
			say("dropped %zu bytes from %s", n, addr_str(from));
		return;
	}
	if (!(h.type & 1)) {
		/* We are no client: a reply is nothing to act on. */
		st.replies_in++;
		return;
	}
	if (h.type == MSG_PING) {
		/*
		 * Outside any window, and it makes no one a client. The PONG
		 * echoes the PING's nonce and says how many more pages we
		 * would take from the sender: any free page.
		 */
		st.pings++;
		hdr_put(rs.tx, MSG_PONG, ST_OK, h.req_id,
			reply_handle(rs.nfree), PONG_LEN);
		put64(rs.tx + HDR_LEN, 0);	/* give_back: none */
		send_to(from, rs.tx, HDR_LEN + PONG_LEN);
		return;
	}
	c = client_of(from);
	if (c < 0) {
		st.unknown_client++;
		return;
	}
	rs.last = *from;
	rs.have_last = true;
	for (i = 0;; i++) {
		if (rs.verbose)
			say("%s %s req_id %#" PRIx64 " handle %#" PRIx64 " offset %u",
			    addr_str(from), type_names[h.type], h.req_id,
			    h.handle, h.offset);
		do_request(c, &h, payload);
		/* A LOAD's payload: more LOADs, each as if it came alone. */
		if (h.type != MSG_LOAD || i == h.len / BATCH_ENTRY)
			break;
		h.req_id = get64(payload + i * BATCH_ENTRY);
		h.handle = get64(payload + i * BATCH_ENTRY + 8);
		st.batched++;
	}
}

static void pause_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Sends @n bytes of rs.tx to the last client; true if the kernel took it. */
static bool burst_send(size_t n)
{
	ssize_t ret;

	do {
		ret = sendto(rs.fd, rs.tx, n, 0,
			     (const struct sockaddr *)&rs.last,
			     sizeof(rs.last));
	} while (ret < 0 && errno == EINTR);
	/* Paced, so that neither our queue nor the client's ring overflows. */
	pause_ms(2);
	return ret == (ssize_t)n;
}

/*
 * Each kind breaks exactly one rule of protocol.rst in a reply that is
 * otherwise well formed; the stale replies break none, only their req_id
 * matches no request. All carry req_ids no client has in flight, and our
 * epoch: the client must not take them for a sign of a restart either.
 */
static void garbage_burst(void)
{
	unsigned int version = 0, len = 0, type = 0, magic = 0, shrt = 0;
	unsigned int flags = 0, stale = 0, reserved = 0, i;
	uint64_t id, h = reply_handle(1ULL << 32);

	if (!rs.have_last) {
		say("no client seen yet, nothing to send the burst to");
	} else {
		say("garbage burst of %u per kind to %s", rs.burst,
		    addr_str(&rs.last));
	}
	for (i = 0; rs.have_last && i < rs.burst; i++) {
		id = STALE_BASE | i;

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		rs.tx[OFF_VERSION] = 2;
		version += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_LOAD_ACK, ST_OK, id, h, 100);
		memset(rs.tx + HDR_LEN, 0xa5, 100);
		len += burst_send(HDR_LEN + 100);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		rs.tx[OFF_TYPE] = 42;
		type += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		put32(rs.tx + OFF_MAGIC, 0x50575e4e);
		magic += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		shrt += burst_send(20);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		rs.tx[OFF_FLAGS] = 0x01;	/* AUTH, reserved for v2 */
		flags += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		rs.tx[OFF_KEY_ID + 1] = 1;
		reserved += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		rs.tx[OFF_TAG + 15] = 0x80;
		reserved += burst_send(HDR_LEN);

		hdr_put(rs.tx, MSG_STORE_ACK, ST_OK, id, h, 0);
		stale += burst_send(HDR_LEN);

		/*
		 * Replies that would end the client's session if they
		 * answered a request of it: NOSESSION, and another epoch.
		 * They answer none, so the session must live on.
		 */
		hdr_put(rs.tx, MSG_STORE_ACK, ST_NOSESSION, id, h, 0);
		stale += burst_send(HDR_LEN);
		hdr_put(rs.tx, MSG_FREE_ACK, ST_OK, id, h ^ 1ULL << 63, 0);
		stale += burst_send(HDR_LEN);

		/* The first chunk of a page, well formed. */
		hdr_put(rs.tx, MSG_LOAD_ACK, ST_OK, id, h, 0);
		hdr_chunk(rs.tx, 0);
		memset(rs.tx + HDR_LEN, 0x5a, chunk_len(0));
		stale += burst_send(HDR_LEN + chunk_len(0));
	}
	printf("sent version %u len %u type %u magic %u short %u flags %u stale %u reserved %u\n",
	       version, len, type, magic, shrt, flags, stale, reserved);
	fflush(stdout);
}

static void print_stats(const char *why)
{
	uint64_t held = 0;
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		held += rs.clients[i].held;
	say("%s: held %" PRIu64 " stores %" PRIu64 " overwrites %" PRIu64
	    " dups %" PRIu64 " stale %" PRIu64 " full %" PRIu64
	    " loads %" PRIu64 " batched %" PRIu64 " runs %" PRIu64
	    " corrupted %" PRIu64
	    " noent %" PRIu64
	    " frees %" PRIu64 " freed %" PRIu64 " resets %" PRIu64
	    " pings %" PRIu64 " evicted %" PRIu64 " dropped %" PRIu64
	    " replies_in %" PRIu64 " nosession %" PRIu64
	    " reset_dups %" PRIu64 " zero_acks %" PRIu64
	    " restarts %" PRIu64 " old_epoch %" PRIu64
	    " audits %" PRIu64 " swept %" PRIu64 " epoch %04x",
	    why, held, st.stores, st.overwrites, st.dups, st.stale, st.full,
	    st.loads, st.batched, st.runs, st.corrupted, st.noent, st.frees,
	    st.freed, st.resets, st.pings, st.evicted, st.dropped,
	    st.replies_in, st.nosession, st.reset_dups, st.zero_acks,
	    st.restarts, st.old_epoch, st.audits, st.swept, rs.epoch);
}

static void on_signal(int sig)
{
	switch (sig) {
	case SIGUSR1:
		sig_corrupt = 1;
		break;
	case SIGUSR2:
		sig_burst = 1;
		break;
	case SIGHUP:
		sig_stats = 1;
		break;
	case SIGPWR:
		sig_restart = 1;
		break;
	case SIGWINCH:
		sig_zero = 1;
		break;
	default:
		sig_exit = 1;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: roguestore [-p PORT] [-n PAGES] [-g N] [-z] [-v]\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long min,
			    unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static int sock_int(int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	getsockopt(rs.fd, SOL_SOCKET, opt, &v, &len);
	return v;
}

/* A random epoch, never 0 and never the one before. */
static uint16_t new_epoch(uint16_t old)
{
	uint16_t e = 0;

	while (!e || e == old) {
		if (getrandom(&e, sizeof(e), 0) != sizeof(e)) {
			/* Without getrandom(): good enough for a test. */
			srandom(time(NULL) ^ getpid() ^ e);
			e = random();
		}
	}
	return e;
}

/*
 * A new incarnation, as after a reload of a store's module: no page, no
 * client, the slots' generations from 1 again (the same slot/generation
 * handles will come again), a new epoch.
 */
static void incarnation(void)
{
	uint32_t i;
	int c;

	for (c = 0; c < MAX_CLIENTS; c++) {
		for (i = 0; i < REASM; i++)
			free(rs.clients[c].reasm[i].buf);
		memset(&rs.clients[c], 0, sizeof(rs.clients[c]));
	}
	for (i = 0; i < rs.nslots; i++) {
		free(rs.slots[i].page);
		rs.slots[i].page = NULL;
		rs.slots[i].gen = 1;
		rs.free_stack[i] = rs.nslots - 1 - i;
	}
	rs.nfree = rs.nslots;
	rs.epoch = new_epoch(rs.epoch);
}

/* The signal mask to wait with: the one we started with. */
static sigset_t wait_mask;

static void setup(void)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGHUP, SIGTERM, SIGINT,
				    SIGPWR, SIGWINCH };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;
	uint32_t i;
	int bufsz = 4 << 20;

	rs.slots = calloc(rs.nslots, sizeof(*rs.slots));
	rs.free_stack = calloc(rs.nslots, sizeof(*rs.free_stack));
	if (!rs.slots || !rs.free_stack) {
		perror("roguestore: calloc");
		exit(1);
	}
	incarnation();

	/*
	 * The signals are blocked except inside ppoll(): a signal is acted
	 * on at once, and never lost between a check and a blocking call.
	 */
	sigemptyset(&block);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, NULL);	/* no SA_RESTART */
	}
	sigprocmask(SIG_BLOCK, &block, &wait_mask);

	rs.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (rs.fd < 0) {
		perror("roguestore: socket");
		exit(1);
	}
	/*
	 * A client has up to 128 pages in flight: 4 MiB of buffer, beyond
	 * net.core.rmem_max, which only root (the *FORCE options) may pass.
	 * Smaller still works, with more requests lost and retransmitted.
	 */
	if (setsockopt(rs.fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(rs.fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(rs.fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(rs.fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	sin.sin_port = htons(rs.port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(rs.fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("roguestore: bind");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct pollfd pfd;
	struct sockaddr_in from;
	socklen_t fromlen;
	ssize_t n;
	int opt;

	rs.port = 7878;
	rs.nslots = 65536;
	rs.burst = 10;
	while ((opt = getopt(argc, argv, "p:n:g:zv")) != -1) {
		switch (opt) {
		case 'p':
			rs.port = number(optarg, 1, 65535);
			break;
		case 'n':
			/* Slot indexes are 32 bits; keep memory sane. */
			rs.nslots = number(optarg, 1, 1U << 24);
			break;
		case 'g':
			rs.burst = number(optarg, 0, 1000000);
			break;
		case 'z':
			rs.zero_handle = true;
			break;
		case 'v':
			rs.verbose = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	setup();
	say("listening on 0.0.0.0:%u, %u pages, burst %u, rcvbuf %d, pid %d, epoch %04x",
	    rs.port, rs.nslots, rs.burst, sock_int(SO_RCVBUF), (int)getpid(),
	    rs.epoch);
	if (rs.zero_handle)
		say("zero handle on");

	pfd.fd = rs.fd;
	pfd.events = POLLIN;
	for (;;) {
		if (sig_corrupt) {
			sig_corrupt = 0;
			rs.corrupt = !rs.corrupt;
			say("corrupt %s (%" PRIu64 " loads corrupted so far)",
			    rs.corrupt ? "on" : "off", st.corrupted);
		}
		if (sig_burst) {
			sig_burst = 0;
			garbage_burst();
		}
		if (sig_restart) {
			sig_restart = 0;
			st.restarts++;
			incarnation();
			say("restarted, epoch %04x", rs.epoch);
		}
		if (sig_zero) {
			sig_zero = 0;
			rs.zero_handle = !rs.zero_handle;
			say("zero handle %s (%" PRIu64 " lying STORE_ACKs so far)",
			    rs.zero_handle ? "on" : "off", st.zero_acks);
		}
		if (sig_stats) {
			sig_stats = 0;
			print_stats("stats");
		}
		if (sig_exit) {
			print_stats("exit");
			return 0;
		}
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			perror("roguestore: ppoll");
			return 1;
		}
		fromlen = sizeof(from);
		/* MSG_TRUNC: the datagram's real length, to reject giants. */
		n = recvfrom(rs.fd, rs.rx, sizeof(rs.rx),
			     MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("roguestore: recvfrom");
			return 1;
		}
		if (from.sin_family != AF_INET || (size_t)n > sizeof(rs.rx)) {
			st.dropped++;
			continue;
		}
		handle_dgram(n, &from);
	}
}
