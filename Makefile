# xfp - top-level Makefile, the one entry point.
#
#   make            build everything into $(O)/ (default build/)
#   make check      install missing packages, build, run every test tier
#   make demo       install missing packages, build, run the demo
#   make help       list the targets
#
# V=1 shows the commands.  CC=clang builds userspace with clang.

.DELETE_ON_ERROR:
.SUFFIXES:
# Skeletons and objects are intermediate files of pattern chains; keep them.
.SECONDARY:
.DEFAULT_GOAL := all

O       ?= build
CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
CLANG   ?= clang
BPFTOOL ?= bpftool
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/sbin
DOCDIR  ?= $(PREFIX)/share/doc/xfp

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || gcc -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
XCFLAGS   := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I. -I$(O) -MMD -MP \
	     -DXFP_VERSION='"$(VERSION)"'
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all
LIBS      := -lsodium -lcrypto -lpthread
BPF_LIBS  := -lxdp -lbpf -lelf -lz
BPFCFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	     -Wno-unused-function -I. -idirafter /usr/include/$(MULTIARCH) -MMD -MP

# ---------------------------------------------------------------- sources
BPF_SRCS    := $(wildcard bpf/*.bpf.c bench/*.bpf.c)
BPF_OBJS    := $(BPF_SRCS:%.bpf.c=$(O)/%.bpf.o)
SKELS       := $(BPF_SRCS:%.bpf.c=$(O)/%.skel.h)
LIB_SRCS    := $(wildcard policy/*.c crypto/*.c)
LIB_OBJS    := $(LIB_SRCS:%.c=$(O)/%.o)
ASAN_OBJS   := $(LIB_SRCS:%.c=$(O)/asan/%.o)
LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(LOADER_SRCS:%.c=$(O)/%.o)

UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_HELP   := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_BINS   := $(UNIT_SRCS:%.c=$(O)/%)
UNIT_HOBJS  := $(UNIT_HELP:%.c=$(O)/asan/%.o)
BPFT_SRCS   := $(wildcard tests/bpf/test_*.c)
BPFT_BINS   := $(BPFT_SRCS:%.c=$(O)/%)
BPFT_HOBJS  := $(O)/tests/bpf/harness.o
BENCH_SRCS  := $(wildcard bench/bench_*.c)
BENCH_BINS  := $(BENCH_SRCS:%.c=$(O)/%) $(O)/bench/xfp-gen $(O)/bench/xfp-baseline
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(FUZZ_SRCS:%.c=$(O)/%)

XFP     := $(O)/xfp
# The library objects are linked directly (no archive: policy/ and crypto/
# may hold files with the same name, which an archive would conflate).
LIBXFP  := $(LIB_OBJS)
ASANLIB := $(ASAN_OBJS)

# ---------------------------------------------------------------- packages
DEB_PKGS := clang llvm libbpf-dev libxdp-dev bpftool libsodium-dev libssl-dev \
	    libcmocka-dev libelf-dev zlib1g-dev pkg-config iproute2 \
	    python3-scapy python3-cryptography tshark tcpdump iputils-ping \
	    iperf3 procps util-linux clang-format libclang-rt-14-dev
DEPS_STAMP := $(O)/.deps-stamp

.PHONY: all deps check check-unit check-bpf check-netns demo bench fuzz \
	fuzz-long install uninstall clean help format format-check tests \
	bench-bins

all: $(XFP) $(BPF_OBJS) tests bench-bins

tests: $(UNIT_BINS) $(BPFT_BINS)
bench-bins: $(BENCH_BINS)

# `make deps` asks dpkg what is missing and installs only that; the stamp
# (newer than this Makefile) makes the check instant afterwards.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	$(Q)missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
			|| missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "  DEPS    installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: must run as root to install:$$missing" >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq >/dev/null && \
		apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
			|| { echo "make deps: apt-get install failed for:$$missing" >&2; exit 1; }; \
	fi
	$(Q)mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- BPF
$(O)/%.bpf.o: %.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPFCFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $(@:.o=.tmp.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.o=.tmp.o)
	$(Q)rm -f $(@:.o=.tmp.o)

$(O)/%.skel.h: $(O)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@

# ---------------------------------------------------------------- userspace
$(O)/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XCFLAGS) -c $< -o $@

$(O)/asan/%.o: %.c | $(SKELS)
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(XCFLAGS) $(SANFLAGS) -c $< -o $@

$(XFP): $(LOADER_OBJS) $(LIBXFP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(LOADER_OBJS) $(LIBXFP) $(BPF_LIBS) $(LIBS)

$(O)/tests/unit/%: $(O)/asan/tests/unit/%.o $(UNIT_HOBJS) $(ASANLIB)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(UNIT_HOBJS) $(ASANLIB) -lcmocka $(LIBS)

$(O)/tests/bpf/%: $(O)/asan/tests/bpf/%.o $(O)/asan/tests/bpf/harness.o $(ASANLIB) $(BPF_OBJS)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $< $(O)/asan/tests/bpf/harness.o $(ASANLIB) $(BPF_LIBS) $(LIBS)

$(O)/bench/xfp-gen: $(O)/bench/gen.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BPF_LIBS)

$(O)/bench/xfp-baseline: $(O)/bench/baseline.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BPF_LIBS)

$(O)/bench/%: $(O)/bench/%.o $(LIBXFP)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBXFP) $(BPF_LIBS) $(LIBS)

# ---------------------------------------------------------------- fuzzing
FUZZ_BASE  := -g -O1 -std=gnu11 -D_GNU_SOURCE -I. -I$(O) -fno-sanitize-recover=all
FUZZ_FLAGS := $(FUZZ_BASE) -fsanitize=fuzzer,address,undefined
FUZZ_OBJFLAGS := $(FUZZ_BASE) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_SECONDS ?= 60
# Library objects are compiled once with fuzzer instrumentation and linked
# into every harness.
FUZZ_OBJS := $(LIB_SRCS:%.c=$(O)/fuzzobj/%.o)
$(O)/fuzzobj/%.o: %.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_OBJFLAGS) -MMD -MP -c $< -o $@

$(O)/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJS) $(LIBS) $(FUZZ_LDLIBS)

# fuzz_bpf_xdp runs the real XDP program (its skeleton embeds the object).
$(O)/tests/fuzz/fuzz_bpf_xdp: $(O)/bpf/xfp_xdp.skel.h
$(O)/tests/fuzz/fuzz_bpf_xdp: FUZZ_LDLIBS := $(BPF_LIBS)

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-long: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh 3600 $(FUZZ_BINS)

# ---------------------------------------------------------------- tests
# Each of these installs what is missing first, then builds, then runs.
check:
	$(Q)$(MAKE) -s --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)XFP_BUILD=$(O) tests/run.sh unit bpf netns

check-unit check-bpf check-netns:
	$(Q)$(MAKE) -s --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)XFP_BUILD=$(O) tests/run.sh $(@:check-%=%)

demo:
	$(Q)$(MAKE) -s --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)XFP_BUILD=$(O) tests/demo.sh

bench:
	$(Q)$(MAKE) -s --no-print-directory deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)XFP_BUILD=$(O) bench/run.sh

# ---------------------------------------------------------------- misc
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)
format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "format-check: clean"

install: $(XFP)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(XFP) $(DESTDIR)$(BINDIR)/xfp
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xfp
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(O)

help:
	@echo 'xfp build targets:'
	@echo '  all (default)  build the xfp binary, BPF objects, tests and benchmarks into $(O)/'
	@echo '  deps           install missing Debian packages (needs root; instant when nothing is missing)'
	@echo '  check          deps + build + run every test tier; ends with "N passed, N failed"'
	@echo '  check-unit     only the cmocka unit tier (ASan+UBSan)'
	@echo '  check-bpf      only the BPF_PROG_TEST_RUN tier'
	@echo '  check-netns    only the network-namespace integration tier'
	@echo '  demo           deps + build + run the demo in network namespaces'
	@echo '  bench          deps + build + run the benchmarks (prints a table, writes JSON)'
	@echo '  fuzz           build libFuzzer harnesses and run each for FUZZ_SECONDS (default 60), two at a time'
	@echo '  fuzz-long      run each harness for an hour'
	@echo '  install        install xfp into $$(DESTDIR)$$(PREFIX) (PREFIX=$(PREFIX))'
	@echo '  format         clang-format the tree in place; format-check only reports'
	@echo '  clean          remove $(O)/'
	@echo 'Variables: O=DIR (output folder), V=1 (show commands), CC=clang, PREFIX, DESTDIR'

-include $(shell find $(O) -name '*.d' 2>/dev/null)
