// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The BTF scan behind the fentry probe: ids counted across every kind of
 * trailer, names matched whole, bad input refused, never read past. */
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <unistd.h>
#include "vmlinux_btf.h"
#include "unit.h"

static const char strs[] = "\0int\0task_struct\0pid\0tgid\0release_task\0p\0E\0do_exit";
#define STR(s) ((__u32)str_off(s))
#define INFO(kind, vlen) ((__u32)(kind) << 24 | (vlen)) /* the kernel's BTF_INFO_ENC */

static size_t str_off(const char *s)
{
	for (size_t i = 1; i < sizeof(strs); i++)
		if (!strcmp(strs + i, s) && strs[i - 1] == '\0')
			return i;
	return 0;
}

/* A small BTF blob: int, struct task_struct { pid; tgid; }, a prototype,
 * FUNC release_task, an enum64, FUNC do_exit. Returns its size. */
static size_t build(unsigned char *buf, size_t cap)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	unsigned char *p = buf + sizeof(h);
	__u32 w;

#define PUT(v) (memcpy(p, &(v), sizeof(v)), p += sizeof(v))
#define TYPE(name, kind, vlen, sz)                                                   \
	do {                                                                        \
		struct btf_type t_ = { .name_off = (name),                         \
				       .info = INFO(kind, vlen) };                  \
		t_.size = (sz);                                                     \
		PUT(t_);                                                            \
	} while (0)
	if (cap < 512)
		return 0;
	TYPE(STR("int"), BTF_KIND_INT, 0, 4);
	w = 32;
	PUT(w);
	TYPE(STR("task_struct"), BTF_KIND_STRUCT, 2, 8);
	struct btf_member m1 = { STR("pid"), 1, 0 }, m2 = { STR("tgid"), 1, 32 };
	PUT(m1);
	PUT(m2);
	TYPE(0, BTF_KIND_FUNC_PROTO, 1, 1);
	struct btf_param pa = { STR("p"), 2 };
	PUT(pa);
	TYPE(STR("release_task"), BTF_KIND_FUNC, 0, 3);
	TYPE(STR("E"), BTF_KIND_ENUM64, 1, 8);
	struct btf_enum64 e = { STR("E"), 1, 0 };
	PUT(e);
	TYPE(STR("do_exit"), BTF_KIND_FUNC, 0, 3);
#undef TYPE
#undef PUT
	h.type_len = p - buf - sizeof(h);
	h.str_off = h.type_len;
	h.str_len = sizeof(strs);
	memcpy(p, strs, sizeof(strs));
	p += sizeof(strs);
	memcpy(buf, &h, sizeof(h));
	return p - buf;
}

static bool finds_functions_by_whole_name(void)
{
	unsigned char buf[512];
	size_t n = build(buf, sizeof(buf));

	CHECK(n > 0, "build");
	CHECK_EQ(rw_btf_func_id(buf, n, "release_task"), 4);
	CHECK_EQ(rw_btf_func_id(buf, n, "do_exit"), 6); /* past an enum64's trailer */
	CHECK_EQ(rw_btf_func_id(buf, n, "release"), -ENOENT);
	CHECK_EQ(rw_btf_func_id(buf, n, "task_struct"), -ENOENT); /* not a FUNC */
	CHECK_EQ(rw_btf_func_id(buf, n, "do_exit_more"), -ENOENT);
	return true;
}

static bool refuses_bad_input(void)
{
	unsigned char buf[512], bad[512];
	size_t n = build(buf, sizeof(buf));
	struct btf_header h;

	CHECK(n > 0, "build");
	/* Every truncation: refused, and nothing read past the end (ASan). */
	for (size_t len = 0; len < n; len++) {
		unsigned char *cut = malloc(len ? len : 1);

		CHECK(cut, "malloc");
		memcpy(cut, buf, len);
		int id = rw_btf_func_id(cut, len, "do_exit");

		free(cut);
		CHECK(id == -EINVAL || id == -ENOENT, "cut at %zu: %d", len, id);
	}
	memcpy(bad, buf, n);
	bad[0] ^= 0xff;
	CHECK_EQ(rw_btf_func_id(bad, n, "release_task"), -EINVAL); /* magic */
	memcpy(bad, buf, n);
	memcpy(&h, bad, sizeof(h));
	/* The int's info with an unknown kind: the ids after it cannot be counted. */
	__u32 info = INFO(31, 0);
	memcpy(bad + h.hdr_len + h.type_off + 4, &info, 4);
	CHECK_EQ(rw_btf_func_id(bad, n, "release_task"), -EINVAL);
	memcpy(bad, buf, n);
	h.str_len += 1000;
	memcpy(bad, &h, sizeof(h));
	CHECK_EQ(rw_btf_func_id(bad, n, "release_task"), -EINVAL);
	return true;
}

static bool finds_release_task_in_this_kernel(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return true; /* no kernel BTF here: tests/test_reapwatch.sh covers it */
	CHECK(rw_vmlinux_func_id("release_task") > 0, "release_task: %d",
	      rw_vmlinux_func_id("release_task"));
	CHECK_EQ(rw_vmlinux_func_id("rw_no_such_function"), -ENOENT);
	{
		static const char *const both[] = { "rw_no_such_function", "release_task" };
		int ids[2] = { 0, 0 };

		CHECK_EQ(rw_vmlinux_func_ids(both, ids, 2), 0);
		CHECK_EQ(ids[0], -ENOENT);
		CHECK_EQ(ids[1], rw_vmlinux_func_id("release_task"));
	}
	return true;
}

UNIT_CASES(btf_cases) = {
	{ "btf: functions found by whole name, ids counted across trailers",
	  finds_functions_by_whole_name },
	{ "btf: truncated, unknown kinds, bad magic and sizes refused", refuses_bad_input },
	{ "btf: release_task found in this kernel's BTF", finds_release_task_in_this_kernel },
	{ NULL, NULL },
};
