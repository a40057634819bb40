//go:build !js

package e2e

// The page starts the host and the boot before xterm.js has run (loader.js
// is an async module): the kernel compiles from the first script, and the
// host's start and checks belong beside that compile, not after the
// terminal's scripts. Nothing the kernel printed before the terminal existed
// may be lost.

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
)

// TestBootBeforeTerminal holds xterm.js's download until the kernel has
// printed (CDP Fetch interception), then lets it through: the boot must not
// have waited for it, and the terminal must show everything from the
// kernel's first line on.
func TestBootBeforeTerminal(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 90*time.Second)
	held := make(chan fetch.RequestID, 1)
	require.NoError(t, chromedp.Listen(tab.base, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			held <- e.RequestID
		}
	}))
	call := func(f func(ctx context.Context, tg *chromedp.Target) error) {
		t.Helper()
		require.NoError(t, chromedp.Do(tab.ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			return chromedp.Void{}, f(ctx, tg)
		}))
	}
	call(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/vendor/xterm/xterm.js"}}})
		return err
	})
	// Page.navigate itself, not chromedp.Navigate: the load event waits for
	// the held script.
	call(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.Navigate, page.NavigateParams{URL: pageURL("/", conformanceParams(conformanceCmdline(t, "boot")))})
		return err
	})
	var id fetch.RequestID
	select {
	case id = <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("xterm.js was never requested")
	}
	tab.WaitJS("the kernel's first console line while xterm.js is held",
		`globalThis.gohost && typeof gohost.output === 'function' && gohost.output().includes('conformance kernel')`, 45*time.Second)
	assert.Equal(t, "undefined", Eval[string](tab, `typeof Terminal`), "xterm.js ran although its download is held")
	assert.Nil(t, Eval[any](tab, `globalThis.linuxWasmPage.term`), "the terminal exists before xterm.js ran")
	call(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
		return err
	})
	tab.WaitJS("CONF DONE", `/CONF DONE \d+ \d+/.test(gohost.output())`, 45*time.Second)
	tab.WaitText("terminal", regexp.MustCompile(`CONF DONE`), 10*time.Second)
	term := strings.TrimLeft(tab.TerminalText(), "\r\n ")
	first := strings.SplitN(strings.TrimLeft(Eval[string](tab, `gohost.output()`), "\r\n "), "\n", 2)[0]
	first = strings.TrimRight(first, "\r")
	require.NotEmpty(t, first)
	assert.True(t, strings.HasPrefix(term, first), "the terminal begins with the kernel's first line %q:\n%.400s", first, term)
	assert.NotContains(t, term, "FAIL")
}

// TestWorkersLoadOneScript counts, at the server, the page's requests while a
// boot starts workers: each worker loads one script, gohost-worker.js, and
// none fetches wasm_exec.js on its own (a synchronous importScripts, ~20 ms
// of each worker's start in a boot's kthread burst). The page itself loads
// wasm_exec.js for its Go host: its preload and its script element.
func TestWorkersLoadOneScript(t *testing.T) {
	needConformance(t)
	h, err := devserver.NewHandler(devserver.Config{Dir: filepath.Join("..", "www"), Conformance: conformance.Dir()})
	require.NoError(t, err)
	var mu sync.Mutex
	seen := map[string]int{}
	base, stop, err := browsertest.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	require.NoError(t, err)
	t.Cleanup(stop)
	tab := newTab(t, 90*time.Second)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(base+"/?"+conformanceParams(conformanceCmdline(t, "boot,clone")).Encode())))
	tab.WaitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, 60*time.Second)
	workers := Eval[int](tab, `gohost.status().workers`)
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, workers, 3, "the boot's workers")
	assert.GreaterOrEqual(t, seen["/gohost-worker.js"], workers, "requests of the workers' script")
	assert.LessOrEqual(t, seen["/wasm_exec.js"], 2, "requests of wasm_exec.js (the page's preload and script): a worker fetched it")
	assert.Zero(t, seen["/worker.js"], "a worker loaded worker.js instead of gohost-worker.js")
}
