// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --cgroup PATH: resolve a cgroup directory into (kernfs id, depth, hierarchy). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "cgroup_filter.h"

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270

/* Components of @path below @mnt ("/a/b" under "/a" is 1 deep). */
static int depth_below(const char *path, const char *mnt)
{
	const char *p = path + strlen(mnt);
	int depth = 0;

	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			depth++;
	return depth;
}

/* The cgroup mount holding @path: its mount point and super options. */
static int find_mount(const char *path, char *mnt, size_t mntlen, char *opts, size_t optlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	size_t best = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], point[PATH_MAX], fstype[64], super[1024];
		char *sep = strstr(line, " - ");
		size_t len;

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
			continue;
		if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
			continue;
		len = strlen(point);
		if (strncmp(path, point, len) || (path[len] && path[len] != '/') || len <= best)
			continue;
		best = len;
		snprintf(mnt, mntlen, "%s", point);
		snprintf(opts, optlen, "%s", super);
	}
	fclose(f);
	return best ? 0 : -1;
}

/* The v1 hierarchy id of the first controller named in @opts (/proc/cgroups). */
static int hierarchy_of(const char *opts)
{
	FILE *f = fopen("/proc/cgroups", "r");
	char name[64], line[256];
	int hier, id = -1;

	if (!f)
		return -1;
	while (id < 0 && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%63s %d", name, &hier) != 2)
			continue;
		char copy[1024], *tok, *save;

		snprintf(copy, sizeof(copy), "%s", opts);
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (!strcmp(tok, name)) {
				id = hier;
				break;
			}
	}
	fclose(f);
	return id;
}

int rw_cgroup_filter(const char *path, struct rw_filter *f, char *err, size_t errlen)
{
	char real[PATH_MAX], mnt[PATH_MAX], opts[1024];
	struct statfs sfs;
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) || statfs(real, &sfs)) {
		snprintf(err, errlen, "cgroup '%s': cannot open it", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) ||
	    (sfs.f_type != CGROUP_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)) {
		snprintf(err, errlen, "cgroup '%s': not a cgroup directory", path);
		return -1;
	}
	if (find_mount(real, mnt, sizeof(mnt), opts, sizeof(opts))) {
		snprintf(err, errlen, "cgroup '%s': its mount is not in /proc/self/mountinfo", path);
		return -1;
	}
	/* On 64-bit kernels a cgroup's inode number is its kernfs id. */
	f->cgroup_id = st.st_ino;
	f->cgroup_level = depth_below(real, mnt);
	f->cgroup_hier = 0;
	if (sfs.f_type == CGROUP_SUPER_MAGIC) {
		f->cgroup_hier = hierarchy_of(opts);
		if (f->cgroup_hier <= 0) {
			snprintf(err, errlen,
				 "cgroup '%s': a v1 hierarchy without a controller (%s) cannot be "
				 "matched; use a controller's hierarchy such as /sys/fs/cgroup/pids",
				 path, opts);
			return -1;
		}
	}
	return 0;
}
