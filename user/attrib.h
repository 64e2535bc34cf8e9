/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Attribution: which sandbox a process belongs to.
 *
 * A sandbox is a pid namespace (its inode) and its init, PID 1 of that
 * namespace (in a pod sharing its pid namespace: the pod's pause). The
 * init's cgroup path names the pod and the container, in the formats of the
 * Kubernetes runtimes and Podman (systemd and cgroupfs drivers, cgroup v1 and
 * v2): see rw_cgroup_ident(). The parsers are pure; the lookups read /proc
 * and the cgroup file system. See docs/serve.md.
 */
#ifndef RW_ATTRIB_H
#define RW_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "reapwatch.h"

#define RW_ID_LEN 65     /* 64 hex digits and a NUL */
#define RW_CG_PATH_LEN 512

/* What a cgroup path says about a process. Empty strings: not found. */
struct rw_cg_ident {
	/* The pod: a Kubernetes pod UID with dashes (36 characters; a static
	 * pod's 32-digit hash), or a Podman pod ID (64 hex digits). */
	char pod_uid[RW_ID_LEN];
	/* The container: its full ID, 64 hex digits. */
	char container_id[RW_ID_LEN];
	/* "containerd", "cri-o", "docker", "podman", or "" (unknown: the
	 * cgroupfs layout of containerd and dockershim is a bare ID). */
	const char *runtime;
	/* Kubernetes QoS class: "guaranteed", "burstable", "besteffort", "". */
	const char *qos;
	/* The runtime's monitor (conmon) of the container, not the container. */
	bool conmon;
};

/* Parses one cgroup path (as /proc/PID/cgroup shows it; leading "/.."
 * components of a cgroup namespace are skipped). The deepest container
 * component wins, and the deepest pod component above it. Returns true
 * when a pod or a container was found; @id is always filled. */
bool rw_cgroup_ident(const char *path, struct rw_cg_ident *id);

/* From the text of /proc/PID/cgroup, the path to attribute by: the first
 * line whose path rw_cgroup_ident() understands, in the order cgroup v2
 * ("0::"), pids, memory, cpu, name=systemd, any other; else the v2 path,
 * else the first non-root path, else "/". Returns 0, or -1 if @text has no
 * cgroup line. */
int rw_cgroup_pick(const char *text, char *path, size_t len);

/* A pod UID as given by a user or found in a path, normalized: lower case,
 * '_' (systemd) to '-'. False if it is not 32 to 64 of [0-9a-f-]. */
bool rw_pod_uid_norm(const char *in, char out[RW_ID_LEN]);

/* --- lookups (read /proc) ------------------------------------------------- */

struct rw_sandbox {
	__u32 pidns;          /* inode of the pid namespace */
	__u32 init_pid;       /* host pid of its PID 1; 0 if not found */
	__u64 init_start;     /* its start time (/proc/PID/stat, clock ticks) */
	char init_comm[RW_COMM_LEN];
	char cgroup[RW_CG_PATH_LEN]; /* the init's cgroup path ("" if unknown) */
	struct rw_cg_ident id;
};

/* One pass over /proc: calls @fn for the init of every pid namespace that
 * has one (a process whose NSpid ends in 1). Reading another user's ns/pid
 * link needs CAP_SYS_PTRACE: such inits are skipped. Returns the number
 * found, or -errno if /proc cannot be read. */
int rw_sandbox_scan(int (*fn)(void *ctx, const struct rw_sandbox *sb), void *ctx);

/* Is @sb's init still the same process (same pid and start time)? */
bool rw_sandbox_alive(const struct rw_sandbox *sb);

/* Is @pid PID 1 of its pid namespace (the last NSpid of /proc/PID/status)? */
bool rw_proc_is_ns_init(__u32 pid);

/* The cgroup path of a process (see rw_cgroup_pick); 0 or -errno. */
int rw_proc_cgroup(__u32 pid, char *path, size_t len);

/* --- a cache of sandboxes by pid namespace, for per-event attribution ---- */

struct rw_sandbox_cache;

struct rw_sandbox_cache *rw_sandbox_cache_new(void);
/* The sandbox of pid namespace @pidns, or NULL if it has no init we can see.
 * A namespace not in the cache triggers a new /proc scan, at most once per
 * second (@now_ns, CLOCK_MONOTONIC), so a busy node costs little. */
const struct rw_sandbox *rw_sandbox_lookup(struct rw_sandbox_cache *c, __u32 pidns,
					   __u64 now_ns);
void rw_sandbox_cache_free(struct rw_sandbox_cache *c);

/* --- --pod / --container -------------------------------------------------- */

/* Finds the cgroup directory of a pod (@pod_uid, any case, '-' or '_') or a
 * container (@ctr_id: the full ID or a unique prefix of at least 12 hex
 * digits) under the cgroup file system at @fs (e.g. "/sys/fs/cgroup"): in
 * the cgroup v2 hierarchy if @fs is one, else in the first v1 hierarchy of
 * pids, memory, cpu that has it. The highest directory naming the pod
 * (not one of its containers) or the container is the one. Returns 0 with
 * the directory in @out, or -1 with a message in @err. */
int rw_cgroup_find(const char *fs, const char *pod_uid, const char *ctr_id, char *out,
		   size_t outlen, char *err, size_t errlen);

#endif
