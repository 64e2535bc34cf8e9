/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Open, configure, load and attach the BPF side; the only file that knows the skeleton. */
#ifndef RW_LOADER_H
#define RW_LOADER_H

#include <stdbool.h>
#include <linux/types.h>
#include "reapwatch.h"

struct rw_filter {
	__u32 tgid;  /* events involving this process (subject, parent, reaper) */
	__u32 pidns; /* events of processes in this pid namespace (inode) */
	/* processes in this cgroup or below (see cgroup_filter.h) */
	__u64 cgroup_id;
	int cgroup_level;
	int cgroup_hier; /* 0: cgroup v2; else the v1 hierarchy id */
};

struct rw_load_opts {
	struct rw_filter filter;
	__u64 ringbuf_bytes;  /* power of two, >= page size; 0: default */
	bool aggregate_only;  /* no per-event output (in-kernel aggregation) */
	bool sweeps;          /* rw_sweep_mark() will be called (serve) */
	bool no_exact;        /* do not try fentry/release_task */
	bool verbose;         /* let libbpf print */
};

/* Why loading failed: each maps to a distinct exit code of the CLI. */
enum rw_load_error {
	RW_LOAD_OK = 0,
	RW_LOAD_EPRIV,  /* not enough privilege */
	RW_LOAD_ENOBTF, /* kernel has no BTF */
	RW_LOAD_EATTACH,/* a hook could not load or attach */
	RW_LOAD_ENOMEM,
};

struct rw_loader;

typedef int (*rw_event_fn)(void *ctx, const struct rw_event *e);

/* Returns RW_LOAD_OK and *out, or an error with a message in errbuf. */
enum rw_load_error rw_load(const struct rw_load_opts *opts, rw_event_fn fn, void *ctx,
			   struct rw_loader **out, char *errbuf, size_t errlen);
/* Wait up to timeout_ms for a wake-up, then consume everything queued.
 * Returns events consumed or a negative errno (-EINTR: interrupted). */
int rw_poll(struct rw_loader *l, int timeout_ms);
/* Consume everything queued now, without waiting. */
int rw_consume(struct rw_loader *l);
/* Machine-wide counters kept by the kernel side (lost events among them). */
__u64 rw_counter(const struct rw_loader *l, enum rw_counter c);
/* Track the zombies that existed before we started; returns how many. */
int rw_seed_zombies(struct rw_loader *l);

/* Start an aggregation sweep: a new generation, to which every entry of
 * "reapers" and "orphaners" whose process is alive is moved (the rest keep
 * the generation in which their process was last seen). Returns the new
 * generation, or -errno. */
long long rw_sweep_mark(struct rw_loader *l);
/* True when reaps are taken at fentry/release_task. */
bool rw_exact(const struct rw_loader *l);
/* The zombie table, live: the kernel changes its slots under the reader
 * (copy a slot, then check it). *n: how many of its slots can hold one now
 * (the recent part only, while the spill part is empty). */
const struct rw_proc_state *rw_zombie_slots(const struct rw_loader *l, size_t *n);
/* Fd of a map by name, for the aggregation readers; -1 if none. */
int rw_map_fd(const struct rw_loader *l, const char *name);
void rw_unload(struct rw_loader *l);

#endif
