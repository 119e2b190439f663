# linkkeeper — build, test, install.
#
#   make            build ./linkkeeper (objects under build/)
#   make run        install missing packages, build, check examples/
#   make test       install missing packages, run unit + integration tests,
#                   then the same suite under ASan+UBSan
#   make bench      the benchmark (scripts/bench.sh), not part of make test
#   make fuzz       libFuzzer harnesses (tests/fuzz/), FUZZ_SECONDS (30) each
#   make install    PREFIX (default /usr/local) and DESTDIR honoured

PREFIX  ?= /usr/local
DESTDIR ?=
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC      ?= cc
PKGS    := libcurl sqlite3 zlib libarchive gumbo libcmark libcrypto

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wformat=2 -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) -Iinclude $(CFLAGS) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

BUILD   ?= build
BIN     ?= linkkeeper
SRCS    := $(sort $(wildcard src/*.c src/*/*.c))
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/src/main.o,$(OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# make fuzz: clang's libFuzzer; the project's objects in build-fuzz/ with
# coverage instrumentation (fuzzer-no-link), each harness linked to them.
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
                -fsanitize=fuzzer-no-link,address,undefined
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_ARGS    = -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=1048576

.PHONY: all deps test-deps run test unit integration check-san asan tsan test-report-html \
        report-demo bench install uninstall clean format lint fuzz fuzz-build

all: $(BIN)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LIBS) $(LDFLAGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIBOBJS)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(LIBOBJS) $(LIBS) \
	    $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(LIBOBJS) $(LIBS) $(TEST_LIBS) $(LDFLAGS)

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)

# Install what the build and the tests need, only when something is missing.
deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

# What only the tests need: Chromium, the pinned npm packages.
test-deps: deps
	@scripts/install-deps --test --check >/dev/null 2>&1 || scripts/install-deps --test
	@scripts/js-deps

# The main job on the bundled digest. Its hosts are answered by a stand-in
# on 127.0.0.1 (scripts/demo); LIVE=1 checks the real hosts instead.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo $(if $(LIVE),--live)

unit: $(UNIT_BINS)
	@scripts/run-tests unit $(UNIT_BINS)

integration: $(BIN)
	@scripts/run-tests integration ./$(BIN)

# The whole suite again, built with AddressSanitizer and UBSan in build-san/.
check-san:
	@$(MAKE) --no-print-directory BUILD=build-san BIN=build-san/linkkeeper \
	    CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" unit integration

asan: check-san

# Each harness for FUZZ_SECONDS on a scratch copy of its seeds
# (build-fuzz/corpus/NAME, kept between runs so coverage accumulates); crash
# inputs land in build-fuzz/ as NAME-crash-* (leak-*, timeout-*…). Runs every harness, then fails
# if any found something.
fuzz:
	@scripts/install-deps --fuzz --check >/dev/null 2>&1 || scripts/install-deps --fuzz
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
	    fuzz-build
	@failed=""; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	    seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=tests/fixtures/$$n; \
	    cp $$seeds/* $(FUZZ_BUILD)/corpus/$$n/; \
	    echo "  FUZZ    $$n ($(FUZZ_SECONDS) s, log in $(FUZZ_BUILD)/fuzz_$$n.log)"; \
	    log=$(FUZZ_BUILD)/fuzz_$$n.log; \
	    if $(FUZZ_BUILD)/fuzz_$$n $(FUZZ_ARGS) -artifact_prefix=$(FUZZ_BUILD)/$$n- \
	        $(FUZZ_BUILD)/corpus/$$n >$$log 2>&1; then \
	        grep -E '^(#[0-9]+[[:space:]]+DONE|Done )' $$log | sed 's/^/          /'; \
	    else \
	        tail -n 40 $$log; failed="$$failed $$n"; \
	    fi; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failed:$$failed" >&2; exit 1; fi

fuzz-build: $(FUZZ_NAMES:%=$(BUILD)/fuzz_%)

# The HTML report opened in headless Chromium.
test-report-html: $(BIN)
	@LINKKEEPER=./$(BIN) tests/report/run

report-demo: all
	scripts/report-demo

# The threaded code (network, history writer, archiver, indexer) under
# ThreadSanitizer. Not part of make test: it is slow and needs its own build.
tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan BIN=build-tsan/linkkeeper \
	    CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" unit integration

test: test-deps
	@$(MAKE) --no-print-directory all unit integration test-report-html
	@$(MAKE) --no-print-directory check-san

bench: deps all
	scripts/bench.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/linkkeeper
	install -m 644 linkkeeper.1 $(DESTDIR)$(MANDIR)/man1/linkkeeper.1
	install -m 644 completions/linkkeeper.bash $(DESTDIR)$(BASHCOMPDIR)/linkkeeper

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/linkkeeper $(DESTDIR)$(MANDIR)/man1/linkkeeper.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/linkkeeper

format:
	clang-format -i src/*.c src/*/*.c include/linkkeeper/*.h tests/unit/*.c

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	    -Iinclude src
	groff -man -ww -z linkkeeper.1

clean:
	rm -rf build build-san build-tsan $(FUZZ_BUILD) $(BIN)
