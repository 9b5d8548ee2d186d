/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checksum a client keeps of every page it stores, and checks when the
 * page comes back (protocol.rst, "Integrity"): the low 32 bits of the
 * page's xxh64. It never travels on the wire, so it is this node's choice
 * alone. xxh64 rather than crc32c because it is cheaper per page (see
 * bench/NOTES.md), and it catches what it is for as well: a store handing
 * back a whole wrong page (the UDP checksum guards the transit).
 */
#ifndef _NSW_PAGESUM_H
#define _NSW_PAGESUM_H

#include <linux/highmem.h>
#include <linux/xxhash.h>

static inline u32 nsw_page_sum(struct page *page)
{
	void *p = kmap_local_page(page);
	u32 sum = (u32)xxh64(p, PAGE_SIZE, 0);

	kunmap_local(p);
	return sum;
}

#endif /* _NSW_PAGESUM_H */
