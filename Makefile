# The octavia charm in Go. `make help` lists the targets.
GO      ?= go
DISPATCH = build/dispatch
CHARM    = octavia.charm

.PHONY: help build charm test vet functional clean

help:
	@echo "make charm       build $(CHARM) (Go only, no charmcraft)"
	@echo "make test        unit tests (no root, no network)"
	@echo "make functional  the charm deployed on real MariaDB, RabbitMQ, Keystone and Octavia (root)"
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

functional: $(DISPATCH)
	$(GO) test -tags functional -count=1 -v -timeout 40m ./test/functional/...

clean:
	rm -rf build $(CHARM)

FORCE:
