// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Attribution: cgroup paths to pods and containers, pid namespaces to inits. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "attrib.h"

#define CGROUP_SUPER_MAGIC 0x27e0eb
#define CGROUP2_SUPER_MAGIC 0x63677270
#define MAX_WALK_DEPTH 16
#define MAX_WALK_DIRS 200000

/* --- the parser --------------------------------------------------------------- */

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_id64(const char *s, size_t n)
{
	return n == 64 && all_hex(s, n);
}

static void copy_lower(char *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = tolower((unsigned char)s[i]);
	dst[n] = '\0';
}

bool rw_pod_uid_norm(const char *in, char out[RW_ID_LEN])
{
	size_t n = strlen(in), hex = 0;

	if (n < 32 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = tolower((unsigned char)in[i]);

		if (c == '_')
			c = '-';
		if (c != '-' && !isxdigit((unsigned char)c))
			return false;
		hex += c != '-';
		out[i] = c;
	}
	out[n] = '\0';
	/* A UUID has 32 hex digits; a static pod's hash and a Podman pod ID
	 * have no dashes at all. */
	return hex == 32 || hex == n;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && !memcmp(s, prefix, p);
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

static bool contains(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (!memcmp(s + i, word, w))
			return true;
	return false;
}

static bool comp_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(s, word, n);
}

enum { POD_NONE, POD_KUBE, POD_PODMAN };

/* A pod named by component @c (@n bytes) whose parent is @parent. */
static int match_pod(const char *c, size_t n, const char *parent, size_t pn, bool kube,
		      struct rw_cg_ident *id)
{
	char uid[RW_ID_LEN], norm[RW_ID_LEN];
	const char *p;

	/* Podman, systemd: machine-libpod_pod_<id>.slice (rootless: user-...) */
	if (has_suffix(c, n, ".slice") && (p = memmem(c, n, "libpod_pod_", 11)) &&
	    is_id64(p + 11, c + n - 6 - (p + 11))) {
		copy_lower(id->pod_uid, p + 11, 64);
		return POD_PODMAN;
	}
	/* Podman, cgroupfs: libpod_parent/<id> */
	if (comp_is(parent, pn, "libpod_parent") && is_id64(c, n)) {
		copy_lower(id->pod_uid, c, 64);
		return POD_PODMAN;
	}
	if (!kube)
		return POD_NONE;
	/* Kubernetes, systemd: kubepods[-QOS]-pod<uid_with_underscores>.slice */
	if (has_suffix(c, n, ".slice") && (p = memmem(c, n, "-pod", 4))) {
		const char *q;
		size_t len;

		/* the last "-pod": a prefix such as kubelet-kubepods- has others */
		while ((q = memmem(p + 1, c + n - (p + 1), "-pod", 4)))
			p = q;
		len = c + n - 6 - (p + 4);
		if (len >= RW_ID_LEN)
			return POD_NONE;
		memcpy(uid, p + 4, len);
		uid[len] = '\0';
		if (!rw_pod_uid_norm(uid, norm))
			return POD_NONE;
		memcpy(id->pod_uid, norm, sizeof(norm));
		id->qos = contains(c, n, "-burstable-")    ? "burstable"
			  : contains(c, n, "-besteffort-") ? "besteffort"
							   : "guaranteed";
		return POD_KUBE;
	}
	/* Kubernetes, cgroupfs: kubepods/[QOS/]pod<uid> */
	if (has_prefix(c, n, "pod") && n - 3 < RW_ID_LEN) {
		memcpy(uid, c + 3, n - 3);
		uid[n - 3] = '\0';
		if (!rw_pod_uid_norm(uid, norm))
			return POD_NONE;
		memcpy(id->pod_uid, norm, sizeof(norm));
		id->qos = comp_is(parent, pn, "burstable")    ? "burstable"
			  : comp_is(parent, pn, "besteffort") ? "besteffort"
							      : "guaranteed";
		return POD_KUBE;
	}
	return POD_NONE;
}

/* A container (or its monitor) named by component @c. */
static bool match_container(const char *c, size_t n, const char *parent, size_t pn,
			    struct rw_cg_ident *id)
{
	static const struct {
		const char *prefix;
		const char *runtime;
		bool conmon;
	} kinds[] = {
		{ "cri-containerd-", "containerd", false },
		{ "crio-conmon-", "cri-o", true },
		{ "crio-", "cri-o", false },
		{ "docker-", "docker", false },
		{ "libpod-conmon-", "podman", true },
		{ "libpod-", "podman", false },
	};

	if (has_suffix(c, n, ".scope"))
		n -= 6;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t p = strlen(kinds[i].prefix);

		if (!has_prefix(c, n, kinds[i].prefix))
			continue;
		if (!is_id64(c + p, n - p))
			return false;
		copy_lower(id->container_id, c + p, 64);
		id->runtime = kinds[i].runtime;
		id->conmon = kinds[i].conmon;
		return true;
	}
	/* A bare ID: Docker (docker/<id>), or Kubernetes' cgroupfs layout
	 * (containerd and dockershim; the runtime is not named). */
	if (is_id64(c, n)) {
		copy_lower(id->container_id, c, 64);
		id->runtime = comp_is(parent, pn, "docker") ? "docker" : "";
		id->conmon = false;
		return true;
	}
	return false;
}

bool rw_cgroup_ident(const char *path, struct rw_cg_ident *id)
{
	const char *c = path ? path : "", *parent = "";
	size_t pn = 0;
	bool kube = false;
	int pod = POD_NONE, kind;

	memset(id, 0, sizeof(*id));
	id->runtime = "";
	id->qos = "";
	while (*c) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (n == 0)
			break;
		if (comp_is(c, n, "..")) {
			c += n;
			continue;
		}
		if (contains(c, n, "kubepods"))
			kube = true;
		if ((kind = match_pod(c, n, parent, pn, kube, id))) {
			/* Containers above a pod are outer ones (a kind node). */
			pod = kind;
			if (pod == POD_PODMAN)
				id->qos = "";
			id->container_id[0] = '\0';
			id->runtime = "";
			id->conmon = false;
		} else if (match_container(c, n, parent, pn, id)) {
			;
		} else if (pod == POD_PODMAN && comp_is(c, n, "conmon") && !*id->container_id) {
			/* Podman, cgroupfs: the pod's monitors, libpod_parent/<pod>/conmon */
			id->runtime = "podman";
			id->conmon = true;
		}
		parent = c;
		pn = n;
		c += n;
	}
	return *id->pod_uid || *id->container_id;
}

int rw_cgroup_pick(const char *text, char *path, size_t len)
{
	/* Preference of the hierarchies, best first; the last one is "any". */
	static const char *const order[] = { "", "pids", "memory", "cpu", "name=systemd", NULL };
	const char *found[6] = {}, *v2 = NULL, *nonroot = NULL;
	size_t flen[6] = {}, v2len = 0, nrlen = 0;
	const char *line = text, *best = NULL;
	size_t blen = 0;

	if (!text)
		return -1;
	for (; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n')) {
		size_t ll = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', ll), *c2, *p;
		size_t cl, plen;
		struct rw_cg_ident id;
		char tmp[RW_CG_PATH_LEN];
		int rank = 5;

		if (!c1 || !(c2 = memchr(c1 + 1, ':', line + ll - (c1 + 1))))
			continue;
		p = c2 + 1;
		plen = line + ll - p;
		cl = c2 - (c1 + 1);
		if (cl == 0) {
			rank = 0;
			v2 = p;
			v2len = plen;
		} else {
			/* controllers: a comma-separated list */
			for (int r = 1; r <= 4 && rank == 5; r++) {
				const char *t = c1 + 1;

				while (t < c2) {
					size_t tl = strcspn(t, ",:");

					if (tl == strlen(order[r]) && !memcmp(t, order[r], tl)) {
						rank = r;
						break;
					}
					t += tl + 1;
				}
			}
		}
		if (!nonroot && !(plen == 1 && *p == '/')) {
			nonroot = p;
			nrlen = plen;
		}
		if (found[rank] || plen >= sizeof(tmp))
			continue;
		memcpy(tmp, p, plen);
		tmp[plen] = '\0';
		if (rw_cgroup_ident(tmp, &id)) {
			found[rank] = p;
			flen[rank] = plen;
		}
	}
	for (int r = 0; r < 6 && !best; r++)
		if (found[r]) {
			best = found[r];
			blen = flen[r];
		}
	if (!best && v2 && !(v2len == 1 && *v2 == '/')) {
		best = v2;
		blen = v2len;
	}
	if (!best) {
		best = nonroot;
		blen = nrlen;
	}
	if (!best) {
		if (!strchr(text, ':'))
			return -1;
		best = "/";
		blen = 1;
	}
	if (blen >= len)
		blen = len - 1;
	memcpy(path, best, blen);
	path[blen] = '\0';
	return 0;
}

/* --- /proc -------------------------------------------------------------------- */

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

int rw_proc_cgroup(__u32 pid, char *path, size_t len)
{
	char file[40], buf[8192];
	ssize_t n;

	snprintf(file, sizeof(file), "/proc/%u/cgroup", pid);
	n = read_file(file, buf, sizeof(buf));
	if (n < 0)
		return n;
	return rw_cgroup_pick(buf, path, len) ? -ENOENT : 0;
}

/* comm and start time (clock ticks since boot) from /proc/PID/stat. */
static int proc_stat(__u32 pid, char comm[RW_COMM_LEN], __u64 *start)
{
	char file[40], buf[1024], *open_p, *close_p, *tok, *save;
	unsigned long long v = 0;
	ssize_t n;
	int field = 3;

	snprintf(file, sizeof(file), "/proc/%u/stat", pid);
	n = read_file(file, buf, sizeof(buf));
	if (n < 0)
		return n;
	open_p = strchr(buf, '(');
	close_p = strrchr(buf, ')');
	if (!open_p || !close_p || close_p < open_p)
		return -EINVAL;
	if (comm) {
		size_t cl = close_p - open_p - 1;

		if (cl >= RW_COMM_LEN)
			cl = RW_COMM_LEN - 1;
		memcpy(comm, open_p + 1, cl);
		memset(comm + cl, 0, RW_COMM_LEN - cl);
	}
	for (tok = strtok_r(close_p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++)
		if (field == 22) {
			v = strtoull(tok, NULL, 10);
			break;
		}
	if (field != 22)
		return -EINVAL;
	*start = v;
	return 0;
}

bool rw_proc_is_ns_init(__u32 pid)
{
	char file[40], buf[4096], *p;
	size_t l;

	snprintf(file, sizeof(file), "/proc/%u/status", pid);
	if (read_file(file, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\nNSpid:")))
		return false;
	l = strcspn(p + 1, "\n");
	p[1 + l] = '\0';
	p = strrchr(p + 1, '\t');
	if (!p)
		p = strrchr(buf, ' ');
	return p && !strcmp(p + 1, "1");
}

static __u32 pidns_of(__u32 pid)
{
	char file[40], link[64];
	unsigned long ino;
	ssize_t n;

	snprintf(file, sizeof(file), "/proc/%u/ns/pid", pid);
	n = readlink(file, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	if (sscanf(link, "pid:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

int rw_sandbox_scan(int (*fn)(void *ctx, const struct rw_sandbox *sb), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct rw_sandbox sb = {};
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || pid == 0 || pid > UINT32_MAX || !rw_proc_is_ns_init(pid))
			continue;
		sb.pidns = pidns_of(pid);
		/* PID 1 of /proc's own namespace, even where its ns links are
		 * closed to us (an undumpable init): ours, as /proc is ours. */
		if (!sb.pidns && pid == 1)
			sb.pidns = pidns_of(getpid());
		if (!sb.pidns || proc_stat(pid, sb.init_comm, &sb.init_start))
			continue;
		sb.init_pid = pid;
		if (rw_proc_cgroup(pid, sb.cgroup, sizeof(sb.cgroup)))
			sb.cgroup[0] = '\0';
		rw_cgroup_ident(sb.cgroup, &sb.id);
		found++;
		if (fn(ctx, &sb))
			break;
	}
	closedir(d);
	return found;
}

#define CACHE_MAX 4096
#define RESCAN_NS 1000000000ull

struct rw_sandbox_cache {
	struct rw_sandbox *sb;
	size_t n;
	__u64 scanned_ns;
	bool scanned;
};

struct rw_sandbox_cache *rw_sandbox_cache_new(void)
{
	return calloc(1, sizeof(struct rw_sandbox_cache));
}

static int cache_add(void *ctx, const struct rw_sandbox *sb)
{
	struct rw_sandbox_cache *c = ctx;

	if (c->n == CACHE_MAX)
		return 1;
	c->sb[c->n++] = *sb;
	return 0;
}

const struct rw_sandbox *rw_sandbox_lookup(struct rw_sandbox_cache *c, __u32 pidns,
					   __u64 now_ns)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c->n; i++)
			if (c->sb[i].pidns == pidns)
				return &c->sb[i];
		if (pass || (c->scanned && now_ns - c->scanned_ns < RESCAN_NS))
			break;
		if (!c->sb && !(c->sb = calloc(CACHE_MAX, sizeof(*c->sb))))
			return NULL;
		c->n = 0;
		rw_sandbox_scan(cache_add, c);
		c->scanned = true;
		c->scanned_ns = now_ns;
	}
	return NULL;
}

void rw_sandbox_cache_free(struct rw_sandbox_cache *c)
{
	if (c)
		free(c->sb);
	free(c);
}

bool rw_sandbox_alive(const struct rw_sandbox *sb)
{
	__u64 start;

	return sb->init_pid && !proc_stat(sb->init_pid, NULL, &start) && start == sb->init_start;
}

/* --- --pod / --container -------------------------------------------------------- */

struct find {
	const char *root;
	size_t rootlen;
	char pod[RW_ID_LEN];
	const char *ctr;
	size_t ctrlen;
	char match[2][PATH_MAX];
	int nmatch;
	unsigned visited;
};

static bool matches(struct find *f, const struct rw_cg_ident *id)
{
	if (*f->pod)
		return !strcmp(id->pod_uid, f->pod) && !*id->container_id && !id->conmon;
	return *id->container_id && !id->conmon &&
	       !strncmp(id->container_id, f->ctr, f->ctrlen);
}

/* Preorder: a match ends the descent, so the highest directory naming the
 * pod or container is the one found. */
static void walk(struct find *f, char *path, size_t len, int depth)
{
	struct rw_cg_ident id;
	struct dirent *de;
	DIR *d;

	if (f->nmatch >= 2 || f->visited++ >= MAX_WALK_DIRS)
		return;
	rw_cgroup_ident(path[f->rootlen] ? path + f->rootlen : "/", &id);
	if (matches(f, &id)) {
		snprintf(f->match[f->nmatch++], PATH_MAX, "%s", path);
		return;
	}
	if (depth >= MAX_WALK_DEPTH || !(d = opendir(path)))
		return;
	while ((de = readdir(d)) && f->nmatch < 2) {
		size_t n = strlen(de->d_name);

		if (de->d_type != DT_DIR || de->d_name[0] == '.' || len + 1 + n >= PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		walk(f, path, len + 1 + n, depth + 1);
		path[len] = '\0';
	}
	closedir(d);
}

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return !statfs(path, &s) && s.f_type == magic;
}

int rw_cgroup_find(const char *fs, const char *pod_uid, const char *ctr_id, char *out,
		   size_t outlen, char *err, size_t errlen)
{
	static const char *const v1[] = { "pids", "memory", "cpu,cpuacct", "cpu", "unified" };
	struct find *f = calloc(1, sizeof(*f));
	char root[PATH_MAX], *path = NULL;
	const char *what = pod_uid ? "pod" : "container", *name = pod_uid ? pod_uid : ctr_id;
	int rc = -1;

	if (!f || !(path = malloc(PATH_MAX))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (pod_uid) {
		if (!rw_pod_uid_norm(pod_uid, f->pod)) {
			snprintf(err, errlen, "invalid pod UID '%s' (a UUID, 32 hex digits "
				 "or a Podman pod ID)", pod_uid);
			goto out;
		}
	} else {
		f->ctr = ctr_id;
		f->ctrlen = strlen(ctr_id);
		if (f->ctrlen < 12 || f->ctrlen > 64 || !all_hex(ctr_id, f->ctrlen)) {
			snprintf(err, errlen, "invalid container ID '%s' (12 to 64 hex digits)",
				 ctr_id);
			goto out;
		}
		for (char *p = (char *)f->ctr; *p; p++)
			if (isupper((unsigned char)*p)) {
				snprintf(err, errlen, "invalid container ID '%s' (lower case hex)",
					 ctr_id);
				goto out;
			}
	}
	for (int i = -1; i < (int)(sizeof(v1) / sizeof(v1[0])); i++) {
		if (i < 0) {
			if (!is_fs(fs, CGROUP2_SUPER_MAGIC))
				continue;
			snprintf(root, sizeof(root), "%s", fs);
		} else {
			snprintf(root, sizeof(root), "%s/%s", fs, v1[i]);
			if (!is_fs(root, CGROUP_SUPER_MAGIC) &&
			    !(!strcmp(v1[i], "unified") && is_fs(root, CGROUP2_SUPER_MAGIC)))
				continue;
		}
		f->root = root;
		f->rootlen = strlen(root);
		f->nmatch = 0;
		f->visited = 0;
		snprintf(path, PATH_MAX, "%s", root);
		walk(f, path, strlen(path), 0);
		if (f->nmatch)
			break;
		if (i < 0)
			break; /* a v2-only system has no v1 hierarchy to try */
	}
	if (f->nmatch == 0) {
		snprintf(err, errlen, "no cgroup of %s '%s' under %s", what, *f->pod ? f->pod : name,
			 fs);
	} else if (f->nmatch > 1) {
		snprintf(err, errlen, "%s '%s' is ambiguous: %s and %s", what,
			 *f->pod ? f->pod : name, f->match[0], f->match[1]);
	} else if (strlen(f->match[0]) >= outlen) {
		snprintf(err, errlen, "cgroup path too long: %s", f->match[0]);
	} else {
		snprintf(out, outlen, "%s", f->match[0]);
		rc = 0;
	}
out:
	free(path);
	free(f);
	return rc;
}
