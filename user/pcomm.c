// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parents' names, cached by pid (see pcomm.h). */
#include <string.h>
#include "pcomm.h"

struct name {
	struct rw_pidkey k; /* the parent's pid; start_ns 0 */
	__u64 read_ns;      /* when it was last read */
	char comm[RW_COMM_LEN];
};

/* A bound far above any real count of parents, so that a bug cannot eat
 * the memory: past it, names are read at each get(), as without a cache. */
#define MAX_NAMES (1u << 22)

void rw_pcomm_init(struct rw_pcomm *c, rw_comm_reader *read, __u64 refresh_ns)
{
	memset(c, 0, sizeof(*c));
	rw_pidtab_init(&c->t, sizeof(struct name), MAX_NAMES);
	c->read = read;
	c->refresh_ns = refresh_ns;
}

void rw_pcomm_fini(struct rw_pcomm *c)
{
	rw_pidtab_fini(&c->t);
}

void rw_pcomm_begin(struct rw_pcomm *c)
{
	rw_pidtab_begin(&c->t);
}

const char *rw_pcomm_get(struct rw_pcomm *c, __u32 pid, __u64 now_ns)
{
	bool added;
	struct name *n = rw_pidtab_mark(&c->t, pid, 0, &added);
	char comm[RW_COMM_LEN];

	if (!n) {
		c->read(pid, c->scratch);
		return c->scratch;
	}
	if (added || now_ns - n->read_ns >= c->refresh_ns) {
		c->read(pid, comm);
		if (comm[0] || added)
			memcpy(n->comm, comm, RW_COMM_LEN);
		n->read_ns = now_ns;
	}
	return n->comm;
}

const char *rw_pcomm_peek(const struct rw_pcomm *c, __u32 pid)
{
	const struct name *n = rw_pidtab_find(&c->t, pid, 0);

	return n ? n->comm : "";
}

void rw_pcomm_sweep(struct rw_pcomm *c)
{
	rw_pidtab_sweep(&c->t, NULL, NULL);
}
