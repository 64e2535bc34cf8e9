/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A tiny harness: each case is a function returning bool; CHECK fails the
 * case with a message and returns early, so a failed setup stops it.
 * Output: "ok - name" / "not ok - name: why" (see tests/lib.sh).
 */
#ifndef RW_UNIT_H
#define RW_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern char unit_why[512];

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			int n_ = snprintf(unit_why, sizeof(unit_why), "%s:%d: ",      \
					  __FILE__, __LINE__);                        \
			snprintf(unit_why + n_, sizeof(unit_why) - n_, __VA_ARGS__);  \
			return false;                                                 \
		}                                                                     \
	} while (0)

#define CHECK_EQ(a, b)                                                                \
	CHECK((unsigned long long)(a) == (unsigned long long)(b), "%s == %llu, want %llu", \
	      #a, (unsigned long long)(a), (unsigned long long)(b))

struct unit_case {
	const char *name;
	bool (*fn)(void);
};

#define UNIT_CASES(group) const struct unit_case group[]

extern const struct unit_case hist_cases[], analysis_cases[], record_cases[], jsonl_cases[];
extern const struct unit_case attrib_cases[], prom_cases[], btf_cases[], pidtab_cases[];
extern const struct unit_case pcomm_cases[];

#endif
