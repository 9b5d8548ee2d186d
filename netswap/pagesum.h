/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checksum a client keeps of every page it stores, and checks when the
 * page comes back (protocol.rst, "Integrity"): the low 32 bits of the
 * page's xxh64. It never travels on the wire, so it is this node's choice
 * alone.
 *
 * Why not crc32c: it was, and each page written and each page read paid
 * for it, 5-7 % of the swapping VM's CPU under emulation. xxh64 takes 32
 * bytes a round in four independent multiply-rotate lanes where the table
 * crc32c does eight dependent lookups per 8 bytes, and crc32c-intel was
 * slower still under emulation (bench/NOTES.md, steps 13 and 26). The
 * check is there to catch a store handing back anything but the page it
 * was given, whole wrong pages rather than a few flipped bits (the UDP
 * checksum guards the transit): a 2^-32 chance of such a page passing is
 * all a 32-bit crc offers there too.
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
