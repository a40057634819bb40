//go:build !js

package e2e

// A module with exactly a real kernel's interface (every import with its
// type, the exports the host uses, the real 30 MB size: internal/realshape)
// boots through the page: the host checks it, creates its memory from the
// declared limits, and instantiates it in a worker with the worker's own
// import object, sys_* stubs included. Its _start then calls wasm_panic,
// which the page reports: the proof that the instantiation succeeded
// (issue 10). The first real kernel tried on this host was refused at the
// check instead.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/realshape"
)

func TestRealShapedKernelInstantiates(t *testing.T) {
	f := realFactsE2E(t)
	const msg = "real-shaped kernel instantiated in a worker"
	k, err := f.Kernel(msg)
	require.NoError(t, err)
	tab := realShapedPanics(t, k, msg)
	assert.NotContains(t, Eval[string](tab, errorPanelJS), "not a Linux/Wasm kernel")
}

func realFactsE2E(t *testing.T) *realshape.Facts {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "abi", "testdata", "real-kernel-facts.json"))
	require.NoError(t, err)
	f, err := realshape.Parse(b)
	require.NoError(t, err)
	return f
}

// realShapedPanics serves the real-shaped kernel k, opens the page on it and
// requires the kernel panic its _start reports with msg: the proof that the
// host accepted it, created its memory and instantiated it in a worker.
func realShapedPanics(t *testing.T, k []byte, msg string) *Tab {
	t.Helper()
	srv := startBadServer(t, map[string][]byte{"real.wasm": k}, "")
	tab := newTab(t, 90*time.Second)
	tab.recordEvents()
	u := srv.URL + "/?" + confURLs("/bad/real.wasm").Encode()
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(u)))
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 60*time.Second)
	text := Eval[string](tab, errorPanelJS)
	assert.Regexp(t, regexp.MustCompile(`Kernel panic[\s\S]*`+regexp.QuoteMeta(msg)), text, "the module ran: %s", strings.Join(strings.Fields(text), " "))
	assert.Equal(t, "panic", Eval[string](tab, `gohost.status().stage`))
	return tab
}
