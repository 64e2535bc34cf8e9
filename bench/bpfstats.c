// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfstats: the kernel's per-program run time, for the benchmarks.
 *
 *   bpfstats hold          enable run-time statistics (BPF_ENABLE_STATS) and
 *                          keep them on until killed; prints "on" when they are
 *   bpfstats progs PID...  one line per BPF program a process holds open:
 *                          "prog ID NAME RUN_TIME_NS RUN_CNT RECURSION_MISSES"
 *   bpfstats maps PID...   one line per BPF map it holds open:
 *                          "map ID NAME TYPE MAX_ENTRIES MEMLOCK_BYTES"
 *   bpfstats floor OBJ     load and attach every program of the BPF object
 *                          OBJ (bench/floor.bpf.c: empty programs at
 *                          reapwatch's hooks), print "attached N", hold
 *                          them until killed
 *
 * `hold` is kernel.bpf_stats_enabled without a global switch to restore: the
 * kernel counts the holders, so the statistics stay on while we hold the fd
 * even when someone else flips the sysctl back to 0, and go back to what they
 * were when we exit. The programs are found through /proc/PID/fdinfo (ids)
 * and read by id, so only the programs of the tools under test are counted.
 * NAME is the full function name from the program's BTF (the kernel keeps
 * only 15 characters), else the kernel's name.
 *
 * Exit: 0 ok; 1 a bpf() call failed, or OBJ did not load or attach; 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Print @msg, then block until SIGTERM, SIGINT or SIGHUP. */
static void announce_and_wait(const char *msg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%s\n", msg);
	fflush(stdout);
	sigwait(&set, &sig);
}

static int hold(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	fd = sys_bpf(BPF_ENABLE_STATS, &attr);
	if (fd < 0) {
		fprintf(stderr, "bpfstats: BPF_ENABLE_STATS: %s\n", strerror(errno));
		return 1;
	}
	announce_and_wait("on");
	close(fd);
	return 0;
}

/* Attached until we exit: the kernel detaches what a dying process held. */
static int floor_progs(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	char msg[32];
	int n = 0;

	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bpfstats: %s: cannot load: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "bpfstats: %s: cannot attach %s: %s\n", path,
				bpf_program__name(prog), strerror(errno));
			return 1;
		}
		n++;
	}
	snprintf(msg, sizeof(msg), "attached %d", n);
	announce_and_wait(msg);
	return 0;
}

/* The value of "key:\t<n>" in an fdinfo text, or -1. */
static long long field(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p || (p != text && p[-1] != '\n'))
		return -1;
	return strtoll(p + strlen(key), NULL, 10);
}

static int get_info(int cmd_get_fd, __u32 id, void *info, __u32 len)
{
	union bpf_attr attr;
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	if (cmd_get_fd == BPF_PROG_GET_FD_BY_ID)
		attr.prog_id = id;
	else
		attr.map_id = id;
	fd = sys_bpf(cmd_get_fd, &attr);
	if (fd < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = len;
	attr.info.info = (__u64)(unsigned long)info;
	err = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? -errno : 0;
	close(fd);
	return err;
}

/* The full name of a program from its BTF: the kernel's name is cut at 15. */
static void full_name(__u32 id, const struct bpf_prog_info *info, char *out, size_t len)
{
	struct bpf_func_info finfo[1];
	struct bpf_prog_info fi;
	const struct btf_type *t;
	struct btf *btf;
	union bpf_attr attr;
	int fd;

	snprintf(out, len, "%s", info->name[0] ? info->name : "-");
	if (!info->btf_id || !info->nr_func_info)
		return;
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return;
	memset(&fi, 0, sizeof(fi));
	fi.nr_func_info = 1;
	fi.func_info_rec_size = sizeof(finfo[0]);
	fi.func_info = (__u64)(unsigned long)finfo;
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(fi);
	attr.info.info = (__u64)(unsigned long)&fi;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr)) {
		close(fd);
		return;
	}
	close(fd);
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return;
	t = btf__type_by_id(btf, finfo[0].type_id);
	if (t && t->name_off)
		snprintf(out, len, "%s", btf__name_by_offset(btf, t->name_off));
	btf__free(btf);
}

#define MAX_IDS 1024

static int list(const char *what, int pid)
{
	bool progs = !strcmp(what, "progs");
	const char *idkey = progs ? "prog_id:" : "map_id:";
	__u32 ids[MAX_IDS];
	long long memlock[MAX_IDS];
	int n = 0, err = 0;
	char dir[64];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "bpfstats: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) && n < MAX_IDS) {
		char path[400], buf[4096];
		long long id;
		ssize_t len;
		int fd, i;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		id = field(buf, idkey);
		if (id <= 0)
			continue;
		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (i == n) {
			memlock[n] = field(buf, "memlock:");
			ids[n++] = id;
		}
	}
	closedir(d);
	for (int i = 0; i < n; i++) {
		if (progs) {
			struct bpf_prog_info info;
			char name[128];

			memset(&info, 0, sizeof(info));
			if (get_info(BPF_PROG_GET_FD_BY_ID, ids[i], &info, sizeof(info))) {
				err = 1;
				continue;
			}
			full_name(ids[i], &info, name, sizeof(name));
			printf("prog %u %s %llu %llu %llu\n", ids[i], name,
			       (unsigned long long)info.run_time_ns,
			       (unsigned long long)info.run_cnt,
			       (unsigned long long)info.recursion_misses);
		} else {
			struct bpf_map_info info;

			memset(&info, 0, sizeof(info));
			if (get_info(BPF_MAP_GET_FD_BY_ID, ids[i], &info, sizeof(info))) {
				err = 1;
				continue;
			}
			printf("map %u %s %u %u %lld\n", ids[i], info.name[0] ? info.name : "-",
			       info.type, info.max_entries, memlock[i]);
		}
	}
	return err;
}

int main(int argc, char **argv)
{
	int err = 0;

	if (argc == 2 && !strcmp(argv[1], "hold"))
		return hold();
	if (argc == 3 && !strcmp(argv[1], "floor"))
		return floor_progs(argv[2]);
	if (argc < 3 || (strcmp(argv[1], "progs") && strcmp(argv[1], "maps")))
		goto usage;
	for (int i = 2; i < argc; i++) {
		char *end;
		long pid = strtol(argv[i], &end, 10);

		if (!*argv[i] || *end || pid <= 0)
			goto usage;
		err |= list(argv[1], pid);
	}
	return err;
usage:
	fprintf(stderr, "usage: bpfstats hold | progs PID... | maps PID... | floor OBJ\n");
	return 2;
}
