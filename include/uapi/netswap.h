/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * netswap generic netlink API, shared by netswap.ko and netswapctl.
 *
 * Family NETSWAP_GENL_NAME, version NETSWAP_GENL_VERSION. All requests that
 * change state need CAP_NET_ADMIN. Errors carry an extack message.
 *
 * NETSWAP_CMD_PEER_ADD (doit, CAP_NET_ADMIN)
 *   Adds a peer this node may place its swapped-out pages on.
 *   in:  NETSWAP_A_PEER_ADDR  binary, 4 bytes (IPv4) or 16 bytes (IPv6),
 *                             network byte order
 *        NETSWAP_A_PEER_PORT  u16, host byte order; optional, defaults to
 *                             the module parameter "port"
 *        NETSWAP_A_PEER_PLACE_LIMIT_BYTES,
 *        NETSWAP_A_PEER_LEND_LIMIT_BYTES: optional, as for PEER_SET
 *   EEXIST if it is configured already. Takes seconds with a peer that
 *   does not answer; other requests, changes too, are served meanwhile.
 *
 * NETSWAP_CMD_PEER_DEL (doit, CAP_NET_ADMIN)
 *   Removes a peer, configured or learned. Refused with EBUSY while the
 *   peer holds pages of ours. Refused with EBUSY too while it stores
 *   pages here (NETSWAP_A_PEER_HELD_PAGES > 0), unless NETSWAP_A_FORCE:
 *   then every page this node stores for that peer is freed, and its next
 *   read of one fails.
 *   in:  NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT as for PEER_ADD
 *        NETSWAP_A_FORCE      flag; optional (other requests ignore it)
 *
 * NETSWAP_CMD_PEER_SET (doit, CAP_NET_ADMIN)
 *   Changes the limits of a known peer (configured or learned); an
 *   attribute left out keeps its value.
 *   in:  NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT as for PEER_ADD
 *        NETSWAP_A_PEER_PLACE_LIMIT_BYTES  u64, bytes of our pages this
 *                                  node places there at most; 0: no limit
 *        NETSWAP_A_PEER_LEND_LIMIT_BYTES   u64, bytes of that peer's pages
 *                                  this node keeps at most; 0: only the
 *                                  total (NETSWAP_A_STORE_LEND_LIMIT_BYTES)
 *                                  applies
 *   A limit below what is in use now is accepted: nothing new goes over
 *   it, and what is above stays until freed (no pages move yet; the
 *   reply says so in its extack message). ENOENT for an unknown peer.
 *
 * NETSWAP_CMD_PEER_GET (doit and dumpit)
 *   doit with NETSWAP_A_PEER_ADDR (+ PORT): that peer, ENOENT if unknown;
 *   dump: one message per known peer, configured ones (PEER_ADD) and the
 *   ones learned because they store pages here.
 *   out: NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT,
 *        NETSWAP_A_PEER_FLAGS              u32, NETSWAP_PEER_F_*
 *        NETSWAP_A_PEER_STATE              u8, enum netswap_peer_state
 *                                          (only peers this node swaps to)
 *        NETSWAP_A_PEER_RTT_US             u32, smoothed round trip; 0: none
 *        NETSWAP_A_PEER_PAGE_DATAGRAMS     u32, datagrams a page takes to
 *                                          it (3, or 1 where the route's
 *                                          MTU holds a page), as of the
 *                                          last datagram sent to it
 *        NETSWAP_A_PEER_CWND_PAGES         u32, pages this node may keep
 *                                          in flight to it as STOREs (its
 *                                          congestion window)
 *        NETSWAP_A_PEER_PLACE_LIMIT_BYTES  u64 (see PEER_SET)
 *        NETSWAP_A_PEER_LEND_LIMIT_BYTES   u64 (see PEER_SET)
 *        NETSWAP_A_PEER_DEGRADED_PAGES     u64, our pages with a copy there
 *                                          that is to go (down, restarted,
 *                                          draining) and not made again yet
 *        NETSWAP_A_PEER_GIVE_BACK_PAGES    u64, pages of ours its store
 *                                          asks us to move elsewhere (its
 *                                          last PONG; 2^64 - 1: all, it
 *                                          drains)
 *        NETSWAP_A_PEER_ROOM_PAGES         u64, new pages of ours it
 *                                          would take (its last PONG)
 *        NETSWAP_A_PEER_TX_BYTES           u64, bytes of datagrams sent to
 *                                          it (both roles; UDP payload)
 *        NETSWAP_A_PEER_RX_BYTES           u64, bytes of datagrams taken
 *                                          from it (the same)
 *     client role, this node's pages on that peer:
 *        NETSWAP_A_PEER_PLACED_PAGES       u64, pages stored there now
 *        NETSWAP_A_PEER_TX_STORE_PAGES     u64, pages written there
 *        NETSWAP_A_PEER_TX_LOAD_PAGES      u64, pages read back
 *        NETSWAP_A_PEER_TX_FREE_PAGES      u64, remote copies freed
 *        NETSWAP_A_PEER_FAILED_REQUESTS    u64, requests that failed
 *        NETSWAP_A_PEER_RETRANSMITTED_REQUESTS
 *                                          u64, requests sent again on
 *                                          timeout
 *        NETSWAP_A_PEER_CHECKSUM_ERROR_PAGES
 *                                          u64, pages that came back
 *                                          altered (their xxh64 did not
 *                                          match; each failed its read)
 *        NETSWAP_A_PEER_RECLAIMED_PAGES    u64, pages of ours there that
 *                                          we had lost track of, freed
 *                                          by audits
 *     store role, that peer's pages in this node's RAM:
 *        NETSWAP_A_PEER_HELD_PAGES         u64, pages held now
 *        NETSWAP_A_PEER_RX_STORE_PAGES     u64, pages accepted (duplicates
 *                                          not counted)
 *        NETSWAP_A_PEER_RX_LOAD_PAGES      u64, pages sent back
 *        NETSWAP_A_PEER_RX_FREE_PAGES      u64, pages freed on its request
 *        NETSWAP_A_PEER_RX_FULL_PAGES      u64, stores refused for quota
 *
 * NETSWAP_CMD_STORE_SET (doit, CAP_NET_ADMIN)
 *   in:  NETSWAP_A_STORE_LEND_LIMIT_BYTES  u64, bytes of RAM this node
 *                                  lends to all peers together (rounded
 *                                  down to pages; at most what the
 *                                  module was loaded with, lend_mb)
 *        NETSWAP_A_STORE_DRAINING  u8, 1: take no new pages and ask every
 *                                  client for all its pages back; 0: stop
 *   One of them at least. A lend limit below what is in use: nothing new
 *   comes, and the clients are asked to move the excess elsewhere.
 *
 * NETSWAP_CMD_DEV_GET (doit)
 *   out: the device, /dev/netswap0 (loaded with size_mb=0, no device: of
 *     these only NETSWAP_A_DEV_STATE):
 *        NETSWAP_A_DEV_NAME                string, e.g. "netswap0"
 *        NETSWAP_A_DEV_STATE               u8, enum netswap_dev_state
 *        NETSWAP_A_DEV_SIZE_BYTES          u64
 *        NETSWAP_A_DEV_MAPPED_PAGES        u64, copies of device pages
 *                                          stored remotely now
 *        NETSWAP_A_DEV_OPENERS             u32, holders of the block device
 *        NETSWAP_A_DEV_READ_PAGES          u64, pages read (LOADs)
 *        NETSWAP_A_DEV_WRITTEN_PAGES       u64, pages written (STOREs)
 *        NETSWAP_A_DEV_DISCARDED_PAGES     u64, pages discarded or freed
 *        NETSWAP_A_DEV_FAILED_REQUESTS     u64, block requests failed
 *        NETSWAP_A_DEV_READAHEAD_LOADED_PAGES
 *                                          u64, pages LOADed ahead
 *        NETSWAP_A_DEV_READAHEAD_HIT_PAGES u64, reads those served
 *        NETSWAP_A_DEV_READAHEAD_UNUSED_PAGES
 *                                          u64, pages LOADed ahead, never
 *                                          read
 *        NETSWAP_A_DEV_REPLICAS            u32, peers a page written now
 *                                          goes to (module parameter)
 *        NETSWAP_A_DEV_DEGRADED_PAGES      u64, pages with fewer good
 *                                          copies than that
 *        NETSWAP_A_DEV_COPIED_PAGES        u64, copies made again since
 *                                          load (rerep.c)
 *        NETSWAP_A_DEV_DROPPED_PAGES       u64, copies a store asked back
 *                                          freed with nowhere else to go
 *     the store, this node's RAM lent to its peers (always):
 *        NETSWAP_A_STORE_PORT              u16, local UDP port
 *        NETSWAP_A_STORE_LEND_LIMIT_BYTES  u64, bytes lent at most
 *                                          (STORE_SET)
 *        NETSWAP_A_STORE_LENT_PAGES        u64, pages held for peers now
 *        NETSWAP_A_STORE_DRAINING          u8, 1 while draining (STORE_SET)
 *        NETSWAP_A_STORE_GIVE_BACK_PAGES   u64, pages this node asks its
 *                                          clients to move elsewhere now
 *                                          (all it holds while draining)
 *     datagrams dropped on receipt, by reason (always; u64 each):
 *        NETSWAP_A_RX_DROPPED_SHORT        shorter than a header
 *        NETSWAP_A_RX_DROPPED_MAGIC        not a netswap datagram
 *        NETSWAP_A_RX_DROPPED_VERSION      a protocol version we do not
 *                                          speak
 *        NETSWAP_A_RX_DROPPED_TYPE         unknown message type
 *        NETSWAP_A_RX_DROPPED_FLAGS        header flags we do not implement
 *        NETSWAP_A_RX_DROPPED_LEN          payload length wrong for the
 *                                          type
 *        NETSWAP_A_RX_DROPPED_STALE        reply to no request in flight
 *        NETSWAP_A_RX_DROPPED_HANDLE       STORE_ACK naming no slot of the
 *                                          store's session
 *        NETSWAP_A_RX_DROPPED_RESERVED     key_id, tag or a request's
 *                                          status not 0
 *        NETSWAP_A_RX_DROPPED_NOTHOST      not sent to this host alone
 *                                          (broadcast, multicast)
 *        NETSWAP_A_RX_DROPPED_BACKLOG      request the store had no room
 *                                          to queue (its worker is
 *                                          behind), or that came in
 *                                          reserve memory
 *
 * NETSWAP_CMD_EVENT (multicast group NETSWAP_MCGRP_EVENTS only)
 *   Sent when something changes, once per change (not per page):
 *   out: NETSWAP_A_EVENT               u8, enum netswap_event
 *        NETSWAP_A_PEER_ADDR, NETSWAP_A_PEER_PORT (the peer concerned;
 *                                      absent for NETSWAP_EVENT_STORE_FULL)
 *   NETSWAP_EVENT_PEER_RESTART: a reply of the peer's showed that it
 *   restarted (or forgot this client) and lost every page it held for us.
 *   NETSWAP_EVENT_PEER_SAFE: every page of ours that had a copy on the
 *   peer, which went down, restarted or drains, has all its copies again.
 *        NETSWAP_A_PEER_STATE          u8, for NETSWAP_EVENT_PEER_STATE
 *
 * Attributes are validated strictly: unknown ones, wrong lengths and
 * values out of range are refused with EINVAL and an extack message.
 */
#ifndef _UAPI_NETSWAP_H
#define _UAPI_NETSWAP_H

#define NETSWAP_GENL_NAME	"netswap"
#define NETSWAP_GENL_VERSION	1
#define NETSWAP_MCGRP_EVENTS	"events"

enum netswap_cmd {
	NETSWAP_CMD_UNSPEC,
	NETSWAP_CMD_PEER_ADD,
	NETSWAP_CMD_PEER_DEL,
	NETSWAP_CMD_PEER_GET,
	NETSWAP_CMD_DEV_GET,
	NETSWAP_CMD_PEER_SET,
	NETSWAP_CMD_STORE_SET,
	NETSWAP_CMD_EVENT,
	__NETSWAP_CMD_MAX
};

#define NETSWAP_CMD_MAX (__NETSWAP_CMD_MAX - 1)

/* NETSWAP_A_PEER_STATE: is the peer answering? */
enum netswap_peer_state {
	NETSWAP_PEER_UP,	/* answering */
	NETSWAP_PEER_SUSPECT,	/* silent for 3 keepalive intervals */
	NETSWAP_PEER_DOWN,	/* silent for peer_timeout_ms: I/O fails */
	NETSWAP_PEER_DRAINING,	/* up, but its store wants every page back */
};

/* NETSWAP_A_DEV_STATE */
enum netswap_dev_state {
	NETSWAP_DEV_NONE,	/* loaded with size_mb=0: store role only */
	NETSWAP_DEV_IDLE,	/* /dev/netswap0 exists, nobody holds it */
	NETSWAP_DEV_OPEN,	/* held open (swapon, mkswap, fio...) */
};

/* NETSWAP_A_EVENT */
enum netswap_event {
	NETSWAP_EVENT_PEER_STATE,	/* a peer went up, suspect, down, draining */
	NETSWAP_EVENT_PLACE_LIMIT,	/* our pages there: at its limit */
	NETSWAP_EVENT_LEND_LIMIT,	/* its pages here: at its limit */
	NETSWAP_EVENT_STORE_FULL,	/* this node lends all it may */
	NETSWAP_EVENT_PEER_FULL,	/* the peer refused a page: full */
	NETSWAP_EVENT_PEER_RESTART,	/* it lost our pages: restarted */
	NETSWAP_EVENT_PEER_SAFE,	/* our pages it held have copies again */
};

/* NETSWAP_A_PEER_FLAGS */
enum netswap_peer_flags {
	NETSWAP_PEER_F_CONFIGURED	= 1U << 0, /* added by PEER_ADD */
	NETSWAP_PEER_F_LEARNED		= 1U << 1, /* stores pages here */
};

/*
 * Attributes, by scope. The figures (what DEV_GET and PEER_GET report)
 * are listed with their types in include/netswap_figures.h.
 */
enum netswap_attr {
	NETSWAP_A_UNSPEC,
	NETSWAP_A_PAD,
	NETSWAP_A_EVENT,
	NETSWAP_A_FORCE,

	NETSWAP_A_DEV_NAME,
	NETSWAP_A_DEV_STATE,
	NETSWAP_A_DEV_SIZE_BYTES,
	NETSWAP_A_DEV_MAPPED_PAGES,
	NETSWAP_A_DEV_OPENERS,
	NETSWAP_A_DEV_READ_PAGES,
	NETSWAP_A_DEV_WRITTEN_PAGES,
	NETSWAP_A_DEV_DISCARDED_PAGES,
	NETSWAP_A_DEV_FAILED_REQUESTS,
	NETSWAP_A_DEV_READAHEAD_LOADED_PAGES,
	NETSWAP_A_DEV_READAHEAD_HIT_PAGES,
	NETSWAP_A_DEV_READAHEAD_UNUSED_PAGES,
	NETSWAP_A_DEV_REPLICAS,
	NETSWAP_A_DEV_DEGRADED_PAGES,
	NETSWAP_A_DEV_COPIED_PAGES,
	NETSWAP_A_DEV_DROPPED_PAGES,

	NETSWAP_A_STORE_PORT,
	NETSWAP_A_STORE_LEND_LIMIT_BYTES,
	NETSWAP_A_STORE_LENT_PAGES,

	NETSWAP_A_PEER_ADDR,
	NETSWAP_A_PEER_PORT,
	NETSWAP_A_PEER_FLAGS,
	NETSWAP_A_PEER_STATE,
	NETSWAP_A_PEER_RTT_US,
	NETSWAP_A_PEER_PAGE_DATAGRAMS,
	NETSWAP_A_PEER_CWND_PAGES,
	NETSWAP_A_PEER_PLACE_LIMIT_BYTES,
	NETSWAP_A_PEER_LEND_LIMIT_BYTES,
	NETSWAP_A_PEER_DEGRADED_PAGES,
	NETSWAP_A_PEER_TX_BYTES,
	NETSWAP_A_PEER_RX_BYTES,
	NETSWAP_A_PEER_PLACED_PAGES,
	NETSWAP_A_PEER_TX_STORE_PAGES,
	NETSWAP_A_PEER_TX_LOAD_PAGES,
	NETSWAP_A_PEER_TX_FREE_PAGES,
	NETSWAP_A_PEER_FAILED_REQUESTS,
	NETSWAP_A_PEER_RETRANSMITTED_REQUESTS,
	NETSWAP_A_PEER_CHECKSUM_ERROR_PAGES,
	NETSWAP_A_PEER_RECLAIMED_PAGES,
	NETSWAP_A_PEER_HELD_PAGES,
	NETSWAP_A_PEER_RX_STORE_PAGES,
	NETSWAP_A_PEER_RX_LOAD_PAGES,
	NETSWAP_A_PEER_RX_FREE_PAGES,
	NETSWAP_A_PEER_RX_FULL_PAGES,

	NETSWAP_A_RX_DROPPED_SHORT,
	NETSWAP_A_RX_DROPPED_MAGIC,
	NETSWAP_A_RX_DROPPED_VERSION,
	NETSWAP_A_RX_DROPPED_TYPE,
	NETSWAP_A_RX_DROPPED_FLAGS,
	NETSWAP_A_RX_DROPPED_LEN,
	NETSWAP_A_RX_DROPPED_STALE,
	NETSWAP_A_RX_DROPPED_HANDLE,
	NETSWAP_A_RX_DROPPED_RESERVED,
	NETSWAP_A_RX_DROPPED_NOTHOST,
	NETSWAP_A_RX_DROPPED_BACKLOG,

	NETSWAP_A_STORE_DRAINING,
	NETSWAP_A_STORE_GIVE_BACK_PAGES,
	NETSWAP_A_PEER_GIVE_BACK_PAGES,
	NETSWAP_A_PEER_ROOM_PAGES,

	__NETSWAP_A_MAX
};

#define NETSWAP_A_MAX (__NETSWAP_A_MAX - 1)

#endif /* _UAPI_NETSWAP_H */
