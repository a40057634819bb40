//go:build !js

package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// probe404 matches the console errors Chromium logs for the page's HEAD
// probes of a missing kernel (expected in the no-kernel tests).
var probe404 = regexp.MustCompile(`404|Failed to load resource`)

func TestPageLoadsIsolatedWithTerminal(t *testing.T) {
	tab := newTab(t, 30*time.Second)
	tab.AllowConsoleErrors = probe404
	tab.Navigate("/", nil)

	assert.Equal(t, "Linux/Wasm", Eval[string](tab, "document.title"))
	assert.True(t, Eval[bool](tab, "globalThis.crossOriginIsolated === true"), "crossOriginIsolated")
	assert.True(t, Eval[bool](tab, "typeof SharedArrayBuffer === 'function'"))

	tab.WaitJS("the xterm element", `document.querySelector('#terminal .xterm') !== null && globalThis.linuxWasmPage && globalThis.linuxWasmPage.term !== null`, 10*time.Second)
	assert.Equal(t, "#013425", Eval[string](tab, "globalThis.linuxWasmPage.term.options.theme.background"))
	assert.Equal(t, "#FFC012", Eval[string](tab, "globalThis.linuxWasmPage.term.options.theme.foreground"))
	// The rendered terminal carries the theme's background colour.
	bg := Eval[string](tab, `getComputedStyle(document.querySelector('#terminal .xterm-viewport')).backgroundColor`)
	assert.Equal(t, "rgb(1, 52, 37)", bg)
	assert.Greater(t, Eval[int](tab, "globalThis.linuxWasmPage.term.cols"), 20, "fit addon sized the terminal")

	// The browser checks pass in headless Chromium: the page goes on to look
	// for the kernel rather than reporting missing features.
	assert.Empty(t, Eval[[]string](tab, "globalThis.linuxWasmPage.missingFeatures()"))

	// Let the page settle (kernel probe, panels), then no CSP violation.
	tab.WaitJS("the page to settle", `document.getElementById('stage').dataset.stage !== 'init' && document.getElementById('stage').textContent.indexOf('Looking') < 0`, 15*time.Second)
	assert.Empty(t, tab.CSPViolations())
}

func TestNoKernelMessage(t *testing.T) {
	tab := newTab(t, 30*time.Second)
	tab.AllowConsoleErrors = probe404
	tab.Navigate("/", nil)
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 15*time.Second)
	assert.Equal(t, "No kernel found", Eval[string](tab, "document.getElementById('error-title').textContent"))
	msg := Eval[string](tab, "document.getElementById('error-panel').innerText")
	assert.Contains(t, msg, "linux-wasm")
	assert.Contains(t, msg, "./kernel/")
	assert.Contains(t, msg, "make serve KERNEL=")
	assert.Contains(t, Eval[string](tab, "document.getElementById('stage').textContent"), "No kernel found")

	linkShown := Eval[bool](tab, "!document.getElementById('error-link').hidden")
	assert.Equal(t, hasConformance, linkShown, "self-test link shown iff the conformance kernel is served")
	if linkShown {
		href := Eval[string](tab, "document.getElementById('error-link-a').getAttribute('href')")
		assert.Equal(t, "?selftest", href)
	}
	// A missing kernel never gets as far as a machine (the host, which
	// parsed the URL parameters, has booted nothing).
	assert.Equal(t, "idle", Eval[string](tab, "gohost.status().stage"))
}

func longWord(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}
