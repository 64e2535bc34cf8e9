// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reapwatch serve: libmicrohttpd in one internal thread, which also owns
 * all the state below (snapshots, attribution caches): no locks.
 *
 * Series stability: each reaper (map key) is given a label set once, at
 * first sight, and keeps it; a series' counters are sums of monotonic
 * entries, monotonic too. The entries of reapers that have exited are
 * swept at each snapshot (see snapshot()): their counts are added to what
 * their series keeps of exited reapers, and the entries freed, so that the
 * maps hold live processes only and a node's new pods still find room.
 * When the bound on sandboxes is reached, new ones go to pidns="other".
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <microhttpd.h>
#include "attrib.h"
#include "kstats.h"
#include "prom.h"
#include "serve.h"

#define MAX_WALK (1u << 20)       /* map keys visited per walk, whatever happens */
#define MAX_NS 16384              /* pid namespaces remembered */
#define MAX_PROGS 32
#define ALIVE_CHECK_NS 1000000000ull   /* re-check a known init at most every 1 s */
#define RESCAN_NS 10000000000ull       /* unknown or dead namespaces: every 10 s */
#define FORGET_CHECK_NS 10000000000ull /* any sandbox's init: checked every 10 s to forget it */
#define SWEEP_NS 1000000000ull         /* sweep for exited reapers at most every 1 s:
					  ~0.7 us per task on the node */
#define UNKNOWN_GONE_SWEEPS 22         /* >= 21 s: see entry_gone() */

struct key_slot {
	struct rw_reaper_key key;
	int series;
	__u8 kind; /* index into rw_prom_series.orphans */
	bool used;
	bool gone;  /* its reaper exited: counts moved to the series' retired */
	bool freed; /* and its entry deleted: the slot can go */
};

/* What the exited reapers of a series did, their entries freed. */
struct retired {
	__u64 slots[RW_LAT_SLOTS];
	__u64 sum_ns;
	__u64 orphans[2];
};

struct ns_slot {
	__u32 pidns;
	bool used;
	bool found;   /* sb holds its init (maybe dead since: see dead) */
	bool dead;
	int series;   /* -1: not decided yet */
	bool forget;  /* gone long enough: dropped at this look (forget_dead()) */
	__u64 checked_ns; /* if not found or dead: since when, as far as we know */
	struct rw_sandbox sb;
};

/* Whose a series is, to forget it once its sandbox is gone. */
struct series_owner {
	__u32 pidns;    /* 0: other, unknown (never forgotten) */
	__u64 lost_ns;  /* when its namespace slot went to another init; 0: not */
};

struct prog {
	int fd;
	char name[64];
};

struct rw_server {
	struct rw_serve_opts o;
	int fd;
	char addr[80];
	struct MHD_Daemon *d;
	struct rw_loader *l;
	int stats_fd;

	/* owned by the MHD thread from rw_serve_run on */
	struct rw_prom_series *series;
	struct retired *retired; /* by series, cap_series of them */
	struct series_owner *owner; /* by series too */
	size_t nseries, cap_series;
	unsigned own;       /* series counted against the bound */
	int other, unknown; /* series indices, -1 until needed */
	struct key_slot *keys;
	size_t nkeys, cap_keys;
	struct ns_slot *ns;
	size_t nns, cap_ns;
	__u64 scan_ns;      /* the last /proc scan */
	__u64 snap_ns;      /* the last snapshot */
	__u64 sweep_ns;     /* the last sweep */
	__u64 forget_ns;    /* the last look for dead sandboxes */
	struct rw_prom prom;
	struct prog progs[MAX_PROGS];
	struct rw_prom_prog prog_stats[MAX_PROGS];
	size_t nprogs;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t mix(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* --- listening ------------------------------------------------------------------ */

int rw_serve_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	unsigned long port;
	size_t hl;

	if (!colon || !colon[1])
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		return -1;
	hl = colon - s;
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl == 0 || !strcmp(host, "*")) {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6; /* dual stack: every address */
		a->sin6_addr = in6addr_any;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
		return 0;
	}
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (void *)ss;

		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (void *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}

static void format_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
}

struct rw_server *rw_serve_new(const struct rw_serve_opts *o, char *err, size_t errlen)
{
	const char *listen_on = o->listen ? o->listen : RW_SERVE_DEFAULT_LISTEN;
	struct rw_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->o = *o;
	if (!s->o.max_sandboxes)
		s->o.max_sandboxes = RW_SERVE_DEFAULT_MAX_SANDBOXES;
	s->other = s->unknown = -1;
	s->stats_fd = -1;
	s->fd = -1;
	if (rw_serve_parse_listen(listen_on, &ss, &len)) {
		snprintf(err, errlen, "invalid listen address '%s' (ADDR:PORT, [ADDR6]:PORT)",
			 listen_on);
		goto fail;
	}
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0 && errno == EAFNOSUPPORT && ss.ss_family == AF_INET6 &&
	    (listen_on[0] == ':' || listen_on[0] == '*')) {
		/* every address, on a system without IPv6: the IPv4 ones */
		struct sockaddr_in *a = (void *)&ss;
		unsigned short port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		a->sin_port = port;
		len = sizeof(*a);
		s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	}
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (struct sockaddr *)&ss, len) || listen(s->fd, 128)) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen_on, strerror(errno));
		goto fail;
	}
	len = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0)
		format_addr(&ss, s->addr, sizeof(s->addr));
	return s;
fail:
	rw_serve_free(s);
	return NULL;
}

void rw_serve_free(struct rw_server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	if (s->fd >= 0)
		close(s->fd);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	free(s->series);
	free(s->retired);
	free(s->owner);
	free(s->keys);
	free(s->ns);
	free(s);
}

/* --- BPF programs: names once, run time at each snapshot ----------------------- */

/* The full name of a program (the kernel keeps 15 characters): its first
 * function in the BTF of our object, which we hold an fd of. */
static void full_name(int fd, const struct bpf_prog_info *info, const int *btf_fds, size_t nbtf,
		      char *name, size_t len)
{
	struct bpf_prog_info fi_info = {};
	__u32 ilen = sizeof(fi_info);
	struct bpf_func_info fi[1];
	struct btf *btf = NULL;

	snprintf(name, len, "%s", info->name);
	if (!info->btf_id || info->nr_func_info < 1 ||
	    info->func_info_rec_size != sizeof(struct bpf_func_info))
		return;
	fi_info.nr_func_info = 1;
	fi_info.func_info_rec_size = sizeof(fi[0]);
	fi_info.func_info = (__u64)(unsigned long)fi;
	if (bpf_obj_get_info_by_fd(fd, &fi_info, &ilen))
		return;
	for (size_t i = 0; i < nbtf && !btf; i++) {
		struct bpf_btf_info bi = {};
		__u32 blen = sizeof(bi);
		void *raw;

		if (bpf_obj_get_info_by_fd(btf_fds[i], &bi, &blen) || bi.id != info->btf_id ||
		    !(raw = calloc(1, bi.btf_size)))
			continue;
		bi.btf = (__u64)(unsigned long)raw;
		blen = sizeof(bi);
		if (!bpf_obj_get_info_by_fd(btf_fds[i], &bi, &blen)) {
			btf = btf__new(raw, bi.btf_size);
			if (libbpf_get_error(btf))
				btf = NULL;
		}
		free(raw);
	}
	if (btf) {
		const struct btf_type *t = btf__type_by_id(btf, fi[0].type_id);
		const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;

		if (n && *n && len > 15 && !strncmp(n, info->name, 15))
			snprintf(name, len, "%s", n);
		btf__free(btf);
	}
}

static bool fd_is(int fd, const char *what)
{
	char path[40], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return !strcmp(link, what);
}

/* Our programs are the bpf-prog fds this process holds (the skeleton's). */
static void find_progs(struct rw_server *s)
{
	int fds[256], btf_fds[16];
	size_t nfds = 0, nbtf = 0;
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (fd_is(fd, "anon_inode:bpf-prog") && nfds < 256)
			fds[nfds++] = fd;
		else if (fd_is(fd, "anon_inode:btf") && nbtf < 16)
			btf_fds[nbtf++] = fd;
	}
	closedir(d);
	for (size_t i = 0; i < nfds && s->nprogs < MAX_PROGS; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct prog *p = &s->progs[s->nprogs];
		bool dup = false;

		if (bpf_obj_get_info_by_fd(fds[i], &info, &len))
			continue;
		full_name(fds[i], &info, btf_fds, nbtf, p->name, sizeof(p->name));
		for (size_t j = 0; j < s->nprogs; j++)
			dup |= !strcmp(s->progs[j].name, p->name);
		if (dup) /* two programs, one truncated name: tell them apart */
			snprintf(p->name, sizeof(p->name), "%.8s_id%u", info.name, info.id);
		p->fd = fds[i];
		s->nprogs++;
	}
}

static int bpf_stats_enabled(void)
{
	char buf[8] = "";
	int fd = open("/proc/sys/kernel/bpf_stats_enabled", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	return buf[0] == '1';
}

/* --- attribution caches ----------------------------------------------------------- */

static size_t ns_index(const struct ns_slot *t, size_t cap, __u32 pidns)
{
	size_t i;

	for (i = mix(pidns) & (cap - 1); t[i].used && t[i].pidns != pidns; i = (i + 1) & (cap - 1))
		;
	return i;
}

/* The slot of @pidns; with @create, a new one if there is room. */
static struct ns_slot *ns_get(struct rw_server *s, __u32 pidns, bool create)
{
	size_t i;

	if (s->cap_ns) {
		i = ns_index(s->ns, s->cap_ns, pidns);
		if (s->ns[i].used)
			return &s->ns[i];
	}
	if (!create || s->nns >= MAX_NS)
		return NULL;
	if (2 * (s->nns + 1) > s->cap_ns) {
		size_t ncap = s->cap_ns ? 2 * s->cap_ns : 64;
		struct ns_slot *nv = calloc(ncap, sizeof(*nv));

		if (!nv)
			return NULL;
		for (size_t j = 0; j < s->cap_ns; j++)
			if (s->ns[j].used)
				nv[ns_index(nv, ncap, s->ns[j].pidns)] = s->ns[j];
		free(s->ns);
		s->ns = nv;
		s->cap_ns = ncap;
	}
	i = ns_index(s->ns, s->cap_ns, pidns);
	memset(&s->ns[i], 0, sizeof(s->ns[i]));
	s->ns[i].used = true;
	s->ns[i].pidns = pidns;
	s->ns[i].series = -1;
	s->nns++;
	return &s->ns[i];
}

struct scan_ctx {
	struct rw_server *s;
	__u64 now;
};

static int on_init(void *ctx, const struct rw_sandbox *sb)
{
	struct scan_ctx *c = ctx;
	struct ns_slot *n = ns_get(c->s, sb->pidns, true);

	if (!n)
		return 0;
	if (!n->found || n->sb.init_pid != sb->init_pid || n->sb.init_start != sb->init_start) {
		n->sb = *sb; /* a new init: the namespace inode was reused */
		n->found = true;
		n->series = -1;
	}
	n->dead = false;
	n->checked_ns = c->now;
	return 0;
}

static struct ns_slot *resolve(struct rw_server *s, __u32 pidns, __u64 now)
{
	struct ns_slot *n = ns_get(s, pidns, true);
	bool rescan;

	if (!n)
		return NULL;
	if (n->found && !n->dead) {
		if (now - n->checked_ns < ALIVE_CHECK_NS)
			return n;
		rescan = !rw_sandbox_alive(&n->sb);
		if (!rescan)
			n->checked_ns = now;
	} else {
		rescan = !n->checked_ns || now - n->checked_ns >= RESCAN_NS;
	}
	if (rescan && s->scan_ns != now) {
		struct scan_ctx c = { s, now };

		s->scan_ns = now;
		rw_sandbox_scan(on_init, &c);
		n = ns_get(s, pidns, false); /* the table may have moved */
		if (n && n->checked_ns != now) {
			n->dead = n->found;
			n->checked_ns = now;
		}
	}
	return n;
}

/* The series of a label set, created within the bound; else "other". */
static int series_for(struct rw_server *s, const char *pidns, const struct ns_slot *n)
{
	const char *pod = n && n->found ? n->sb.id.pod_uid : "";
	const char *ctr = n && n->found ? n->sb.id.container_id : "";
	bool special = !strcmp(pidns, "other") || !strcmp(pidns, "unknown");
	struct rw_prom_series *p;

	for (size_t i = 0; i < s->nseries; i++)
		if (!strcmp(s->series[i].pidns, pidns) && !strcmp(s->series[i].pod_uid, pod) &&
		    !strcmp(s->series[i].container_id, ctr))
			return i;
	if (!special && s->own >= s->o.max_sandboxes) {
		s->prom.sandboxes_overflowed++;
		if (s->other < 0)
			s->other = series_for(s, "other", NULL);
		return s->other;
	}
	if (s->nseries == s->cap_series) {
		size_t ncap = s->cap_series ? 2 * s->cap_series : 16;
		struct rw_prom_series *nv = realloc(s->series, ncap * sizeof(*nv));
		struct retired *nr;
		struct series_owner *no;

		if (!nv)
			return -1;
		s->series = nv;
		nr = realloc(s->retired, ncap * sizeof(*nr));
		if (!nr)
			return -1;
		s->retired = nr;
		no = realloc(s->owner, ncap * sizeof(*no));
		if (!no)
			return -1;
		s->owner = no;
		s->cap_series = ncap;
	}
	memset(&s->retired[s->nseries], 0, sizeof(s->retired[0]));
	memset(&s->owner[s->nseries], 0, sizeof(s->owner[0]));
	if (!special && n)
		s->owner[s->nseries].pidns = n->pidns;
	p = &s->series[s->nseries];
	memset(p, 0, sizeof(*p));
	snprintf(p->pidns, sizeof(p->pidns), "%s", pidns);
	snprintf(p->pod_uid, sizeof(p->pod_uid), "%s", pod);
	snprintf(p->container_id, sizeof(p->container_id), "%s", ctr);
	p->runtime = p->qos = "";
	if (n && n->found) {
		p->info = true;
		p->init_pid = n->sb.init_pid;
		memcpy(p->init_comm, n->sb.init_comm, sizeof(p->init_comm));
		snprintf(p->cgroup, sizeof(p->cgroup), "%s", n->sb.cgroup);
		p->runtime = n->sb.id.runtime;
		p->qos = n->sb.id.qos;
	}
	if (!special)
		s->own++;
	return s->nseries++;
}

static int ns_series(struct rw_server *s, __u32 pidns, __u64 now)
{
	struct ns_slot *n = resolve(s, pidns, now);
	char name[16];

	if (!n) /* more namespaces than we remember */
		return series_for(s, "other", NULL);
	if (n->series < 0) {
		snprintf(name, sizeof(name), "%u", pidns);
		n->series = series_for(s, name, n);
	}
	return n->series;
}

/* The slot of @k in a table of @cap slots: its own, or the free one where
 * it goes (linear probing). */
static size_t key_index(const struct key_slot *t, size_t cap, const struct rw_reaper_key *k)
{
	size_t i = mix(k->start_ns ^ ((__u64)k->tgid << 32 | k->pidns)) & (cap - 1);

	for (; t[i].used && memcmp(&t[i].key, k, sizeof(*k)); i = (i + 1) & (cap - 1))
		;
	return i;
}

/* The key table again at @cap slots, without the keys whose entries were
 * freed; false if out of memory (the table is then unchanged). */
static bool rehash_keys(struct rw_server *s, size_t cap)
{
	struct key_slot *nv = calloc(cap, sizeof(*nv));

	if (!nv)
		return false;
	s->nkeys = 0;
	for (size_t j = 0; j < s->cap_keys; j++)
		if (s->keys[j].used && !s->keys[j].freed) {
			nv[key_index(nv, cap, &s->keys[j].key)] = s->keys[j];
			s->nkeys++;
		}
	free(s->keys);
	s->keys = nv;
	s->cap_keys = cap;
	return true;
}

static struct key_slot *key_get(struct rw_server *s, const struct rw_reaper_key *k, __u64 now)
{
	struct key_slot *ks;
	struct ns_slot *n;
	size_t i;

	if (2 * (s->nkeys + 1) > s->cap_keys &&
	    !rehash_keys(s, s->cap_keys ? 2 * s->cap_keys : 256))
		return NULL;
	i = key_index(s->keys, s->cap_keys, k);
	if (s->keys[i].used)
		return &s->keys[i];
	/* First sight: its label set and kind, for good. */
	ks = &s->keys[i];
	ks->key = *k;
	if (k->pidns == 0) { /* reaped without a known reaper (the release backstop) */
		if (s->unknown < 0)
			s->unknown = series_for(s, "unknown", NULL);
		ks->series = s->unknown;
	} else {
		ks->series = ns_series(s, k->pidns, now);
	}
	if (ks->series < 0)
		return NULL;
	n = k->pidns ? ns_get(s, k->pidns, false) : NULL;
	ks->kind = (n && n->found && n->sb.init_pid == k->tgid) || rw_proc_is_ns_init(k->tgid);
	ks->used = true;
	s->nkeys++;
	return ks;
}

/* --- snapshots ---------------------------------------------------------------------- */

struct zombie_count {
	struct rw_server *s;
	__u64 now_ns;
};

/* One outstanding zombie, into its sandbox's series: how many, the oldest. */
static void count_zombie(void *ctx, struct rw_zombie *z)
{
	struct zombie_count *c = ctx;
	struct rw_server *s = c->s;
	int idx = ns_series(s, z->pidns, c->now_ns);
	__u64 age = c->now_ns > z->since_ns ? c->now_ns - z->since_ns : 0;

	if (idx < 0)
		return;
	s->series[idx].zombies++;
	if (age > s->series[idx].oldest_ns)
		s->series[idx].oldest_ns = age;
}

/* An entry's counts, into a series' sums or its retired ones. */
static void add_counts(__u64 *slots, __u64 *sum_ns, __u64 *orphans,
		       const struct rw_reaper_stats *st)
{
	for (unsigned j = 0; j < RW_LAT_SLOTS; j++)
		slots[j] += st->slots[j];
	*sum_ns += st->sum_ns;
	*orphans += st->adopted;
}

/*
 * An entry whose process was not seen alive at the last two sweeps: the
 * process is gone, and so is any update in flight when it went. Reaps by
 * an unknown reaper (pidns 0, one entry per reaper pid) are counted by the
 * release backstop, an RCU callback that the kernel may batch for up to
 * 10 s (lazy RCU) after the reap: their entries wait UNKNOWN_GONE_SWEEPS
 * sweeps, at least 1 s apart, so that none is still to come.
 */
static bool entry_gone(const struct rw_reaper_key *k, __u64 live_gen, long long gen)
{
	__u64 after = k->pidns ? 2 : UNKNOWN_GONE_SWEEPS;

	return gen > 0 && live_gen && live_gen + after <= (__u64)gen;
}

/* Free the entries of exited processes: the reapers' counts are in their
 * series' retired by now; the orphaners' are not shown by serve. */
static void free_gone(struct rw_server *s, int rfd, long long gen)
{
	int ofd = rw_map_fd(s->l, "orphaners");
	struct rw_reaper_key key, next, *prev = NULL, *dead = NULL;
	size_t ndead = 0, cap = 0;
	bool any = false;

	for (size_t i = 0; i < s->cap_keys; i++) {
		struct key_slot *ks = &s->keys[i];

		if (!ks->used || !ks->gone)
			continue;
		/* Else it stays gone: never counted again, freed at the next sweep. */
		if (!bpf_map_delete_elem(rfd, &ks->key) || errno == ENOENT) {
			ks->freed = true;
			any = true;
			s->prom.reapers_retired++;
		}
	}
	if (any)
		rehash_keys(s, s->cap_keys);
	/* Orphaners: listed first, as deleting the key just visited would
	 * restart the walk. */
	for (unsigned i = 0; ofd >= 0 && i < MAX_WALK && !bpf_map_get_next_key(ofd, prev, &next);
	     i++) {
		struct rw_orphaner_stats st;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ofd, &key, &st) || !entry_gone(&key, st.live_gen, gen))
			continue;
		if (ndead == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct rw_reaper_key *nv = realloc(dead, ncap * sizeof(*nv));

			if (!nv)
				break;
			dead = nv;
			cap = ncap;
		}
		dead[ndead++] = key;
	}
	for (size_t i = 0; i < ndead; i++)
		bpf_map_delete_elem(ofd, &dead[i]);
	free(dead);
}

/* --- forgetting dead sandboxes ---------------------------------------------------- */

/* Has @n's namespace been gone (its init dead, or none found) for
 * --forget-after? A live one's init is looked at every FORGET_CHECK_NS. */
static bool ns_gone(const struct rw_server *s, struct ns_slot *n, __u64 now)
{
	if (!n->checked_ns)
		n->checked_ns = now; /* made during this snapshot */
	if (n->found && !n->dead && now - n->checked_ns >= FORGET_CHECK_NS) {
		n->dead = !rw_sandbox_alive(&n->sb);
		n->checked_ns = now;
	}
	return (!n->found || n->dead) && now - n->checked_ns >= s->o.forget_after_ns;
}

/* Should series @i go? @held: something still counts into it. */
static bool series_gone(struct rw_server *s, size_t i, const bool *held, __u64 now)
{
	struct series_owner *o = &s->owner[i];
	struct ns_slot *n;

	if (!o->pidns)
		return false;
	n = ns_get(s, o->pidns, false);
	if (n && n->series == (int)i) {
		if (held[i])
			n->forget = false; /* the slot stays with its series */
		return n->forget;
	}
	/* Its slot went to another init of the same inode, or was dropped. */
	if (!o->lost_ns)
		o->lost_ns = now;
	return !held[i] && now - o->lost_ns >= s->o.forget_after_ns;
}

/* The namespace table again, series indices renumbered by @to, without
 * the slots to forget (kept if out of memory: they go at the next look). */
static void rebuild_ns(struct rw_server *s, const int *to)
{
	struct ns_slot *nv;

	for (size_t j = 0; j < s->cap_ns; j++)
		if (s->ns[j].used && s->ns[j].series >= 0)
			s->ns[j].series = to[s->ns[j].series];
	nv = calloc(s->cap_ns, sizeof(*nv));
	if (!nv)
		return;
	s->nns = 0;
	for (size_t j = 0; j < s->cap_ns; j++) {
		struct ns_slot *n = &s->ns[j];

		if (!n->used || n->forget)
			continue;
		nv[ns_index(nv, s->cap_ns, n->pidns)] = *n;
		s->nns++;
	}
	free(s->ns);
	s->ns = nv;
}

/*
 * Forget the sandboxes whose init died --forget-after ago or more: their
 * series leave /metrics (Prometheus then marks them stale) and no longer
 * count against --max-sandboxes, so that on a node where pods come and go
 * new ones keep getting series of their own. Namespaces over the bound or
 * without a known init are forgotten alike: the table of namespaces does
 * not fill either. A series that an entry of the reapers map or a zombie
 * still counts into stays until they are gone.
 */
static void forget_dead(struct rw_server *s, __u64 now)
{
	size_t n = s->nseries, kept = 0;
	bool *held = calloc(n + 1, sizeof(*held)), any = false;
	int *to = calloc(n + 1, sizeof(*to));

	if (!held || !to)
		goto out;
	for (size_t k = 0; k < s->cap_keys; k++)
		if (s->keys[k].used && !s->keys[k].freed && s->keys[k].series >= 0)
			held[s->keys[k].series] = true;
	for (size_t i = 0; i < n; i++)
		held[i] |= s->series[i].zombies > 0;
	for (size_t j = 0; j < s->cap_ns; j++) {
		if (s->ns[j].used) {
			s->ns[j].forget = ns_gone(s, &s->ns[j], now);
			any |= s->ns[j].forget;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (series_gone(s, i, held, now)) {
			to[i] = -1;
			s->own--;
			s->prom.sandboxes_forgotten++;
			any = true;
			continue;
		}
		to[i] = kept;
		if (kept != i) {
			s->series[kept] = s->series[i];
			s->retired[kept] = s->retired[i];
			s->owner[kept] = s->owner[i];
		}
		kept++;
	}
	if (!any)
		goto out;
	s->nseries = kept;
	if (s->other >= 0)
		s->other = to[s->other];
	if (s->unknown >= 0)
		s->unknown = to[s->unknown];
	for (size_t k = 0; k < s->cap_keys; k++)
		if (s->keys[k].used && s->keys[k].series >= 0)
			s->keys[k].series = to[s->keys[k].series];
	if (s->cap_ns)
		rebuild_ns(s, to);
	if (s->cap_keys) /* without the freed keys, whose series may be gone */
		rehash_keys(s, s->cap_keys);
out:
	free(held);
	free(to);
}

static void snapshot(struct rw_server *s)
{
	__u64 now = mono_ns();
	int fd = rw_map_fd(s->l, "reapers");
	struct rw_reaper_key key, next, *prev = NULL;
	struct zombie_count zc = { .s = s, .now_ns = now };
	long long gen;

	if (s->snap_ns && now - s->snap_ns < RW_SERVE_MIN_REFRESH_MS * 1000000ull)
		return;
	s->snap_ns = now;
	/* < 0: no sweep this time (too soon, or the iterator failed). */
	gen = -1;
	if (!s->sweep_ns || now - s->sweep_ns >= SWEEP_NS) {
		s->sweep_ns = now;
		gen = rw_sweep_mark(s->l);
	}
	for (size_t i = 0; i < s->nseries; i++) {
		struct rw_prom_series *p = &s->series[i];
		const struct retired *r = &s->retired[i];

		memcpy(p->slots, r->slots, sizeof(p->slots));
		p->sum_ns = r->sum_ns;
		p->orphans[0] = r->orphans[0];
		p->orphans[1] = r->orphans[1];
		p->zombies = p->oldest_ns = 0;
	}
	s->prom.reapers = 0;
	for (unsigned i = 0; fd >= 0 && i < MAX_WALK && !bpf_map_get_next_key(fd, prev, &next);
	     i++) {
		struct rw_reaper_stats st;
		struct key_slot *ks;
		struct rw_prom_series *p;
		struct retired *r;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &st) || !(ks = key_get(s, &key, now)) || ks->gone)
			continue;
		p = &s->series[ks->series];
		add_counts(p->slots, &p->sum_ns, &p->orphans[ks->kind], &st);
		if (!entry_gone(&key, st.live_gen, gen)) {
			s->prom.reapers++;
			continue;
		}
		r = &s->retired[ks->series];
		add_counts(r->slots, &r->sum_ns, &r->orphans[ks->kind], &st);
		ks->gone = true;
	}
	if (fd >= 0 && gen > 0) /* a sweep: else nothing is gone, nothing to walk */
		free_gone(s, fd, gen);
	/* Counted in place: no copy of the zombies per scrape. */
	rw_kstats_each_zombie(s->l, s->o.tgid, false, now, count_zombie, &zc);
	if (!s->forget_ns || now - s->forget_ns >= SWEEP_NS) {
		s->forget_ns = now;
		forget_dead(s, now);
	}
	s->prom.exits = rw_counter(s->l, RW_C_EXITS);
	s->prom.lost_ringbuf = rw_counter(s->l, RW_C_LOST);
	s->prom.lost_untracked = rw_counter(s->l, RW_C_UNTRACKED);
	s->prom.lost_aggregation = rw_counter(s->l, RW_C_AGG_OVERFLOW);
	s->prom.lost_orphans = rw_counter(s->l, RW_C_ORPHANS_UNREPORTED);
	/* The sysctl shows only its own setting, not the fds holding stats on. */
	s->prom.bpf_stats = s->stats_fd >= 0 ? 1 : bpf_stats_enabled();
	for (size_t i = 0; i < s->nprogs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		memcpy(s->prog_stats[i].name, s->progs[i].name, sizeof(s->prog_stats[i].name));
		if (!bpf_obj_get_info_by_fd(s->progs[i].fd, &info, &len)) {
			s->prog_stats[i].run_ns = info.run_time_ns;
			s->prog_stats[i].run_cnt = info.run_cnt;
		}
	}
	s->prom.series = s->series;
	s->prom.nseries = s->nseries;
	s->prom.progs = s->prog_stats;
	s->prom.nprogs = s->nprogs;
}

/* --- HTTP ----------------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *ctype,
			     char *body, size_t len, bool must_free)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

#define TEXT "text/plain; charset=utf-8"

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **req_cls)
{
	static char index_page[] = "reapwatch " VERSION "\n"
				   "/metrics  Prometheus or OpenMetrics text\n"
				   "/healthz  ok\n";
	static char ok[] = "ok\n", not_found[] = "not found\n", bad_method[] = "GET or HEAD only\n";
	struct rw_server *s = cls;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	bool om;

	(void)version;
	(void)upload_data;
	/* Other methods are refused at once (the connection is then closed,
	 * whatever body follows). */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT, bad_method,
			     sizeof(bad_method) - 1, false);
	/* The first call has the headers: answering then would make MHD close
	 * the connection. Answer on the next, when the request is complete
	 * (a body sent with a GET is read and dropped). */
	if (!*req_cls) {
		*req_cls = s;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, TEXT, index_page, sizeof(index_page) - 1, false);
	if (!strcmp(url, "/healthz"))
		return reply(c, MHD_HTTP_OK, TEXT, ok, sizeof(ok) - 1, false);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, TEXT, not_found, sizeof(not_found) - 1, false);

	om = rw_prom_wants_openmetrics(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	snapshot(s);
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	if (rw_prom_write(f, &s->prom, om)) {
		fclose(f);
		free(buf);
		return MHD_NO;
	}
	fclose(f);
	return reply(c, MHD_HTTP_OK, om ? RW_PROM_CTYPE_OPENMETRICS : RW_PROM_CTYPE_TEXT, buf, len,
		     true);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("reapwatch: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Serving reads maps (CAP_BPF: kernels before 6.5 check it on every bpf()
 * call) and other users' /proc/PID/ns/pid (CAP_SYS_PTRACE): keep those. */
static void keep_only_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 perm, keep = 1ull << 39 /* CAP_BPF */ | 1ull << CAP_SYS_PTRACE;

	if (syscall(SYS_capget, &hdr, data))
		return;
	perm = (__u64)data[1].permitted << 32 | data[0].permitted;
	if (!(perm & 1ull << 39))
		keep |= 1ull << CAP_SYS_ADMIN; /* a kernel before CAP_BPF */
	keep &= perm;
	for (int i = 0; i < 2; i++) {
		data[i].effective = data[i].permitted = keep >> (32 * i);
		data[i].inheritable = 0;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (syscall(SYS_capset, &hdr, data))
		fprintf(stderr, "reapwatch: warning: cannot drop capabilities: %s\n",
			strerror(errno));
}

int rw_serve_run(struct rw_server *s, struct rw_loader *l, const volatile sig_atomic_t *stop,
		 char *err, size_t errlen)
{
	sigset_t block, old;
	__u64 deadline = 0;
	int seeded;

	s->l = l;
	s->prom.version = VERSION;
	s->prom.reap_hook = rw_exact(l) ? "release_task" : "wait_syscalls";
	s->prom.max_sandboxes = s->o.max_sandboxes;
	seeded = rw_seed_zombies(l);
	if (seeded < 0)
		fprintf(stderr, "reapwatch: warning: cannot look for zombies from before: %s\n",
			strerror(-seeded));
	if (s->o.bpf_stats) {
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (s->stats_fd < 0)
			fprintf(stderr, "reapwatch: warning: --bpf-stats: %s (needs CAP_SYS_ADMIN; "
				"or sysctl kernel.bpf_stats_enabled=1)\n", strerror(errno));
	}
	find_progs(s);
	keep_only_caps();
	signal(SIGPIPE, SIG_IGN);

	/* Signals go to this thread, not to the server's. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->d = MHD_start_daemon(
		MHD_USE_AUTO_INTERNAL_THREAD | (s->o.verbose ? MHD_USE_ERROR_LOG : 0), 0, NULL,
		NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, s->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)RW_SERVE_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)RW_SERVE_IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RW_SERVE_CONN_MEMORY,
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->d) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", s->addr);
		return -EIO;
	}
	s->fd = -1; /* the daemon closes it */
	fprintf(stderr, "reapwatch: serving http://%s/metrics (%s, %zu BPF programs)\n", s->addr,
		s->prom.reap_hook, s->nprogs);

	if (s->o.duration_s)
		deadline = mono_ns() + s->o.duration_s * 1000000000ull;
	while (!*stop && (!deadline || mono_ns() < deadline)) {
		struct timespec ts = { 0, 100 * 1000000 };

		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->d);
	s->d = NULL;
	return 0;
}
