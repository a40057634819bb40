//go:build !js

package e2e

// URL parameters applied to the command line, and invalid ones refused on the page.

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPageURLParameters(t *testing.T) {
	t.Run("URLParameters", testURLParameters)
	t.Run("InvalidParameters", testInvalidParameters)
}

// URLParameters: kernel, initrd, cmdline, cpus and append all reach the
// kernel: it prints the command line it got and brings up the CPUs asked for.
func testURLParameters(t *testing.T) {
	tab := confTab(t, 60*time.Second, "conf=console maxcpus=3", url.Values{"cpus": {"2"}, "append": {"pf_extra=1 pf_word"}})
	out := tab.waitDone(45 * time.Second)
	requireAllPassed(t, out)
	assert.Contains(t, out, "Command line: conf=console maxcpus=2 pf_extra=1 pf_word\r\n", "cmdline with cpus and append applied")
	assert.Contains(t, out, "conf: 2 CPUs online")
	assert.Equal(t, 2, Eval[int](tab, `gohost.status().cpus`))
	tab.WaitJS("CPUs shown", `document.getElementById('st-cpus').textContent === '2'`, 5*time.Second)
	// The initrd came from the URL given (the page's own timeline). The
	// kernel is downloaded in the kfetch.js worker, whose requests the
	// page's timeline does not list: that it came from the URL given is the
	// boot itself (the test server has no kernel at the default URL).
	names := Eval[[]string](tab, `performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)`)
	assert.Contains(t, names, "/conformance/initramfs.cpio")
	assert.Contains(t, names, "/kfetch.js")
	assert.Equal(t, 404, Eval[int](tab, `fetch('/kernel/vmlinux.wasm', {method: 'HEAD'}).then((r) => r.status)`), "no kernel at the default URL")

	// The page documents each parameter.
	about := pfText(tab, "about")
	for _, p := range []string{"cmdline=", "append=", "cpus=", "kernel=", "initrd="} {
		assert.Contains(t, about, p, "parameter %s documented on the page", p)
	}
}

// InvalidParameters: refused parameters are listed on the page, each named,
// and no machine starts.
func testInvalidParameters(t *testing.T) {
	// The rules themselves are host/params.go's, table-tested natively
	// (TestParseParamsRefused); here the page shows what the host refused.
	cases := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"unknown", url.Values{"bogus": {"1"}}, `Unknown parameter "bogus"`},
		{"two-problems", url.Values{"cpus": {"0"}, "kernel": {"ftp://x/y"}}, `"kernel" must be an http(s) URL`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tab := newTab(t, 20*time.Second)
			tab.Navigate("/", c.params)
			tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 10*time.Second)
			assert.Equal(t, "Invalid URL parameters", pfText(tab, "error-title"))
			assert.Contains(t, Eval[string](tab, `document.getElementById('error-details').innerText`), c.want)
			assert.Equal(t, "failed", Eval[string](tab, `document.getElementById('stage').dataset.stage`))
			assert.Equal(t, "idle", Eval[string](tab, `gohost.status().stage`), "no machine was started")
			if c.name == "two-problems" {
				assert.Equal(t, 2, Eval[int](tab, `document.getElementById('error-details').children.length`), "every problem listed")
			}
		})
	}
	// A well-formed URL that does not answer is refused by the probe.
	for _, c := range []struct{ name, param, title string }{
		{"kernel-404", "kernel", "No kernel found"},
		{"initrd-404", "initrd", "No initramfs found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			needConformance(t)
			tab := newTab(t, 20*time.Second)
			tab.AllowConsoleErrors = probe404
			params := conformanceParams("conf=console")
			params.Set(c.param, "/conformance/missing-"+c.param)
			tab.Navigate("/", params)
			tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 10*time.Second)
			assert.Equal(t, c.title, pfText(tab, "error-title"))
			assert.Contains(t, pfText(tab, "error-message"), "/conformance/missing-"+c.param)
			assert.Contains(t, pfText(tab, "error-message"), "HTTP 404")
		})
	}
}
