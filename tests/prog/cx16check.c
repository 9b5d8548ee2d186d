// SPDX-License-Identifier: GPL-2.0
/*
 * cx16check: does this (emulated) CPU keep EFLAGS right across cmpxchg16b?
 *
 *	cx16check [ROUNDS]
 *
 * cmpxchg16b writes ZF and nothing else. QEMU's TCG up to 7.2 computes the
 * other flags from a stale lazy-flags state instead, so they come out as
 * whatever an earlier instruction left in its flags source: a pointer, say,
 * with TF, NT or IOPL bits among its low 32 bits. In a guest kernel the
 * next interrupt saves those flags and its iret loads them; the kernel then
 * single-steps (#DB, WARN in exc_debug_kernel) or double faults. Debian's
 * 6.12 kernel has the slab allocator's per-CPU fast path retry around
 * cmpxchg16b, which is where the test bed met it.
 *
 * Each round compares the arithmetic flags (ZF aside) after "add; cmpxchg16b"
 * with those after the add alone. Exit 0 when every round kept them, 1 when
 * one did not (the first is printed), 3 when the CPU has no cmpxchg16b
 * (CPUID.1:ECX.CX16 clear): nothing to check.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct pair {
	uint64_t lo, hi;
} __attribute__((aligned(16)));

/* The arithmetic flags: CF PF AF ZF SF OF. */
#define ARITH 0x8d5UL
#define ZF 0x40UL

/* EFLAGS after "add pattern, 1", read at once. */
static uint64_t add_flags(uint64_t pattern)
{
	uint64_t a = 1, flags;

	asm volatile("add %[p], %[a]\n\t"
		     "pushfq\n\t"
		     "popq %[f]"
		     : [a] "+r" (a), [f] "=r" (flags)
		     : [p] "r" (pattern)
		     : "cc");
	return flags;
}

/*
 * EFLAGS after "add pattern, 1; cmpxchg16b", with a cmpxchg16b and the end
 * of a translation block (jmp) before the add: TCG then holds the add's
 * flags lazily (source operand: pattern) while its saved lazy state still
 * says "EFLAGS, in the source operand".
 */
static uint64_t cx16_flags(struct pair *p, uint64_t pattern)
{
	uint64_t rax = p->lo, rdx = p->hi, rbx = p->lo + 1, rcx = p->hi;
	uint64_t a = 1, flags;

	asm volatile("cmpxchg16b %[m]\n\t"
		     "jmp 1f\n"
		     "1:\n\t"
		     "add %[p], %[a]\n\t"
		     "cmpxchg16b %[m]\n\t"
		     "pushfq\n\t"
		     "popq %[f]"
		     : [m] "+m" (*p), "+a" (rax), "+d" (rdx), [a] "+r" (a),
		       [f] "=&r" (flags)
		     : "b" (rbx), "c" (rcx), [p] "r" (pattern)
		     : "cc", "memory");
	return flags;
}

int main(int argc, char **argv)
{
	unsigned int eax, ebx, ecx, edx;
	long rounds = argc > 1 ? atol(argv[1]) : 100000;
	static struct pair p;
	long i;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_CMPXCHG16B)) {
		printf("cx16check: no cmpxchg16b on this CPU, nothing to check\n");
		return 3;
	}
	for (i = 0; i < rounds; i++) {
		/* CF, PF, AF, SF and OF set in the pattern, clear in the sum */
		uint64_t pattern = ((uint64_t)i << 20) | 0x895;
		uint64_t want = add_flags(pattern) & ARITH & ~ZF;
		uint64_t got = cx16_flags(&p, pattern) & ARITH & ~ZF;

		if (got != want) {
			printf("cx16check: round %ld: CF PF AF SF OF = 0x%llx after cmpxchg16b, 0x%llx before: this CPU corrupts EFLAGS\n",
			       i, (unsigned long long)got, (unsigned long long)want);
			return 1;
		}
	}
	printf("cx16check: %ld rounds, EFLAGS kept across cmpxchg16b\n", rounds);
	return 0;
}
