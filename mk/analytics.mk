# Analytics: the ClickHouse server (Debian package) and the embedded chDB
# library. Included by the Makefile; `make run` and `make test` depend on
# `libchdb`, `make test` also on `clickhouse-deps`.

# Where libchdb.so goes. callsight looks here too (see analytics/chdb.go),
# so no CHDB_LIB_PATH is needed after `make libchdb`.
LIBCHDB_DIR ?= $(HOME)/.cache/callsight
LIBCHDB     := $(LIBCHDB_DIR)/libchdb.so
LIBCHDB_PKG ?= @chdb/lib-linux-x64-gnu

.PHONY: clickhouse-deps libchdb analytics-test analytics-bench

# Debian's clickhouse-server (18.16 on bookworm) and its client, and
# ZooKeeper for the cluster test. The tests
# start their own server on a free port, so the package's service is kept
# from starting during the install (policy-rc.d) and is not needed after.
clickhouse-deps:
	@if ! command -v clickhouse-server >/dev/null 2>&1 && ! command -v clickhouse >/dev/null 2>&1; then \
		echo "installing clickhouse-server clickhouse-client (Debian)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		rc=/usr/sbin/policy-rc.d; made=0; \
		if [ ! -e $$rc ]; then printf '#!/bin/sh\nexit 101\n' | $(SUDO) tee $$rc >/dev/null && $(SUDO) chmod +x $$rc && made=1; fi; \
		( $(SUDO) apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null 2>&1 || \
		  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends clickhouse-server clickhouse-client >/dev/null; } ); st=$$?; \
		[ $$made = 1 ] && $(SUDO) rm -f $$rc; \
		exit $$st; \
	fi
	@(clickhouse-server --version 2>/dev/null || clickhouse server --version 2>/dev/null) | head -1
	@# ZooKeeper (its library and a Java runtime) for the cluster test: 18.16
	@# replicates tables and runs ON CLUSTER DDL through it.
	@if [ ! -e /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null 2>&1; then \
		echo "installing libzookeeper-java default-jre-headless (Debian)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y -qq --no-install-recommends libzookeeper-java default-jre-headless >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends libzookeeper-java default-jre-headless >/dev/null; }; \
	fi

# libchdb.so from the npm package, extracted once (idempotent).
libchdb: $(LIBCHDB)

$(LIBCHDB):
	@mkdir -p $(LIBCHDB_DIR)
	@command -v npm >/dev/null 2>&1 || { echo "installing npm (Debian)"; export DEBIAN_FRONTEND=noninteractive; $(SUDO) apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
		cd $$tmp && npm pack --silent $(LIBCHDB_PKG) >/dev/null && \
		tar -xzf *.tgz package/libchdb.so && \
		mv package/libchdb.so $(LIBCHDB).tmp && mv $(LIBCHDB).tmp $(LIBCHDB)
	@echo "libchdb: $(LIBCHDB) ($$(du -h $(LIBCHDB) | cut -f1))"

# The analytics tests against real servers: fail instead of skipping.
analytics-test: clickhouse-deps libchdb
	CALLSIGHT_REQUIRE_CLICKHOUSE=1 $(GO) test -count=1 ./analytics/...

# Write benchmarks insert 1M synthetic calls from one Writer and report
# rows/s (CALLSIGHT_BENCH_ROWS=N for another count; the Mix ones with
# their signaling events, as replay writes them: all-rows/s); the report benchmark
# fills chDB with 10M calls and times each report.
analytics-bench: clickhouse-deps libchdb
	CALLSIGHT_REQUIRE_CLICKHOUSE=1 $(GO) test -run='^$$' -bench=. -benchtime=1x -timeout=30m ./analytics/
