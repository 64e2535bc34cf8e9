/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The names (comm) of the parents of outstanding zombies, read once per
 * parent instead of at every look at the kernel's zombie table.
 *
 * Why it is safe to key them by pid: while some outstanding zombie names
 * parent P, P is alive (a dying parent's zombies are handed to their new
 * reaper, in the kernel and in its table), so P's pid cannot be reused
 * meanwhile. A look drops the parents no zombie names any more. A name can
 * still change (exec, prctl(PR_SET_NAME)): it is read again when older than
 * the refresh period.
 */
#ifndef RW_PCOMM_H
#define RW_PCOMM_H

#include <linux/types.h>
#include "pidtab.h"
#include "reapwatch.h"

/* Reads @pid's comm; "" when it cannot. */
typedef void rw_comm_reader(__u32 pid, char comm[RW_COMM_LEN]);

struct rw_pcomm {
	struct rw_pidtab t;
	rw_comm_reader *read;
	__u64 refresh_ns;
	char scratch[RW_COMM_LEN]; /* the answer when the table is out of memory */
};

void rw_pcomm_init(struct rw_pcomm *c, rw_comm_reader *read, __u64 refresh_ns);
void rw_pcomm_fini(struct rw_pcomm *c);

/* A look: begin(), get() for each parent named, sweep() drops the others. */
void rw_pcomm_begin(struct rw_pcomm *c);
/* @pid's name: read when new, or when read over refresh_ns ago (a failed
 * read keeps the last name: a parent that just died is still named). Valid
 * until the next get() or sweep(). */
const char *rw_pcomm_get(struct rw_pcomm *c, __u32 pid, __u64 now_ns);
/* The name known for @pid without reading or marking it: "" if none. */
const char *rw_pcomm_peek(const struct rw_pcomm *c, __u32 pid);
void rw_pcomm_sweep(struct rw_pcomm *c);

#endif
