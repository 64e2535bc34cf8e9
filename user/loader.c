// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * open -> set rodata -> load -> attach, with the exact-reap hook probed first
 * and the tracepoint-only design as the automatic fallback.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "vmlinux_btf.h"
#include "reapwatch.skel.h"

#define DEFAULT_RINGBUF (4u << 20)

struct rw_loader {
	struct reapwatch_bpf *skel;
	struct ring_buffer *rb;
	rw_event_fn fn;
	void *ctx;
	bool exact;
	const struct rw_proc_state *zombies; /* the map "zombies", mapped read-only */
};

#define ZOMBIES_BYTES (sizeof(struct rw_proc_state) * RW_ZOMBIE_SLOTS)

static bool libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level __attribute__((unused)), const char *fmt,
			va_list ap)
{
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct rw_loader *l = ctx;

	if (size < sizeof(struct rw_event))
		return 0;
	return l->fn(l->ctx, data);
}

static bool has_caps_to_load(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = (__u64)data[1].effective << 32 | data[0].effective;
	if (eff & (1ull << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ull << 39 /* CAP_BPF */)) && (eff & (1ull << 38 /* CAP_PERFMON */));
}

/* The syscall tracepoints are found through tracefs. When it is not mounted,
 * mount it in a private mount namespace: nothing changes for the host. */
static int ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events/syscalls", F_OK) == 0)
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return -errno;
	return 0;
}

static enum rw_load_error fail(enum rw_load_error code, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static enum rw_load_error fail(enum rw_load_error code, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return code;
}

/* Does the kernel take an fentry program on release_task? Kernels in lockdown
 * refuse every one at load. Asked with a two-instruction program: finding
 * out by a full load that fails costs a second parse of the kernel's BTF,
 * ~100 ms here. @id: release_task's BTF id; when it is not known (< 0),
 * the full load decides. */
static bool exact_reap_allowed(int id)
{
	const struct bpf_insn return_0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_prog_load_opts opts = {
		.sz = sizeof(opts),
		.expected_attach_type = BPF_TRACE_FENTRY,
	};
	int fd;

	if (id < 0)
		return true;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "rw_probe", "GPL", return_0, 2, &opts);
	if (fd < 0) {
		if (libbpf_verbose)
			fprintf(stderr, "reapwatch: fentry/release_task refused (%s): "
				"the wait tracepoints will do\n", strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static struct reapwatch_bpf *open_configured(const struct rw_load_opts *o, bool exact,
					     bool rdonly_cast)
{
	struct reapwatch_bpf *skel = reapwatch_bpf__open();
	__u64 rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;

	if (!skel)
		return NULL;
	skel->rodata->targ_tgid = o->filter.tgid;
	skel->rodata->targ_pidns = o->filter.pidns;
	skel->rodata->targ_cgroup_id = o->filter.cgroup_id;
	skel->rodata->targ_cgroup_level = o->filter.cgroup_level;
	skel->rodata->targ_cgroup_hier = o->filter.cgroup_hier;
	skel->rodata->emit_events = !o->aggregate_only;
	skel->rodata->aggregate = o->aggregate_only;
	skel->rodata->exact_reap = exact;
	skel->rodata->wakeup_bytes = rb / 4;
	bpf_map__set_max_entries(skel->maps.events, o->aggregate_only ? 4096 : rb);
	bpf_program__set_autoload(skel->progs.handle_release, exact);
	bpf_program__set_autoload(skel->progs.handle_wait4_enter, exact);
	bpf_program__set_autoload(skel->progs.handle_signal, rdonly_cast);
	bpf_program__set_autoload(skel->progs.handle_signal_direct, !rdonly_cast);
	bpf_program__set_autoload(skel->progs.handle_free, rdonly_cast);
	bpf_program__set_autoload(skel->progs.handle_free_probe, !rdonly_cast);
	bpf_program__set_autoattach(skel->progs.seed_zombies, false);
	/* Only serve sweeps: the others need not pay for its verification. */
	bpf_program__set_autoload(skel->progs.mark_live, o->sweeps);
	bpf_program__set_autoattach(skel->progs.mark_live, false);
	return skel;
}

enum rw_load_error rw_load(const struct rw_load_opts *o, rw_event_fn fn, void *ctx,
			   struct rw_loader **out, char *errbuf, size_t errlen)
{
	/* What the choices below need of the kernel's BTF, read once. */
	static const char *const funcs[] = { "release_task", "bpf_rdonly_cast" };
	int ids[2];
	struct rw_loader *l;
	bool rdonly_cast;
	int err;

	libbpf_verbose = o->verbose;
	libbpf_set_print(print_libbpf);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return fail(RW_LOAD_ENOBTF, errbuf, errlen,
			    "this kernel has no BTF (/sys/kernel/btf/vmlinux): "
			    "CONFIG_DEBUG_INFO_BTF=y is required");
	if (!has_caps_to_load())
		return fail(RW_LOAD_EPRIV, errbuf, errlen,
			    "not enough privilege: run as root, or with "
			    "CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on old kernels)");
	err = ensure_tracefs();
	if (err)
		return fail(RW_LOAD_EATTACH, errbuf, errlen,
			    "tracefs is not mounted and could not be (%s): "
			    "mount -t tracefs tracefs /sys/kernel/tracing", strerror(-err));

	l = calloc(1, sizeof(*l));
	if (!l)
		return fail(RW_LOAD_ENOMEM, errbuf, errlen, "out of memory");
	l->fn = fn;
	l->ctx = ctx;

	/* The exact reap where the kernel allows it; if the full load fails
	 * all the same, the tracepoints. */
	rw_vmlinux_func_ids(funcs, ids, 2);
	l->exact = !o->no_exact && exact_reap_allowed(ids[0]);
	/* Two programs read kernel memory through this kfunc (>= 6.2), or,
	 * in their twins for older kernels, by pointer or by probe. */
	rdonly_cast = ids[1] >= 0;
	for (;;) {
		l->skel = open_configured(o, l->exact, rdonly_cast);
		if (!l->skel) {
			err = -errno;
			rw_unload(l);
			return fail(err == -ENOMEM ? RW_LOAD_ENOMEM : RW_LOAD_EATTACH, errbuf, errlen,
				    "cannot open the BPF object: %s", strerror(-err));
		}
		err = reapwatch_bpf__load(l->skel);
		if (!err)
			err = reapwatch_bpf__attach(l->skel);
		if (!err)
			break;
		reapwatch_bpf__destroy(l->skel);
		l->skel = NULL;
		if (l->exact) {
			l->exact = false;
			continue;
		}
		rw_unload(l);
		/* Capabilities were checked above: EACCES is the verifier. */
		if (err == -EPERM)
			return fail(RW_LOAD_EPRIV, errbuf, errlen,
				    "the kernel refused the BPF programs (%s): run as root, or "
				    "with CAP_BPF and CAP_PERFMON", strerror(-err));
		return fail(RW_LOAD_EATTACH, errbuf, errlen,
			    "cannot load or attach the BPF programs: %s (run with -v for details)",
			    strerror(-err));
	}

	/* Read in place: no system call per zombie, however many there are. */
	l->zombies = mmap(NULL, ZOMBIES_BYTES, PROT_READ, MAP_SHARED,
			  bpf_map__fd(l->skel->maps.zombies), 0);
	if (l->zombies == MAP_FAILED) {
		err = -errno;
		l->zombies = NULL;
		rw_unload(l);
		return fail(RW_LOAD_ENOMEM, errbuf, errlen, "cannot map the zombie table: %s",
			    strerror(-err));
	}
	if (!o->aggregate_only) {
		l->rb = ring_buffer__new(bpf_map__fd(l->skel->maps.events), on_sample, l, NULL);
		if (!l->rb) {
			err = -errno;
			rw_unload(l);
			return fail(RW_LOAD_ENOMEM, errbuf, errlen, "cannot map the ring buffer: %s",
				    strerror(-err));
		}
	}
	*out = l;
	return RW_LOAD_OK;
}

int rw_poll(struct rw_loader *l, int timeout_ms)
{
	int woken, rest;

	if (!l->rb)
		return 0;
	/* Producers wake us only when the buffer fills: drain on every tick. */
	woken = ring_buffer__poll(l->rb, timeout_ms);
	if (woken < 0)
		return woken;
	rest = ring_buffer__consume(l->rb);
	return rest < 0 ? rest : woken + rest;
}

int rw_consume(struct rw_loader *l)
{
	return l->rb ? ring_buffer__consume(l->rb) : 0;
}

__u64 rw_counter(const struct rw_loader *l, enum rw_counter c)
{
	__u64 sum = 0;

	for (int row = 0; row < RW_COUNTER_ROWS; row++)
		sum += __atomic_load_n(&l->skel->bss->counters[row][c], __ATOMIC_RELAXED);
	return sum;
}

/* Run a task iterator to its end: the lines it printed, or -errno. */
static int run_iter(struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	char buf[4096];
	int fd, n, lines = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		n = -errno;
		bpf_link__destroy(link);
		return n;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (int i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	bpf_link__destroy(link);
	return n < 0 ? -errno : lines;
}

int rw_seed_zombies(struct rw_loader *l)
{
	/* The program prints one line per zombie it tracked. */
	return run_iter(l->skel->progs.seed_zombies);
}

long long rw_sweep_mark(struct rw_loader *l)
{
	__u64 gen = __atomic_add_fetch(&l->skel->data->sweep_gen, 1, __ATOMIC_SEQ_CST);
	int err = run_iter(l->skel->progs.mark_live);

	return err < 0 ? err : (long long)gen;
}

bool rw_exact(const struct rw_loader *l)
{
	return l->exact;
}

const struct rw_proc_state *rw_zombie_slots(const struct rw_loader *l, size_t *n)
{
	/* The spill part only when it holds a zombie (a move in flight may
	 * wait for the next look). */
	*n = __atomic_load_n(&l->skel->bss->spill_used, __ATOMIC_RELAXED) ? RW_ZOMBIE_SLOTS
									    : RW_RECENT_SLOTS;
	return l->zombies;
}

int rw_map_fd(const struct rw_loader *l, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(l->skel->obj, name);

	return m ? bpf_map__fd(m) : -1;
}

void rw_unload(struct rw_loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	if (l->zombies)
		munmap((void *)l->zombies, ZOMBIES_BYTES);
	reapwatch_bpf__destroy(l->skel);
	free(l);
}
