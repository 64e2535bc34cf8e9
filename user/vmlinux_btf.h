/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BTF id of a kernel function, found by a plain scan of the kernel's BTF:
 * a few milliseconds, where a full parse (libbpf's) costs ~100 ms here. Used
 * to ask the kernel cheaply whether it takes an fentry program at all.
 */
#ifndef RW_VMLINUX_BTF_H
#define RW_VMLINUX_BTF_H

#include <stddef.h>

/* The id of the BTF_KIND_FUNC named @name in the raw BTF @data (@len bytes,
 * native byte order); -ENOENT if there is none, -EINVAL if @data is not
 * well-formed BTF. */
int rw_btf_func_id(const void *data, size_t len, const char *name);

/* The same in /sys/kernel/btf/vmlinux; -errno when it cannot be read. */
int rw_vmlinux_func_id(const char *name);

/* The same for @count names at once, the file read once: ids[i] for
 * names[i]. Returns 0, or -errno (then in every ids[i]) when it cannot be
 * read. */
int rw_vmlinux_func_ids(const char *const names[], int ids[], size_t count);

#endif
