/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Event sinks: aligned text columns and JSON lines, plus the decoding both share. */
#ifndef RW_OUTPUT_H
#define RW_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "reapwatch.h"

/* CLOCK_MONOTONIC -> wall clock: realtime_ns = mono_ns + offset_ns. */
struct rw_clock {
	__s64 offset_ns;
};

struct rw_status {
	int exit_code; /* valid when signal == 0 */
	int signal;
	bool core_dumped;
};

void rw_clock_now(struct rw_clock *c);
/* RFC 3339 with microseconds, UTC: 2026-11-23T10:00:00.123456Z */
void rw_format_time(const struct rw_clock *c, __u64 mono_ns, char *buf, size_t len);

struct rw_status rw_decode_status(__u32 status);
const char *rw_type_name(__u32 type);
const char *rw_via_name(__u32 via);
const char *rw_kind_name(__u32 kind);

void rw_text_header(FILE *f);
void rw_text_event(FILE *f, const struct rw_event *e, const struct rw_clock *c);
void rw_json_event(FILE *f, const struct rw_event *e, const struct rw_clock *c);
struct rw_sandbox;
/* The same, with a "sandbox" object (init, cgroup, pod, container) if @sb. */
void rw_json_event_in(FILE *f, const struct rw_event *e, const struct rw_clock *c,
		      const struct rw_sandbox *sb);
void rw_json_lost(FILE *f, __u64 lost, __u64 mono_ns, const struct rw_clock *c);

#endif
