// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Event sinks: aligned text columns and JSON lines. */
#include <string.h>
#include <time.h>
#include "attrib.h"
#include "hist.h"
#include "output.h"

static __s64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void rw_clock_now(struct rw_clock *c)
{
	c->offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

void rw_format_time(const struct rw_clock *c, __u64 mono_ns, char *buf, size_t len)
{
	__s64 ns = (__s64)mono_ns + c->offset_ns;
	time_t sec = ns / 1000000000;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06lldZ", (long long)(ns % 1000000000) / 1000);
}

struct rw_status rw_decode_status(__u32 status)
{
	struct rw_status s = {
		.signal = status & 0x7f,
		.core_dumped = status & 0x80,
		.exit_code = (status >> 8) & 0xff,
	};
	return s;
}

const char *rw_type_name(__u32 type)
{
	switch (type) {
	case RW_EV_EXIT: return "exit";
	case RW_EV_ORPHAN: return "orphan";
	case RW_EV_REAP: return "reap";
	case RW_EV_LOST: return "lost";
	}
	return "unknown";
}

const char *rw_via_name(__u32 via)
{
	switch (via) {
	case RW_VIA_WAIT4: return "wait4";
	case RW_VIA_WAITID: return "waitid";
	case RW_VIA_AUTOREAP: return "autoreap";
	case RW_VIA_RELEASE: return "release";
	}
	return "unknown";
}

const char *rw_kind_name(__u32 kind)
{
	switch (kind) {
	case RW_REAPER_SUBREAPER: return "subreaper";
	case RW_REAPER_PIDNS_INIT: return "pidns_init";
	}
	return "unknown";
}

/* A comm as a bounded, printable C string. */
static void comm_str(const char *comm, char *out)
{
	size_t i;

	for (i = 0; i < RW_COMM_LEN - 1 && comm[i]; i++)
		out[i] = comm[i];
	out[i] = '\0';
}

void rw_text_header(FILE *f)
{
	fprintf(f, "%-12s %-6s %-7s %-15s %-7s %s\n", "TIME", "EVENT", "PID", "COMM", "PPID",
		"DETAILS");
}

void rw_text_event(FILE *f, const struct rw_event *e, const struct rw_clock *c)
{
	char when[40], comm[RW_COMM_LEN], other[RW_COMM_LEN], dur[32], details[96];
	struct rw_status st;

	rw_format_time(c, e->ts_ns, when, sizeof(when));
	comm_str(e->comm, comm);
	rw_human_ns(e->duration_ns, dur, sizeof(dur));
	switch (e->type) {
	case RW_EV_EXIT:
		st = rw_decode_status(e->status);
		if (st.signal)
			snprintf(details, sizeof(details), "killed by signal %d%s, lived %s",
				 st.signal, st.core_dumped ? " (core dumped)" : "", dur);
		else
			snprintf(details, sizeof(details), "exit code %d, lived %s", st.exit_code, dur);
		break;
	case RW_EV_ORPHAN:
		comm_str(e->reaper_comm, other);
		snprintf(details, sizeof(details), "-> %u (%s) %s%s", e->reaper_pid, other,
			 rw_kind_name(e->reaper_kind), e->flags & RW_F_ZOMBIE ? ", zombie" : "");
		break;
	case RW_EV_REAP:
		comm_str(e->reaper_comm, other);
		snprintf(details, sizeof(details), "by %u (%s) via %s after %s%s", e->reaper_pid,
			 other[0] ? other : "?", rw_via_name(e->via), dur,
			 e->flags & RW_F_APPROX ? " (approx)" : "");
		break;
	default:
		details[0] = '\0';
	}
	/* HH:MM:SS.mmm of the RFC 3339 stamp */
	fprintf(f, "%-12.12s %-6s %-7u %-15s %-7u %s\n", when + 11, rw_type_name(e->type), e->pid,
		comm, e->ppid, details);
}

static void json_str(FILE *f, const char *key, const char *s, size_t max)
{
	fprintf(f, ",\"%s\":\"", key);
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void rw_json_event(FILE *f, const struct rw_event *e, const struct rw_clock *c)
{
	rw_json_event_in(f, e, c, NULL);
}

static void json_sandbox(FILE *f, const struct rw_sandbox *sb)
{
	fprintf(f, ",\"sandbox\":{\"init_pid\":%u", sb->init_pid);
	json_str(f, "init_comm", sb->init_comm, RW_COMM_LEN);
	json_str(f, "cgroup", sb->cgroup, sizeof(sb->cgroup));
	json_str(f, "pod_uid", sb->id.pod_uid, sizeof(sb->id.pod_uid));
	json_str(f, "container_id", sb->id.container_id, sizeof(sb->id.container_id));
	json_str(f, "runtime", sb->id.runtime ? sb->id.runtime : "", 16);
	fputc('}', f);
}

void rw_json_event_in(FILE *f, const struct rw_event *e, const struct rw_clock *c,
		      const struct rw_sandbox *sb)
{
	char when[40];
	struct rw_status st;

	rw_format_time(c, e->ts_ns, when, sizeof(when));
	fprintf(f, "{\"type\":\"%s\",\"ts_ns\":%llu,\"time\":\"%s\",\"pid\":%u,\"nspid\":%u",
		rw_type_name(e->type), (unsigned long long)e->ts_ns, when, e->pid, e->nspid);
	json_str(f, "comm", e->comm, RW_COMM_LEN);
	fprintf(f, ",\"pidns\":%u,\"start_ns\":%llu", e->pidns, (unsigned long long)e->start_ns);
	switch (e->type) {
	case RW_EV_EXIT:
		st = rw_decode_status(e->status);
		fprintf(f, ",\"ppid\":%u", e->ppid);
		json_str(f, "parent_comm", e->parent_comm, RW_COMM_LEN);
		fprintf(f, ",\"exit_code\":%d,\"signal\":%d,\"core_dumped\":%s,\"lifetime_ns\":%llu",
			st.signal ? 0 : st.exit_code, st.signal, st.core_dumped ? "true" : "false",
			(unsigned long long)e->duration_ns);
		break;
	case RW_EV_ORPHAN:
		fprintf(f, ",\"old_ppid\":%u", e->ppid);
		json_str(f, "old_parent_comm", e->parent_comm, RW_COMM_LEN);
		fprintf(f, ",\"reaper_pid\":%u", e->reaper_pid);
		json_str(f, "reaper_comm", e->reaper_comm, RW_COMM_LEN);
		fprintf(f, ",\"reaper_kind\":\"%s\",\"zombie\":%s", rw_kind_name(e->reaper_kind),
			e->flags & RW_F_ZOMBIE ? "true" : "false");
		break;
	case RW_EV_REAP:
		fprintf(f, ",\"ppid\":%u,\"reaper_pid\":%u", e->ppid, e->reaper_pid);
		json_str(f, "reaper_comm", e->reaper_comm, RW_COMM_LEN);
		fprintf(f, ",\"latency_ns\":%llu,\"via\":\"%s\",\"approximate\":%s",
			(unsigned long long)e->duration_ns, rw_via_name(e->via),
			e->flags & RW_F_APPROX ? "true" : "false");
		break;
	}
	if (sb)
		json_sandbox(f, sb);
	fputs("}\n", f);
}

void rw_json_lost(FILE *f, __u64 lost, __u64 mono_ns, const struct rw_clock *c)
{
	char when[40];

	rw_format_time(c, mono_ns, when, sizeof(when));
	fprintf(f, "{\"type\":\"lost\",\"ts_ns\":%llu,\"time\":\"%s\",\"count\":%llu}\n",
		(unsigned long long)mono_ns, when, (unsigned long long)lost);
}
