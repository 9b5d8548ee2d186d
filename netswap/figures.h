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
