/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few definitions pure protocol code needs, from the kernel when built
 * into the module and from libc when built for unit tests and fuzzing.
 * Files that include only this header must stay free of kernel APIs.
 */
#ifndef _NSW_PURE_H
#define _NSW_PURE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/bitops.h>
#include <asm/byteorder.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define cpu_to_be16(x)	((__be16)htobe16(x))
#define be16_to_cpu(x)	be16toh((uint16_t)(x))
#define cpu_to_be32(x)	((__be32)htobe32(x))
#define cpu_to_be64(x)	((__be64)htobe64(x))
#define be32_to_cpu(x)	be32toh((uint32_t)(x))
#define be64_to_cpu(x)	be64toh((uint64_t)(x))
#endif

#endif /* _NSW_PURE_H */
