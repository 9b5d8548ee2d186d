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
 * crc32c does eight dependent lookups per 8 bytes; crc32c's instruction is
 * no way out, being emulated bit by bit and, past 512 bytes, run inside
 * kernel_fpu_begin() (bench/NOTES.md, steps 13 and 26). What the check is
 * for, a store handing back anything but the page it was given, needs no
 * more than a 2^-32 chance of a wrong page passing, which a crc cannot
 * better for the changes that matter here (whole wrong pages, not bursts
 * of bit errors, which the UDP checksum already caught in transit).
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
