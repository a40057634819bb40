# gohost: Go (GOOS=js GOARCH=wasm) browser host for Linux/Wasm.
#
#   make serve   build the page's wasm binaries and serve the page
#   make test    everything CI runs (installs Chromium & co. first when root)
#
# Only Go is needed for `make serve`; xterm.js is vendored in www/vendor/.

GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
JSENV     := GOOS=js GOARCH=wasm
WASMFLAGS := -trimpath -ldflags='-s -w'
CACHE     := .cache

KERNEL      ?= kernel/vmlinux.wasm
INITRD      ?= kernel/initramfs.cpio.gz
ADDR        ?= 127.0.0.1:8000
SERVE_FLAGS ?= -addr $(ADDR) -kernel $(KERNEL) -initrd $(INITRD)

# A count, not a duration: Go 1.26's fuzz coordinator can fail a target with a
# bare "context deadline exceeded" when a -fuzztime duration ends while a
# starved worker is mid-call (golang/go#75804, fixed in 1.27); CI hit it.
FUZZTIME ?= 20000x
# -race needs cgo and a C compiler.
RACE := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

# Debian packages the tests need: Chromium and Firefox ESR for the e2e
# tests, clang/lld 19 for the conformance kernel, Node.js to run GOOS=js
# unit tests.
APT_PACKAGES := chromium firefox-esr clang-19 lld-19 nodejs
CHROMIUM     ?= /usr/bin/chromium
FIREFOX      ?= /usr/bin/firefox-esr

.PHONY: all build serve test deps vet test-native test-js conformance e2e fuzz bench lint jsguard vendor clean gofmt-check screenshot

all: build

## build: the GOOS=js wasm binaries and the wasm_exec.js of the Go that built them
build:
	$(JSENV) $(GO) build $(WASMFLAGS) -o www/gohost.wasm ./cmd/gohost
	$(JSENV) $(GO) build $(WASMFLAGS) -o www/gohost-worker.wasm ./cmd/gohost-worker
	cp "$(GOROOT)/lib/wasm/wasm_exec.js" www/wasm_exec.js

## serve: build, then serve the page (KERNEL=... INITRD=... ADDR=... to override)
serve: build
	$(GO) run ./cmd/serve $(SERVE_FLAGS)

## test: vet, unit tests (native with -race, GOOS=js), conformance, e2e, a short fuzz pass
test: deps vet test-native test-js conformance-check e2e fuzz

## deps: install what the tests need (as root on Debian), or say what to run
deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	[ -x "$(FIREFOX)" ] || missing="$$missing firefox-esr"; \
	command -v clang-19 >/dev/null 2>&1 || missing="$$missing clang-19"; \
	command -v wasm-ld-19 >/dev/null 2>&1 || command -v ld.lld-19 >/dev/null 2>&1 || missing="$$missing lld-19"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "deps: installing$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -q && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "deps: missing$$missing; run:  sudo apt-get install -y$$missing" >&2; exit 1; \
		fi; \
	fi

vet:
	$(GO) vet ./...
	$(JSENV) $(GO) vet $$($(JSENV) $(GO) list -e -f '{{if .GoFiles}}{{.ImportPath}}{{end}}' ./...)

## test-native: unit tests of the host side, with the race detector where available
test-native:
	$(GO) test $(RACE) $$($(GO) list ./... | grep -v '/e2e')

## test-js: GOOS=js unit tests of packages that have js/wasm-only test files
# (*_js_test.go, *_wasm_test.go or //go:build js), run in
# headless Chromium by cmd/wasmtest (cross-origin isolated page: SharedArrayBuffer,
# wasm threads, Workers). JS_EXEC=$(GOROOT)/lib/wasm/go_js_wasm_exec uses Node.js.
JS_EXEC ?= $(CURDIR)/$(CACHE)/bin/wasmtest
test-js: $(CACHE)/bin/wasmtest
	@pkgs=$$($(JSENV) $(GO) list -e -f '{{$$d := .Dir}}{{range .TestGoFiles}}{{$$.ImportPath}} {{$$d}}/{{.}}{{"\n"}}{{end}}{{range .XTestGoFiles}}{{$$.ImportPath}} {{$$d}}/{{.}}{{"\n"}}{{end}}' ./... \
		| while read -r pkg file; do \
			case "$$file" in *_js_test.go|*_wasm_test.go) echo "$$pkg";; *) grep -qE '^//go:build .*\<js\>' "$$file" && echo "$$pkg";; esac; \
		done | sort -u | grep -v '/e2e' || true); \
	if [ -z "$$pkgs" ]; then echo "test-js: no packages with js/wasm tests"; exit 0; fi; \
	echo $(JSENV) $(GO) test -timeout 10m -exec="$(JS_EXEC)" $$pkgs; \
	CHROMIUM=$(CHROMIUM) $(JSENV) $(GO) test -timeout 10m -exec="$(JS_EXEC)" $$pkgs

.PHONY: $(CACHE)/bin/wasmtest
$(CACHE)/bin/wasmtest:
	$(GO) build -o $@ ./cmd/wasmtest

## conformance: build/check the conformance kernel (e2e/conformance/Makefile)
conformance:
	@if [ -f e2e/conformance/Makefile ]; then $(MAKE) -C e2e/conformance; \
	else echo "conformance: e2e/conformance/Makefile not there yet, skipped"; fi

## conformance-check: rebuild the conformance kernel into a temporary
# directory and fail if the committed artifacts differ (make conformance
# refreshes them)
.PHONY: conformance-check
conformance-check:
	$(GO) test -count=1 ./e2e/conformance/

## e2e: browser tests (headless Chromium via chromedp; TestFirefox in
# headless Firefox ESR via WebDriver BiDi)
e2e: build
	CHROMIUM=$(CHROMIUM) FIREFOX=$(FIREFOX) $(GO) test -count=1 -timeout 20m ./e2e/...

## soak: long browser run of the conformance kernel (not part of make test):
# SOAK_MODE=reboot (default): conf=all boots via gohost.reboot() with console input echo, SOAK=15m
# SOAK_MODE=churn: the realboot shell typed `echo itN; ls | wc` every SOAK_GAP (default 20s);
#   fails on any line not answered within 10 s, printing gohost.debugState() and the console tail;
#   the kernel's first fault report (RCU stall, lockup, oops) is logged when it appears, every
#   worker's stack then written to E2E_ARTIFACTS (default /tmp/gohost-e2e; internal/stackdump), and the count printed at the end
SOAK ?= 15m
SOAK_ALLOW ?=
SOAK_MODE ?= reboot
SOAK_GAP ?= 20s
.PHONY: soak
soak: build
	GOHOST_SOAK=$(SOAK) GOHOST_SOAK_ALLOW='$(SOAK_ALLOW)' GOHOST_SOAK_MODE=$(SOAK_MODE) GOHOST_SOAK_GAP=$(SOAK_GAP) CHROMIUM=$(CHROMIUM) \
		$(GO) test -count=1 -timeout 0 -run '$(if $(filter churn,$(SOAK_MODE)),^TestSoakChurn$$,^TestSoak$$)' -v ./e2e

## fuzz: run every native Fuzz target briefly from its seed corpus (FUZZTIME=20000x executions)
fuzz:
	@set -e; for pkg in $$($(GO) list ./... | grep -v '/e2e'); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$(cat $$($(GO) list -f '{{range .TestGoFiles}}{{$$.Dir}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$$.Dir}}/{{.}} {{end}}' $$pkg) /dev/null \
			| sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p'); do \
			echo "fuzz: $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

## bench: headless-Chromium benchmarks over the conformance kernel and the page
# (cmd/bench/README.md): table on stdout, cmd/bench/results.json. BENCH_FLAGS="-n 3" etc.;
# BENCH_FLAGS="-browser both" (or firefox): the boot figures in Chromium and Firefox ESR
bench: build
	CHROMIUM=$(CHROMIUM) FIREFOX=$(FIREFOX) $(GO) run ./cmd/bench $(BENCH_FLAGS)

## screenshot: docs/screenshot.png, the README's picture: the page running the
# host self-test in headless Chromium (cmd/screenshot)
screenshot: build
	CHROMIUM=$(CHROMIUM) $(GO) run ./cmd/screenshot -o docs/screenshot.png

## lint: gofmt, go vet (native and js), jsguard on the GOOS=js packages
lint: gofmt-check vet jsguard

gofmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# jsguard (github.com/hack-pad/safejs/jsguard/cmd/jsguard) reports syscall/js
# calls that can panic; built natively from tools/go.mod, run with GOOS=js.
# The calls it reported when this check was added are listed, per file and
# call, in tools/jsguard.baseline: each runs under a recover (guard() on the
# main thread, recoverTo in worker exports), and the worker may not use safejs
# (it must stay lean). lint fails on any call not in the baseline, so the list
# can only shrink; JSGUARD_UPDATE=1 rewrites it.
jsguard: $(CACHE)/bin/jsguard
	@out=$(CACHE)/jsguard.txt; \
	$(JSENV) $(CACHE)/bin/jsguard -test=false $$($(JSENV) $(GO) list -e -f '{{if .GoFiles}}{{.ImportPath}}{{end}}' ./... | grep -v '/e2e') >$$out.raw 2>&1; \
	rc=$$?; if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then cat $$out.raw; echo "jsguard failed (exit $$rc)"; exit 1; fi; \
	sed -n 's|^$(CURDIR)/\([^:]*\):[0-9]*:[0-9]*: |\1: |p' $$out.raw | LC_ALL=C sort >$$out; \
	if [ -n "$(JSGUARD_UPDATE)" ]; then cp $$out tools/jsguard.baseline; fi; \
	echo "jsguard: $$(wc -l <$$out) calls reported, $$(wc -l <tools/jsguard.baseline) in tools/jsguard.baseline"; \
	gone=$$(LC_ALL=C comm -23 tools/jsguard.baseline $$out); \
	if [ -n "$$gone" ]; then echo "no longer reported (drop them from the baseline):"; echo "$$gone"; fi; \
	new=$$(LC_ALL=C comm -13 tools/jsguard.baseline $$out); \
	if [ -n "$$new" ]; then echo "not in the baseline (use safejs, or recover and justify):"; echo "$$new"; exit 1; fi

$(CACHE)/bin/jsguard: tools/go.mod tools/go.sum
	cd tools && GOOS= GOARCH= $(GO) build -o ../$@ github.com/hack-pad/safejs/jsguard/cmd/jsguard

## vendor: refresh www/vendor/xterm from the npm registry (package-lock.json)
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p www/vendor/xterm
	cp node_modules/@xterm/xterm/lib/xterm.js node_modules/@xterm/xterm/css/xterm.css www/vendor/xterm/
	cp node_modules/@xterm/addon-fit/lib/addon-fit.js www/vendor/xterm/
	cp node_modules/@xterm/xterm/LICENSE www/vendor/xterm/LICENSE
	cp node_modules/@xterm/addon-fit/LICENSE www/vendor/xterm/LICENSE.addon-fit

clean:
	rm -f www/gohost.wasm www/gohost-worker.wasm www/wasm_exec.js
	rm -rf $(CACHE) node_modules
	@if [ -f e2e/conformance/Makefile ]; then $(MAKE) -C e2e/conformance clean || true; fi
