# The load run of issue 5 (not part of `make test`): serve, as its own
# process, gets 5,000 live SIP calls with G.711 audio over HEP/TCP on
# loopback while an open-loop client asks 10,000 verdict queries/s
# (GET /v1/calls/{id}, /verdict?wait=0, 4 SSE streams). It prints query
# p50/p95/p99/max, achieved q/s, engine queue drops, payloads, verdicts
# and serve's CPU use. Knobs: LOAD_CALLS, LOAD_QPS, LOAD_SECONDS; set
# LOAD_MAX_P99=5ms to make a miss fail; LOAD_PROFILE=DIR saves serve's
# CPU profile of the measured window and its allocations there
# (serve.cpu.pprof, serve.allocs.pprof: `go tool pprof -top bin/callsight
# DIR/serve.cpu.pprof`; the window's allocations alone: `go tool pprof
# -base DIR/serve.allocs0.pprof bin/callsight DIR/serve.allocs.pprof`).
# The API benchmark alone:
# `go test -run '^$' -bench VerdictQueries ./callctl`.
LOAD_CALLS   ?= 5000
LOAD_QPS     ?= 10000
LOAD_SECONDS ?= 20
LOAD_MAX_P99 ?=
LOAD_PROFILE ?=

.PHONY: load load-api
load: build
	set -o pipefail; CALLSIGHT_LOAD=1 CALLSIGHT_LOAD_BIN=$(CURDIR)/$(BIN) CALLSIGHT_LOAD_CALLS=$(LOAD_CALLS) \
		CALLSIGHT_LOAD_QPS=$(LOAD_QPS) CALLSIGHT_LOAD_SECONDS=$(LOAD_SECONDS) CALLSIGHT_LOAD_MAX_P99=$(LOAD_MAX_P99) \
		CALLSIGHT_LOAD_PROFILE=$(LOAD_PROFILE) \
		$(GO) test -count=1 -timeout 5m -run '^TestLoadServe$$' -v ./cmd/callsight | grep -E 'load_test|^(--- |ok|FAIL|PASS)'

load-api:
	$(GO) test -run '^$$' -bench 'VerdictQueries' -benchtime 100000x ./callctl
	$(GO) test -run '^$$' -bench 'PublishToWire' -benchtime 2000x ./callctl
