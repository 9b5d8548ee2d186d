/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The figures of include/netswap_figures.h as tables the module walks:
 * netlink.c puts each as an attribute, sysfs.c shows the device's as
 * files. A figure is a u64 (a const char * for STR) at its offset in a
 * snapshot of its scope, or an atomic64_t there for counters read live.
 */
#ifndef _NSW_FIGURES_H
#define _NSW_FIGURES_H

#include <linux/types.h>

#include "netswap_figures.h"

enum nsw_figure_type {
	NSW_FIG_STR,
	NSW_FIG_U8,
	NSW_FIG_U16,
	NSW_FIG_U32,
	NSW_FIG_U64,
	NSW_FIG_COUNT,
	NSW_FIG_DEV_STATE,
	NSW_FIG_PEER_STATE,
	NSW_FIG_FLAGS,
};

struct nsw_figure {
	const char *name;
	u16 attr;		/* NETSWAP_A_* */
	u8 type;		/* enum nsw_figure_type */
	size_t offset;
};

#define NSW_FIGURE(_name, _attr, _type, _offset) {			\
	.name	= #_name,						\
	.attr	= (_attr),						\
	.type	= NSW_FIG_##_type,					\
	.offset	= (_offset),						\
}

/*
 * A snapshot of a scope holds each figure as a member of its name: a u64
 * whatever its netlink type, a string for STR, so that one table reads
 * them all. NSW_SNAPSHOT(NSW_DEV_FIGURES) declares the members.
 */
#define NSW_SNAP_STR		const char *
#define NSW_SNAP_U8		u64
#define NSW_SNAP_U16		u64
#define NSW_SNAP_U32		u64
#define NSW_SNAP_U64		u64
#define NSW_SNAP_COUNT		u64
#define NSW_SNAP_DEV_STATE	u64
#define NSW_SNAP_PEER_STATE	u64
#define NSW_SNAP_FLAGS		u64
#define NSW_SNAP_MEMBER(_name, _attr, _type, _member)	NSW_SNAP_##_type _member;
#define NSW_SNAPSHOT(_list)	_list(NSW_SNAP_MEMBER)

static inline u64 nsw_figure_u64(const struct nsw_figure *f,
				 const void *base)
{
	return *(const u64 *)(base + f->offset);
}

static inline const char *nsw_figure_str(const struct nsw_figure *f,
					 const void *base)
{
	return *(const char * const *)(base + f->offset);
}

#endif /* _NSW_FIGURES_H */
