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
	b, err := os.ReadFile(filepath.Join("..", "internal", "abi", "testdata", "real-kernel-facts.json"))
	require.NoError(t, err)
	f, err := realshape.Parse(b)
	require.NoError(t, err)
	const msg = "real-shaped kernel instantiated in a worker"
	k, err := f.Kernel(msg)
	require.NoError(t, err)
	srv := startBadServer(t, map[string][]byte{"real.wasm": k}, "")

	tab := newTab(t, 90*time.Second)
	tab.recordEvents()
	u := srv.URL + "/?" + confURLs("/bad/real.wasm").Encode()
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(u)))
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 60*time.Second)
	text := Eval[string](tab, errorPanelJS)
	assert.Regexp(t, regexp.MustCompile(`Kernel panic[\s\S]*`+msg), text, "the module ran: %s", strings.Join(strings.Fields(text), " "))
	assert.NotContains(t, text, "not a Linux/Wasm kernel")
	assert.Equal(t, "panic", Eval[string](tab, `gohost.status().stage`))
}
