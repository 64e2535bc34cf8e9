/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --cgroup PATH: turn a cgroup directory (v2, or a v1 controller hierarchy)
 * into what the kernel side compares: kernfs id, depth and hierarchy. */
#ifndef RW_CGROUP_FILTER_H
#define RW_CGROUP_FILTER_H

#include <stddef.h>
#include "loader.h"

/* 0 on success; -1 with a message in err otherwise. */
int rw_cgroup_filter(const char *path, struct rw_filter *f, char *err, size_t errlen);

#endif
