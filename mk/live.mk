# Live sources: the peers their tests run against. Included by the Makefile.
#   live-deps   Debian packages: SIPp (SIPREC client), tcpreplay (veth capture
#               test), iproute2, and libpcap / LuaJIT headers to build heplify.
#   heplify     the Homer project's HEP agent, built in a throw-away module
#               outside the repo (it is a test tool, not a callsight
#               dependency; `go install ...@version` fails here because the
#               module proxy refuses version lists). Idempotent.
#   live-test   the live-source tests with every peer required
#               (CALLSIGHT_REQUIRE_PEERS=1: a missing peer fails, not skips).

HEPLIFY_VERSION ?= v1.67.1
HEPLIFY         := bin/heplify
HEPLIFY_BUILD   ?= $(or $(TMPDIR),/tmp)/callsight-heplify
LIVE_DEBS       := sip-tester tcpreplay libpcap-dev libluajit-5.1-dev iproute2

.PHONY: live-deps heplify live-test

live-deps:
	@missing=""; \
	for p in $(LIVE_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

heplify: $(HEPLIFY)

$(HEPLIFY): | live-deps
	@mkdir -p bin $(HEPLIFY_BUILD)
	cd $(HEPLIFY_BUILD) && { [ -f go.mod ] || GOFLAGS= $(GO) mod init x >/dev/null 2>&1; } && \
		GOFLAGS= $(GO) get github.com/sipcapture/heplify@$(HEPLIFY_VERSION) && \
		GOFLAGS= $(GO) build -o $(CURDIR)/$(HEPLIFY) github.com/sipcapture/heplify
	@echo "built $(HEPLIFY) ($(HEPLIFY_VERSION))"

live-test: live-deps heplify
	CALLSIGHT_REQUIRE_PEERS=1 HEPLIFY=$(CURDIR)/$(HEPLIFY) $(GO) test -count=1 \
		-run 'HEP|Heplify|Follow|Live|OpenLive' ./internal/capture
	CALLSIGHT_REQUIRE_PEERS=1 $(GO) test -count=1 -run 'ASP|AppendDATA' ./signaling/m3ua
	CALLSIGHT_REQUIRE_PEERS=1 $(GO) test -count=1 ./signaling/sip/siprec
