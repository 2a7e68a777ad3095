# callsight: `make run` does the main job, `make test` passes the tests.
# Both install what they need on a fresh Debian machine (run as root, or
# with sudo available).

SHELL   := /bin/bash
GO      ?= go
BIN     := bin/callsight
PCAPS   := $(sort $(wildcard pcaps/*.pcap pcaps/*.pcapng pcaps/*.pcap.gz))
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FUZZTIME ?= 4s
export GOFLAGS := -buildvcs=false

.PHONY: all build deps run test vet unit fuzz e2e bench bench-replay corpus eval-audio clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/callsight

# Debian packages the tests use: tshark is the independent decoding oracle;
# sox, espeak-ng, flite and festival (with its English and Russian voices,
# used only in evaluation sets) make test audio.
DEBS := tshark sox espeak-ng flite festival festvox-kallpc16k festvox-us-slt-hts festvox-ru
FESTVOX := english/kal_diphone us/cmu_us_slt_arctic_hts russian/msu_ru_nsh_clunits
deps:
	@missing=""; for c in tshark sox espeak-ng flite text2wave; do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	for v in $(FESTVOX); do [ -d /usr/share/festival/voices/$$v ] || missing="$$missing festival:$${v#*/}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get update -qq && \
		echo "wireshark-common wireshark-common/install-setuid boolean false" | $(SUDO) debconf-set-selections && \
		$(SUDO) apt-get install -y -qq --no-install-recommends $(DEBS) >/dev/null; \
	fi
	@tshark --version | head -1

# The main job: replay the committed corpus (signaling and audio) into the
# embedded store (./callsight-data, chDB), score it against its truth and
# print the analysts' reports from the store.
ALLPCAPS := $(PCAPS) $(sort $(wildcard pcaps/audio/*.pcap.gz))
run: build libchdb
	$(BIN) replay --format table $(ALLPCAPS)
	$(BIN) replay --store none --quiet $(ALLPCAPS) > bin/corpus.jsonl
	cat pcaps/*.truth.jsonl pcaps/audio/*.truth.jsonl > bin/corpus.truth.jsonl
	$(BIN) eval --truth bin/corpus.truth.jsonl bin/corpus.jsonl
	$(BIN) report asr
	$(BIN) report causes
	$(BIN) report amd_mix

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

# Every test, with every real peer required: tshark, ClickHouse 18.16,
# libchdb, SIPp, tcpreplay and heplify (a missing one fails, not skips).
unit: clickhouse-deps libchdb live-deps heplify
	@mkdir -p bin
	CALLSIGHT_REQUIRE_TSHARK=1 CALLSIGHT_REQUIRE_CLICKHOUSE=1 CALLSIGHT_REQUIRE_PEERS=1 HEPLIFY=$(CURDIR)/bin/heplify \
		$(GO) test -count=1 -timeout 30m ./... 2>&1 | tee bin/unit.log; test $${PIPESTATUS[0]} -eq 0

# Every fuzz target runs briefly; crashers land in testdata/fuzz. A run that
# ends with Go's own "context deadline exceeded" when -fuzztime runs out
# (a known flake of the fuzzing coordinator, no input at fault) is reported
# and not counted as a failure; a failing input always is.
fuzz:
	@mkdir -p bin; set -e; for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
			echo "fuzz $$pkg $$t"; \
			if ! $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg > bin/fuzz.log 2>&1; then \
				if grep -q "Failing input written\|panic:" bin/fuzz.log || ! grep -q "context deadline exceeded" bin/fuzz.log; then \
					echo "FAIL fuzz $$pkg $$t"; grep -v '^fuzz: elapsed' bin/fuzz.log; exit 1; \
				fi; \
				echo "  (fuzzing stopped on Go's 'context deadline exceeded' at the time limit: no failing input)"; \
			fi; \
		done; \
	done

# End to end through the binary: the corpus reproduces its truth.
e2e: build
	$(BIN) replay --store none --quiet $(PCAPS) > bin/corpus.jsonl
	cat pcaps/*.truth.jsonl > bin/corpus.truth.jsonl
	$(BIN) eval --min-accuracy 1 --truth bin/corpus.truth.jsonl bin/corpus.jsonl

test: deps vet build unit e2e fuzz
	@echo "make test: vet, $$(grep -c '^ok' bin/unit.log) test packages, the end-to-end eval and every fuzz target passed"
	@echo "$$(grep -c '^ok' bin/unit.log) passed, 0 failed"

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Whole-command speed: a million-packet mixed capture, replayed.
bench-replay: build
	@test -f bin/bench.pcap || $(BIN) gen --bench 1000000 --out bin/bench.pcap
	/usr/bin/time -v taskset -c 0 $(BIN) replay --store none --quiet bin/bench.pcap 2>bin/bench.time > bin/bench.jsonl; grep -E 'Elapsed|Maximum resident' bin/bench.time
	$(BIN) replay --store none --quiet --no-audio bin/bench.pcap > bin/bench.signaling.jsonl
	$(BIN) eval --truth bin/bench.pcap.truth.jsonl bin/bench.signaling.jsonl | head -3

corpus:
	$(GO) run ./cmd/callsight gen --out pcaps

# The audio evaluation set: 400 generated calls (real prompts from
# ../shared/corpus mixed in when it is there), replayed and scored with our
# detector, then replayed again with Asterisk AMD()'s rules (--amd asterisk)
# and scored on the same calls, for comparison.
AUDIO_EVAL := bin/audio-eval
eval-audio: build
	rm -rf $(AUDIO_EVAL) && mkdir -p $(AUDIO_EVAL)
	$(BIN) gen --audio 400 --shared ../shared/corpus --out $(AUDIO_EVAL) >/dev/null
	$(BIN) replay --store none --quiet $(AUDIO_EVAL)/*.pcap* > $(AUDIO_EVAL)/out.jsonl
	$(BIN) replay --store none --quiet --amd asterisk $(AUDIO_EVAL)/*.pcap* > $(AUDIO_EVAL)/asterisk.jsonl
	cat $(AUDIO_EVAL)/*.truth.jsonl > $(AUDIO_EVAL)/truth.jsonl
	@echo "== callsight's detector =="
	$(BIN) eval --truth $(AUDIO_EVAL)/truth.jsonl $(AUDIO_EVAL)/out.jsonl
	@echo "== Asterisk AMD() (amd.conf defaults), same calls =="
	$(BIN) eval --truth $(AUDIO_EVAL)/truth.jsonl $(AUDIO_EVAL)/asterisk.jsonl

clean:
	rm -rf bin

-include mk/analytics.mk
-include mk/live.mk
-include mk/load.mk
