/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client's audits of its stores (protocol.rst, "Audits"): where a
 * remote page may have leaked (a STORE given up on that the store may
 * have carried out, a page that could not be queued for freeing, a FREE
 * given up on), the client later tells the store every handle it holds
 * there, and the store frees the rest. peer->reclaimed_pages counts
 * what was freed.
 */
#ifndef _NSW_AUDIT_H
#define _NSW_AUDIT_H

struct nsw_peer;

/* Client role, per peer: embedded in struct nsw_peer. */
struct nsw_audit {
	unsigned long want;		/* NSW_AUDIT_WANT */
	unsigned long after;		/* jiffies: not before this */
	unsigned long backoff;		/* jiffies, after a failed audit */
};

#define NSW_AUDIT_WANT	0

void nsw_audit_want(struct nsw_peer *peer);
void nsw_audit_start(void);
void nsw_audit_stop(void);

#endif /* _NSW_AUDIT_H */
