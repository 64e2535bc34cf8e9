// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The BTF id of a kernel function by a plain scan: see vmlinux_btf.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vmlinux_btf.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define MAX_BTF_SIZE (256u << 20)

/* Bytes that follow a struct btf_type of this kind and vlen, or -1 for a
 * kind this scan does not know (then the ids after it cannot be counted). */
static long trailer_size(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE: case BTF_KIND_CONST: case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC: case BTF_KIND_FLOAT: case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

int rw_btf_func_id(const void *data, size_t len, const char *name)
{
	const unsigned char *base = data;
	struct btf_header h;
	const char *strs;
	size_t off, end, want = strlen(name) + 1;
	int id;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, base, sizeof(h));
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h) || h.hdr_len > len ||
	    (uint64_t)h.type_off + h.type_len > len - h.hdr_len ||
	    (uint64_t)h.str_off + h.str_len > len - h.hdr_len)
		return -EINVAL;
	strs = (const char *)base + h.hdr_len + h.str_off;
	off = h.hdr_len + h.type_off;
	end = off + h.type_len;
	for (id = 1; off < end; id++) {
		struct btf_type t;
		long more;

		if (end - off < sizeof(t))
			return -EINVAL;
		memcpy(&t, base + off, sizeof(t));
		more = trailer_size(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
		if (more < 0 || (size_t)more > end - off - sizeof(t))
			return -EINVAL;
		/* Compare within the string section only: it may be unterminated. */
		if (BTF_INFO_KIND(t.info) == BTF_KIND_FUNC && t.name_off < h.str_len &&
		    h.str_len - t.name_off >= want && !memcmp(strs + t.name_off, name, want))
			return id;
		off += sizeof(t) + more;
	}
	return -ENOENT;
}

int rw_vmlinux_func_ids(const char *const names[], int ids[], size_t count)
{
	int fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC), err = 0;
	unsigned char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* sysfs states the size; read to the end all the same. */
	cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 8u << 20;
	for (;;) {
		ssize_t n;

		if (len == cap || !buf) {
			unsigned char *nb;

			if (buf)
				cap *= 2;
			if (cap > MAX_BTF_SIZE) {
				err = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
out:
	for (size_t i = 0; i < count; i++)
		ids[i] = err ? err : rw_btf_func_id(buf, len, names[i]);
	free(buf);
	return err;
}

int rw_vmlinux_func_id(const char *name)
{
	int id;

	rw_vmlinux_func_ids(&name, &id, 1);
	return id;
}
