/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `reapwatch serve`: the in-kernel aggregates as Prometheus/OpenMetrics text
 * on /metrics, over libmicrohttpd. No per-event output: each scrape reads
 * the BPF maps (at most every RW_SERVE_MIN_REFRESH_MS) and attributes what
 * it finds to sandboxes (attrib.h). See docs/serve.md.
 */
#ifndef RW_SERVE_H
#define RW_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "loader.h"

#define RW_SERVE_DEFAULT_PORT 9742
#define RW_SERVE_DEFAULT_LISTEN "127.0.0.1:9742"
#define RW_SERVE_DEFAULT_MAX_SANDBOXES 256
#define RW_SERVE_DEFAULT_FORGET_S 300  /* a dead sandbox's series stay 5 min */
#define RW_SERVE_MAX_CONNECTIONS 256   /* concurrent; more are closed at once */
#define RW_SERVE_IDLE_TIMEOUT_S 10     /* a connection idle this long is closed */
#define RW_SERVE_CONN_MEMORY 16384     /* per connection: request line + headers */
#define RW_SERVE_MIN_REFRESH_MS 100    /* scrapes closer than this share a snapshot */

struct rw_serve_opts {
	const char *listen;       /* "ADDR:PORT"; NULL: RW_SERVE_DEFAULT_LISTEN */
	unsigned max_sandboxes;   /* sandboxes with series of their own; 0: default */
	__u64 forget_after_ns;    /* a dead sandbox's series stay this long */
	__u32 tgid;               /* the -p filter, for the zombies (user side) */
	bool bpf_stats;           /* hold BPF_ENABLE_STATS while serving */
	long duration_s;          /* 0: until stopped */
	bool verbose;
};

/* ADDR:PORT: IPv4 ("127.0.0.1:9742"), IPv6 in brackets ("[::1]:9742"), or
 * no address (":9742", "*:9742") for every address. Port 0: any free port.
 * Returns 0, or -1 if it is not one of those. */
int rw_serve_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

struct rw_server;

/* Binds and listens (so a busy port fails before BPF is loaded). */
struct rw_server *rw_serve_new(const struct rw_serve_opts *o, char *err, size_t errlen);
/* Seeds the zombies that predate us, drops the capabilities serving does
 * not need, serves until *stop or the duration ends. 0 or -errno with a
 * message in err. */
int rw_serve_run(struct rw_server *s, struct rw_loader *l, const volatile sig_atomic_t *stop,
		 char *err, size_t errlen);
void rw_serve_free(struct rw_server *s);

#endif
