# The octavia charm in Go. `make help` lists the targets.
GO      ?= go
DISPATCH = build/dispatch
CHARM    = octavia.charm

.PHONY: help build charm test check vet functional conformance demo demo-stop clean

help:
	@echo "make charm       build $(CHARM) (Go only, no charmcraft)"
	@echo "make check       every test: unit, then (as root) functional with the tempest subset"
	@echo "make test        unit tests alone (no root, no network)"
	@echo "make demo        deploy Octavia on this machine through the charm, with a sample load balancer (root)"
	@echo "make demo-stop   stop what the demo started (keeps its data)"
	@echo "make functional  the charm deployed on real MariaDB, RabbitMQ, Keystone, Neutron, OVS and Octavia, with a tempest subset (root)"
	@echo "make conformance octavia-tempest-plugin API tests, the full set (~30 min, root)"
	@echo "make clean       remove build output"

build: $(DISPATCH)

# A static binary: it runs on every Ubuntu base the manifest lists.
$(DISPATCH): FORCE
	@mkdir -p build
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(DISPATCH) ./cmd/octavia

charm: $(DISPATCH)
	$(GO) run ./cmd/charmpack -src charms/octavia -dispatch $(DISPATCH) -out $(CHARM)

test:
	$(GO) vet ./...
	$(GO) test ./...

# The whole suite: the unit level, and as root the functional level (real
# services, with the conformance subset). This is what CI runs.
check: test
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) functional; else echo "make check: the functional level needs root; ran the unit tests only"; exit 1; fi

# The bed first: internal/cloud and internal/hostnet test against its real
# Keystone, Neutron, Nova, Glance and Open vSwitch. -p 1: the packages share
# the machine's services, one at a time.
functional: $(DISPATCH)
	test/bed/bed.sh up
	$(GO) test -tags functional -p 1 -count=1 -v -timeout 50m ./internal/cloud/ ./internal/hostnet/ ./test/functional/...

# Tools of the local demo and the functional tests.
build/jujuc-emulator build/provider build/octavia-demo: FORCE
	@mkdir -p build
	$(GO) build -o build/jujuc-emulator ./cmd/jujuc-emulator
	$(GO) build -o build/provider ./test/bed/provider
	$(GO) build -o build/octavia-demo ./cmd/octavia-demo

demo: charm build/octavia-demo
	build/octavia-demo up

demo-stop: build/octavia-demo
	build/octavia-demo down

# The full octavia-tempest-plugin API set (load balancer, listener, pool,
# member, health monitor); `make functional` runs a stated subset of it.
conformance: $(DISPATCH)
	OCTAVIA_CONFORMANCE=$${OCTAVIA_CONFORMANCE:-full} $(GO) test -tags functional -count=1 -v -timeout 60m -run '^TestConformance$$' ./test/functional/

clean:
	rm -rf build $(CHARM)

FORCE:
