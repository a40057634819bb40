//go:build !js

package e2e

import (
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		assert.Contains(t, href, "kernel=/conformance/vmlinux.wasm")
		assert.Contains(t, href, "cmdline=conf%3Dall")
	}
	// A missing kernel never gets as far as the host.
	assert.True(t, Eval[bool](tab, "typeof globalThis.gohost === 'undefined'"))
}

func TestInvalidURLParameters(t *testing.T) {
	invalid := regexp.MustCompile(`Invalid URL parameters`)
	cases := []pageCase{
		{name: "cpus=0", params: url.Values{"cpus": {"0"}}, expect: invalid},
		{name: "cpus=65", params: url.Values{"cpus": {"65"}}, expect: invalid},
		{name: "cpus=abc", params: url.Values{"cpus": {"abc"}}, expect: regexp.MustCompile(`"cpus" must be a whole number`)},
		{name: "unknown", params: url.Values{"bogus": {"1"}}, expect: regexp.MustCompile(`Unknown parameter "bogus"`)},
		{name: "javascript-kernel", params: url.Values{"kernel": {"javascript:alert(1)"}}, expect: regexp.MustCompile(`"kernel" must be an http\(s\) URL`)},
		{name: "empty-cmdline", params: url.Values{"cmdline": {""}}, expect: regexp.MustCompile(`"cmdline" is empty`)},
		{name: "long-cmdline", params: url.Values{"append": {string(make([]byte, 0)) + longWord(600)}}, expect: regexp.MustCompile(`longer than 511 bytes`)},
	}
	for i := range cases {
		cases[i].timeout = 20 * time.Second
	}
	runPageCases(t, cases)
}

func longWord(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'x'
	}
	return string(b)
}

// paramsTab opens the page without booting anything (no kernel parameters)
// once its script, and so its URL parameter parser, is loaded.
func paramsTab(t *testing.T, timeout time.Duration) *Tab {
	t.Helper()
	tab := newTab(t, timeout)
	tab.AllowConsoleErrors = probe404
	tab.Navigate("/", nil)
	tab.WaitJS("the page script", "globalThis.linuxWasmPage && typeof globalThis.linuxWasmPage.parseParams === 'function'", 10*time.Second)
	return tab
}

func TestParamsParsing(t *testing.T) {
	tab := paramsTab(t, 20*time.Second)
	type opts struct{ Kernel, Initrd, Cmdline string }
	got := Eval[opts](tab, `globalThis.linuxWasmPage.parseParams('?cpus=5&append=quiet%20loglevel=3&kernel=/k/v.wasm')`)
	require.Contains(t, got.Kernel, "/k/v.wasm")
	assert.Contains(t, got.Initrd, "/kernel/initramfs.cpio.gz")
	assert.Regexp(t, `^maxcpus=3 |maxcpus=5 quiet loglevel=3$`, got.Cmdline)
	assert.NotContains(t, got.Cmdline, "maxcpus=3")
	got = Eval[opts](tab, `globalThis.linuxWasmPage.parseParams('?cmdline=conf%3Dall')`)
	assert.Equal(t, "conf=all", got.Cmdline)
}
