//go:build !js

// Package e2e holds the browser tests: one headless Chromium per package
// (started in TestMain), the dev server's handler in-process on a random
// loopback port, one tab and one deadline per test.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/e2e/refhost"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
)

var (
	// baseURL is the dev server, e.g. http://127.0.0.1:41234.
	baseURL string
	// hasConformance reports whether /conformance/ is served (the
	// conformance kernel has been built into e2e/conformance/testdata).
	hasConformance bool
	// browserCtx is the shared browser; tabs derive from it.
	browserCtx context.Context
	// artifactDir receives screenshots of failed tests.
	artifactDir string
)

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	exe := chromiumPath()
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "e2e: Chromium not found at %s (set CHROMIUM): %v\n", exe, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "e2e: SKIP: Chromium not found at %s (apt-get install chromium, or set CHROMIUM)\n", exe)
		return 0
	}

	artifactDir = os.Getenv("E2E_ARTIFACTS")
	if artifactDir == "" {
		artifactDir = filepath.Join(os.TempDir(), "gohost-e2e")
	}

	// The server: the page from ../www, no kernel at the default URLs (so the
	// page must say "no kernel"), the conformance kernel under /conformance/
	// when it has been built. Tests that boot pass ?kernel=/conformance/...
	// The padded conformance kernel (a real kernel's size) is made once
	// into a cache directory; without it the realboot tests fail.
	realKernel, _ := conformance.RealKernelFile()
	h, err := devserver.NewHandler(devserver.Config{
		Dir:             filepath.Join("..", "www"),
		Kernel:          os.Getenv("E2E_KERNEL"),
		Initrd:          os.Getenv("E2E_INITRD"),
		Conformance:     conformance.Dir(),
		ConformanceReal: realKernel,
		RefHost:         refhost.Dir(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	hasConformance = devserver.HasConformance(h)
	if !hasConformance && os.Getenv("CI") != "" {
		// In CI every test runs: without the kernel most would skip.
		fmt.Fprintln(os.Stderr, "e2e: the conformance kernel is not served (e2e/conformance/testdata; make conformance)")
		return 1
	}
	url, stopServer, err := browsertest.Serve(h)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stopServer()
	baseURL = url

	ctx, stop, err := startBrowser()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: starting Chromium:", err)
		return 1
	}
	defer stop()
	browserCtx = ctx
	return m.Run()
}

// needConformance stops a test that needs the conformance kernel when
// /conformance/ is not served: a skip on a developer's machine, a failure
// in CI (env CI set), where a missing kernel means the tests did not run.
func needConformance(t *testing.T) {
	t.Helper()
	if hasConformance {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("conformance kernel not built (e2e/conformance/testdata; make conformance): CI must run this test")
	}
	t.Skip("conformance kernel not built (e2e/conformance/testdata; make conformance)")
}

// startBrowser starts headless Chromium with a fresh profile; stop closes
// it (and its processes) and removes the profile.
func startBrowser() (context.Context, func(), error) {
	return browsertest.StartChromium(chromiumPath())
}

// ownBrowser starts a browser for one test, closed when the test ends: for
// measurements that the shared browser's other tabs would disturb.
func ownBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, stop, err := startBrowser()
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Cleanup(stop)
	return ctx
}
