// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the cgroup-path parsers. Any bytes, split at the first
 * two NUL bytes into three parts A, B and C:
 *
 *   A  a cgroup path for rw_cgroup_ident() and rw_pod_uid_norm(), the text
 *      of /proc/PID/cgroup for rw_cgroup_pick() (into a buffer of full size
 *      and into a small one, to check truncation), and the path that --cgroup
 *      resolved, for cgroup_filter.c's mount lookup;
 *   B  the text of /proc/self/mountinfo, C the text of /proc/cgroups, both
 *      as cgroup_filter.c reads them.
 *
 * cgroup_filter.c's parsers are static and open those two files by name: it
 * is compiled into this file with fopen() redirected to the fuzz input.
 * Every call must end in a result or a clean refusal: no crash, overread,
 * leak or undefined behaviour.
 *
 *   make fuzz FUZZ=cgroup FUZZ_SECONDS=60   (clang, -fsanitize=fuzzer,address,undefined)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attrib.h"

static const char *fz_mountinfo, *fz_cgroups;
static size_t fz_mountinfo_len, fz_cgroups_len;

/* cgroup_filter.c's fopen(): the fuzz input's part for that file. */
static FILE *fz_fopen(const char *path, const char *mode)
{
	const char *buf = NULL;
	size_t len = 0;

	if (!strcmp(path, "/proc/self/mountinfo"))
		buf = fz_mountinfo, len = fz_mountinfo_len;
	else if (!strcmp(path, "/proc/cgroups"))
		buf = fz_cgroups, len = fz_cgroups_len;
	else
		abort(); /* a file this target does not know: update it */
	/* fmemopen() refuses a size of 0 */
	return len ? fmemopen((void *)buf, len, mode) : fopen("/dev/null", mode);
}

#define fopen fz_fopen
#include "../../user/cgroup_filter.c" /* NOLINT(bugprone-suspicious-include): on purpose */
#undef fopen

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A NUL-terminated copy of exactly @n bytes: ASan sees any overread. */
static char *dup_part(const unsigned char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* The next part of [*p, end): up to a NUL byte, which is skipped. */
static const unsigned char *next_part(const unsigned char **p, const unsigned char *end,
				      size_t *len)
{
	const unsigned char *start = *p, *nul = memchr(start, '\0', end - start);

	*len = (nul ? nul : end) - start;
	*p = nul ? nul + 1 : end;
	return start;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *p = data, *end = data + size;
	char path[RW_CG_PATH_LEN], small[8], norm[RW_ID_LEN];
	char mnt[PATH_MAX], opts[1024];
	struct rw_cg_ident id;
	size_t alen;
	char *a;

	a = dup_part(next_part(&p, end, &alen), alen);
	fz_mountinfo = (const char *)next_part(&p, end, &fz_mountinfo_len);
	fz_cgroups = (const char *)p;
	fz_cgroups_len = end - p;
	if (!a)
		return 0;

	/* attrib.c: the pod and container of a path; a pod UID; the path to use. */
	if (rw_cgroup_ident(a, &id)) {
		if (strnlen(id.pod_uid, RW_ID_LEN) == RW_ID_LEN ||
		    strnlen(id.container_id, RW_ID_LEN) == RW_ID_LEN)
			abort(); /* an unterminated ID */
	}
	if (rw_pod_uid_norm(a, norm) && strnlen(norm, RW_ID_LEN) == RW_ID_LEN)
		abort();
	if (rw_cgroup_pick(a, path, sizeof(path)) == 0 && strnlen(path, sizeof(path)) == sizeof(path))
		abort();
	if (rw_cgroup_pick(a, small, sizeof(small)) == 0 && strnlen(small, sizeof(small)) == sizeof(small))
		abort();

	/* cgroup_filter.c: the mount holding the path, its depth, its hierarchy. */
	if (find_mount(a, mnt, sizeof(mnt), opts, sizeof(opts)) == 0) {
		if (strncmp(a, mnt, strlen(mnt)))
			abort(); /* the mount must be a prefix of the path */
		(void)depth_below(a, mnt);
		(void)hierarchy_of(opts);
	}
	free(a);
	return 0;
}
