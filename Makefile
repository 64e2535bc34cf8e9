# reapwatch: a sandbox init (`pause`) and a zombie/orphan tracer (`reapwatch`).
#
#   make            build build/pause and build/reapwatch
#   make test       install what is missing, build, run every test
#   make demo       install what is missing, build, run the live demo
#   make bench      install the peers, build, measure: docs/benchmarks.md
#   make install    PREFIX=/usr/local DESTDIR=
#   make V=1        show full commands
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all

OUTPUT  ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
STRIP    ?= strip
# pause is static and tiny with musl; glibc's static libc is the fallback.
MUSLCC   := $(shell command -v musl-gcc 2>/dev/null)
# Sanitizers need glibc and a dynamic link: EXTRA_CFLAGS=-fsanitize=... picks both.
SANITIZE := $(findstring -fsanitize,$(EXTRA_CFLAGS))
PAUSE_CC ?= $(if $(and $(MUSLCC),$(if $(SANITIZE),,y)),$(MUSLCC),$(CC))
# reapwatch and the test programs link statically, sanitizer builds dynamically
# (ASan cannot be static); STATIC= forces a dynamic link.
STATIC   ?= $(if $(SANITIZE),,-static)

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(EXTRA_CFLAGS)
LDFLAGS  += $(EXTRA_LDFLAGS)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

all: $(OUTPUT)/pause $(OUTPUT)/reapwatch

# --- pause: one file, no libraries, static --------------------------------
PAUSE_CFLAGS := -Os $(if $(SANITIZE),,-static) $(WARN) -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector \
	-ffunction-sections -fdata-sections -fno-ident
PAUSE_LDFLAGS := -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,norelro \
	-Wl,-z,noseparate-code -Wl,--hash-style=gnu -s

# The command line is kept in pause.cmd so that pause is rebuilt when it
# changes: built before musl-tools is installed, pause takes glibc's 700 KB
# fallback, and the file's date alone would keep it once musl-gcc appears.
PAUSE_CMD := $(PAUSE_CC) $(PAUSE_CFLAGS) $(EXTRA_CFLAGS) $(PAUSE_LDFLAGS)
ifneq ($(PAUSE_CMD),$(file <$(OUTPUT)/pause.cmd))
$(shell mkdir -p $(OUTPUT))
$(file >$(OUTPUT)/pause.cmd,$(PAUSE_CMD))
endif

$(OUTPUT)/pause: user/pause.c $(OUTPUT)/pause.cmd | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(PAUSE_CMD) $< -o $@
	$(Q)$(STRIP) -R .comment -R .note -R .eh_frame -R .eh_frame_hdr $@ 2>/dev/null || true

$(OUTPUT):
	$(Q)mkdir -p $@

# --- reapwatch: BPF object -> skeleton -> static binary ----------------------
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wextra \
	-Wno-unused-parameter -Werror -I$(OUTPUT)/bpf -Ivmlinux/$(ARCH) -Ibpf
USER_CFLAGS = $(CFLAGS) -I$(OUTPUT)/bpf -Ibpf -Iuser
# Fully static: one file that also runs in a bare initramfs or FROM scratch.
# libmicrohttpd.a without its GnuTLS: user/notls.c (serve is plain HTTP).
RW_LIBS := $(STATIC) -lbpf -lelf -lz -ljson-c -lmicrohttpd -lpthread
RW_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(filter-out user/pause.c,$(wildcard user/*.c)))
RW_LIB_OBJS := $(filter-out $(OUTPUT)/user/reapwatch.o,$(RW_OBJS))

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/reapwatch.h vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bpf/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name reapwatch_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) bpf/reapwatch.h $(OUTPUT)/bpf/reapwatch.skel.h | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/reapwatch: $(RW_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(RW_LIBS)

$(OUTPUT)/bpf $(OUTPUT)/user:
	$(Q)mkdir -p $@

# --- setup, tests and demo -------------------------------------------------
deps:
	$(Q)sh scripts/deps.sh build

deps-test:
	$(Q)sh scripts/deps.sh test

deps-demo:
	$(Q)sh scripts/deps.sh demo

# Build first in its own make so the tests see a finished tree.
test: deps-test
	$(Q)$(MAKE) --no-print-directory all test-progs
	$(Q)sh tests/run.sh

# Only the second kernel: Debian 12's 6.1 under qemu runs the BPF scenarios
# and the pause suite (docs/kernels.md). `make test` runs it too.
test-kernels: deps-test
	$(Q)$(MAKE) --no-print-directory all test-progs
	$(Q)sh tests/run.sh kernels
.PHONY: test-kernels

# Scenario programs the tests run: static, so they also run in a bare guest.
# Never sanitized: LeakSanitizer's check at exit runs in a task of its own,
# a process more in the trees that the scenarios count (make sanitize).
TEST_PROGS := $(patsubst tests/progs/%.c,$(OUTPUT)/tests/%,$(wildcard tests/progs/*.c))
test-progs: $(OUTPUT)/pause $(TEST_PROGS) $(OUTPUT)/tests/bpf_scenarios
NO_SAN = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(1))

$(OUTPUT)/tests/%: tests/progs/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(call NO_SAN,$(CFLAGS)) $(STATIC) -pthread $< -o $@ $(call NO_SAN,$(LDFLAGS))

$(OUTPUT)/tests:
	$(Q)mkdir -p $@

# The BPF scenario suite links the same loader as reapwatch.
$(OUTPUT)/tests/bpf_scenarios: tests/bpf/scenarios.c $(RW_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -pthread $^ -o $@ $(LDFLAGS) $(RW_LIBS)

# OCI images, offline with Podman (root): pause (FROM scratch, uid 65535) and
# reapwatch, into build/images/store and build/images/*.oci.tar. The reapwatch
# image is conditional: when build/reapwatch does not build, only pause is
# made, and make says so. See docs/pod.md.
images: $(OUTPUT)/pause
	$(Q)if $(MAKE) --no-print-directory $(OUTPUT)/reapwatch; then rw=reapwatch; else \
		echo "images: $(OUTPUT)/reapwatch does not build: skipping the reapwatch image" >&2; \
		rm -f $(OUTPUT)/images/reapwatch.oci.tar; rw=; fi; \
	OUTPUT=$(OUTPUT) VERSION=$(VERSION) sh images/build.sh pause $$rw
.PHONY: images

# Unit tests of the analysis, the formats and the readers: pure code, no BPF.
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(patsubst %,$(OUTPUT)/user/%.o,hist analysis summary record jsonl source output attrib prom vmlinux_btf \
	pidtab pcomm)
test-progs: $(OUTPUT)/tests/unit $(OUTPUT)/tests/fuzz_source
$(OUTPUT)/tests/unit: $(UNIT_SRCS) tests/unit/unit.h $(UNIT_OBJS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(UNIT_SRCS) $(UNIT_OBJS) -o $@ $(LDFLAGS) -ljson-c

# libFuzzer targets (clang, ASan, UBSan), each with a committed seed corpus:
#   make fuzz [FUZZ=source|cgroup|cli] [FUZZ_SECONDS=60]
# source: report's readers (tests/fuzz/corpus); cgroup: the cgroup-path parsers
# and cli: the command line (tests/fuzz/corpus-NAME). tests/test_fuzz.sh runs
# each briefly; docs/hardening.md has the longer runs.
FUZZ ?= source
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(patsubst %,user/%.c,hist analysis pidtab summary record jsonl source)
$(OUTPUT)/tests/fuzz_source: tests/fuzz/fuzz_source.c $(FUZZ_SRCS) $(wildcard user/*.h) | $(OUTPUT)/tests
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(WARN) -std=gnu11 -D_GNU_SOURCE -Ibpf -Iuser $< $(FUZZ_SRCS) -o $@ -ljson-c
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$(WARN) -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -Ibpf -Iuser
# cgroup_filter.c is compiled into the target (its parsers are static).
$(OUTPUT)/tests/fuzz_cgroup: tests/fuzz/fuzz_cgroup.c user/cgroup_filter.c user/attrib.c \
		$(wildcard user/*.h) | $(OUTPUT)/tests
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< user/attrib.c -o $@
# reapwatch.c is compiled into the target, the rest of reapwatch linked dynamically.
FUZZ_CLI_SRCS := $(filter-out user/pause.c user/reapwatch.c user/notls.c,$(wildcard user/*.c))
$(OUTPUT)/tests/fuzz_cli: tests/fuzz/fuzz_cli.c user/reapwatch.c $(FUZZ_CLI_SRCS) $(wildcard user/*.h) \
		$(OUTPUT)/bpf/reapwatch.skel.h | $(OUTPUT)/tests
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -I$(OUTPUT)/bpf $< $(FUZZ_CLI_SRCS) -o $@ \
		-lbpf -lelf -lz -ljson-c -lmicrohttpd -lpthread
test-progs: $(OUTPUT)/tests/fuzz_cgroup $(OUTPUT)/tests/fuzz_cli

FUZZ_CORPUS = $(if $(filter source,$(FUZZ)),tests/fuzz/corpus,tests/fuzz/corpus-$(FUZZ))
fuzz: $(OUTPUT)/tests/fuzz_$(FUZZ)
	$(Q)mkdir -p $(OUTPUT)/fuzz-corpus$(if $(filter-out source,$(FUZZ)),-$(FUZZ))
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
		$(patsubst %,-dict=%,$(wildcard tests/fuzz/$(FUZZ).dict)) \
		$(OUTPUT)/fuzz-corpus$(if $(filter-out source,$(FUZZ)),-$(FUZZ)) $(FUZZ_CORPUS)
.PHONY: fuzz

# --- lint and sanitizers (docs/hardening.md) ---------------------------------
# make lint: cppcheck and clang-tidy on every C file of user space, tests and
# bench, clang-tidy also on the BPF programs; each must report nothing. Configuration:
# .clang-tidy and .cppcheck-suppressions, each exclusion with its reason.
CPPCHECK   ?= cppcheck
CLANG_TIDY ?= clang-tidy
LINT_SRCS  := $(filter-out %.bpf.c,$(wildcard user/*.c tests/unit/*.c tests/progs/*.c tests/bpf/*.c \
	tests/fuzz/*.c bench/*.c))
LINT_FLAGS := -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -Iuser -Ibpf -Itests/unit
# BPF programs take a context they need not read (signatures fixed by the
# kernel and bpf_loop), and user pointers arrive as u64 syscall arguments.
TIDY_BPF   := --checks=-misc-unused-parameters,-performance-no-int-to-ptr -- $(filter-out \
	-Werror,$(BPF_CFLAGS))
# The generated skeleton is a system header (not ours to lint), libbpf's are
# not: the analyzer then knows that bpf_object__destroy_skeleton() may free
# what the skeleton allocated, instead of reporting a leak there.
TIDY_FLAGS := $(LINT_FLAGS) -Wall -Wextra -isystem $(OUTPUT)/bpf --no-system-header-prefix=bpf/
# bench/slots.bpf.c is built at the sizes of BENCH_SLOTS: lint one of them.
TIDY_slots.bpf := -DSLOTS=4096
TIDY_floor.bpf := -DCLOCK_READS
TIDY_STAMPS := $(patsubst %.c,$(OUTPUT)/lint/%.tidy,$(LINT_SRCS) $(wildcard bpf/*.bpf.c bench/*.bpf.c))

lint: lint-cppcheck lint-tidy
lint-cppcheck:
	$(call msg,CPPCHECK,$(words $(LINT_SRCS)) files)
	$(Q)$(CPPCHECK) --quiet --error-exitcode=1 --inline-suppr \
		--suppressions-list=.cppcheck-suppressions --std=c11 \
		--enable=warning,style,performance,portability \
		--template='{file}:{line}: {severity} ({id}): {message}' \
		$(filter-out -std=%,$(LINT_FLAGS)) $(LINT_SRCS)
lint-tidy: $(TIDY_STAMPS)
# One stamp per file, so that make -j runs them side by side; its output is
# shown only when clang-tidy finds something.
$(OUTPUT)/lint/%.tidy: %.c .clang-tidy $(wildcard user/*.h tests/unit/*.h) bpf/reapwatch.h \
		| $(OUTPUT)/bpf/reapwatch.skel.h
	$(call msg,TIDY,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG_TIDY) --quiet $< $(if $(filter %.bpf.c,$<),$(TIDY_BPF) $(TIDY_$(notdir $*)),-- \
		$(TIDY_FLAGS)) >$@.log 2>&1 || \
		{ grep -v ' generated\.$$' $@.log; exit 1; }
	$(Q)mv $@.log $@
.PHONY: lint lint-cppcheck lint-tidy

# make sanitize: the test suite under AddressSanitizer and UndefinedBehavior-
# Sanitizer, built in $(OUTPUT)/asan (tests/test_sanitize.sh; `make test` runs
# it too).
sanitize: deps-test
	$(Q)RW_SANITIZE_SUITES=all sh tests/run.sh sanitize
.PHONY: sanitize

# Benchmarks (issue 7): reapwatch and pause against their peers, ~10 min as
# root; writes docs/benchmarks.md (BENCH_QUICK=1: a smoke run, see bench/run.sh).
# The programs bench/run.sh drives are static like the test programs;
# floor.bpf.o holds empty BPF programs at reapwatch's hooks (the floor of the cost);
# floor-clock.bpf.o the same, reading the clock where a zombie's time needs it.
BENCH_PROGS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(filter-out %.bpf.c,$(wildcard bench/*.c)))
# slots-N.bpf.o: one array slot per exit in a table of N (bench/slots.bpf.c).
BENCH_SLOTS := $(patsubst %,$(OUTPUT)/bench/slots-%.bpf.o,256 4096 65536)
bench-progs: $(OUTPUT)/pause $(OUTPUT)/reapwatch $(BENCH_PROGS) $(OUTPUT)/bench/floor.bpf.o \
	$(OUTPUT)/bench/floor-clock.bpf.o $(BENCH_SLOTS)
$(OUTPUT)/bench/%: bench/%.c | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(STATIC) -pthread $< -o $@ $(LDFLAGS) $(if $(filter bpfstats,$*),-lbpf -lelf -lz)
$(OUTPUT)/bench/%.bpf.o: bench/%.bpf.c vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
$(OUTPUT)/bench/floor-clock.bpf.o: bench/floor.bpf.c vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DCLOCK_READS -c $< -o $@
$(OUTPUT)/bench/slots-%.bpf.o: bench/slots.bpf.c vmlinux/$(ARCH)/vmlinux.h | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DSLOTS=$* -c $< -o $@
$(OUTPUT)/bench:
	$(Q)mkdir -p $@
bench:
	$(Q)sh scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory all bench-progs
	$(Q)OUTPUT=$(OUTPUT) sh bench/run.sh
.PHONY: bench bench-progs

# The live demo: pause reaping orphans while reapwatch reports it.
demo: deps-demo
	$(Q)$(MAKE) --no-print-directory all $(OUTPUT)/tests/zombie_demo
	$(Q)sh scripts/demo.sh

install: all
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin
	$(Q)install -m 0755 $(wildcard $(OUTPUT)/pause $(OUTPUT)/reapwatch) $(DESTDIR)$(PREFIX)/bin/

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

.PHONY: all deps deps-test deps-demo demo test test-progs install clean
