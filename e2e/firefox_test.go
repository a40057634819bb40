//go:build !js

package e2e

// The page in Firefox ESR (issue 13): the same server as the Chromium tests,
// one headless firefox-esr driven over WebDriver BiDi (internal/bidi,
// internal/firefox), started by TestFirefox for its subtests only.

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/firefox"
)

func firefoxPath() string {
	if p := os.Getenv("FIREFOX"); p != "" {
		return p
	}
	return firefox.DefaultPath
}

// ffErrorsJS runs before the page's scripts in every document: it keeps
// uncaught exceptions and unhandled rejections, which fail the test.
const ffErrorsJS = `globalThis.__ffErrors = [];
window.addEventListener('error', (e) => globalThis.__ffErrors.push('error: ' + (e.message || e.type) + ' at ' + e.filename + ':' + e.lineno));
window.addEventListener('unhandledrejection', (e) => globalThis.__ffErrors.push('unhandled rejection: ' + String(e.reason && (e.reason.stack || e.reason))));`

// TestFirefox runs the page's main paths in Firefox: the self-test, a boot
// that answers typed and pasted input byte for byte, and bad kernels.
func TestFirefox(t *testing.T) {
	exe := firefoxPath()
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Firefox not found at %s (apt-get install firefox-esr, or set FIREFOX): %v", exe, err)
		}
		t.Skipf("SKIP: Firefox not found at %s (apt-get install firefox-esr, or set FIREFOX); the Firefox tests did not run", exe)
	}
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	start := time.Now()
	if v, err := firefox.Version(exe); err == nil {
		t.Logf("%s", v)
	}
	b, err := firefox.Start(context.Background(), exe)
	require.NoError(t, err)
	t.Cleanup(b.Close)
	t.Logf("Firefox started in %v", time.Since(start).Round(time.Millisecond))

	t.Run("SelfTest", func(t *testing.T) { testFirefoxSelfTest(t, b) })
	t.Run("InputAndPaste", func(t *testing.T) { testFirefoxInputAndPaste(t, b) })
	t.Run("BadKernel", func(t *testing.T) { testFirefoxBadKernel(t, b) })
	t.Run("Realboot", func(t *testing.T) { testFirefoxRealboot(t, b) })
	t.Run("Realboot70", func(t *testing.T) { testFirefoxRealboot70(t, b) })
	t.Run("Kinds70All", func(t *testing.T) { testFirefoxKinds70All(t, b) })
	t.Cleanup(func() { t.Logf("Firefox tests took %v", time.Since(start).Round(time.Millisecond)) })
}

// ffTab is one Firefox tab with its own deadline.
type ffTab struct {
	t   *testing.T
	b   *firefox.Browser
	ctx context.Context
	id  string
}

func newFFTab(t *testing.T, b *firefox.Browser, timeout time.Duration) *ffTab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	id, err := b.CreateTab(ctx)
	if err != nil {
		cancel()
		t.Fatalf("new tab: %v", err)
	}
	tab := &ffTab{t: t, b: b, ctx: ctx, id: id}
	if err := b.AddPreloadScript(ctx, id, ffErrorsJS); err != nil {
		cancel()
		t.Fatalf("preload script: %v", err)
	}
	t.Cleanup(func() {
		defer cancel()
		late, cancelLate := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancelLate()
		var errs []string
		if err := b.Eval(late, id, `globalThis.__ffErrors || []`, &errs); err == nil {
			for _, e := range errs {
				t.Errorf("in the page: %s", e)
			}
		}
		if t.Failed() {
			tab.screenshot(late)
		}
		_ = b.CloseTab(late, id)
	})
	return tab
}

func (tab *ffTab) screenshot(ctx context.Context) {
	png, err := tab.b.CaptureScreenshot(ctx, tab.id)
	if err != nil {
		tab.t.Logf("screenshot: %v", err)
		return
	}
	saveScreenshot(tab.t, png)
}

// navigate loads base+path?params (base "" is the e2e server).
func (tab *ffTab) navigate(base, path string, params url.Values) {
	tab.t.Helper()
	if base == "" {
		base = baseURL
	}
	u := base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	if err := tab.b.Navigate(tab.ctx, tab.id, u); err != nil {
		tab.t.Fatalf("navigate %s: %v", u, err)
	}
}

func ffEval[T any](tab *ffTab, expr string) T {
	tab.t.Helper()
	var v T
	if err := tab.b.Eval(tab.ctx, tab.id, expr, &v); err != nil {
		tab.t.Fatalf("evaluate %.100q: %v", expr, err)
	}
	return v
}

// waitJS polls predicate (a boolean expression) until it holds.
func (tab *ffTab) waitJS(what, predicate string, timeout time.Duration) {
	tab.t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		var ok bool
		if last = tab.b.Eval(tab.ctx, tab.id, "!!("+predicate+")", &ok); last == nil && ok {
			return
		}
		if tab.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var out string
	_ = tab.b.Eval(tab.ctx, tab.id, `globalThis.gohost ? gohost.output().slice(-3000) : document.body.innerText.slice(0, 3000)`, &out)
	tab.t.Fatalf("waiting for %s (%v): last error %v; the page shows:\n%s", what, timeout, last, out)
}

func testFirefoxSelfTest(t *testing.T, b *firefox.Browser) {
	tab := newFFTab(t, b, 3*time.Minute)
	t0 := time.Now()
	tab.navigate("", "/", conformanceParams(conformanceCmdline(t, "all")))
	tab.waitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, 150*time.Second)
	out := ffEval[string](tab, `gohost.output()`)
	requireAllPassed(t, out)
	m := confDone.FindStringSubmatch(out)
	require.NotEqual(t, "0", m[1], "no checks ran")
	t.Logf("%s after %v", m[0], time.Since(t0).Round(time.Millisecond))
	// No error on the page.
	assert.True(t, ffEval[bool](tab, `document.getElementById('error-panel').hidden`), "error panel: %s", ffEval[string](tab, errorPanelJS))
}

// InputAndPaste: the input scenario's ready line, then typed text and a
// paste of multi-byte UTF-8 longer than the host's 4 KiB staging buffer
// arrive byte for byte, in order (the kernel echoes each byte in hex).
func testFirefoxInputAndPaste(t *testing.T, b *firefox.Browser) {
	tab := newFFTab(t, b, 2*time.Minute)
	tab.navigate("", "/", conformanceParams(conformanceCmdline(t, "input", "input_until=7e", "input_timeout=60")))
	tab.waitJS("the machine ready", `globalThis.gohost && /conf: \d+ CPUs online/.test(gohost.output())`, 60*time.Second)
	tab.waitJS("the input scenario", `gohost.output().includes('CONF input ready until=')`, 30*time.Second)

	echoed := func(n int) string {
		tab.waitJS(fmt.Sprintf("%d bytes echoed", n/2), fmt.Sprintf(`(() => { let h = ''; for (const m of gohost.output().matchAll(/CONF input got ([0-9a-f ]+)\r\n/g)) h += m[1].replace(/ /g, ''); return h.length >= %d; })()`, n), 20*time.Second)
		return pfEchoed(ffEval[string](tab, `gohost.output()`))
	}
	// Typed: one call per key, as the terminal does.
	typed := "ls -l\r"
	for _, r := range typed {
		ffEval[any](tab, fmt.Sprintf(`gohost.input(%s)`, jsString(string(r))))
	}
	want := typed
	assert.Equal(t, hex.EncodeToString([]byte(want)), echoed(2*len(want)), "typed bytes")

	// Pasted: one call with the whole text.
	paste := "zweite Zeile: äöü € 日本 🐧\r" + strings.Repeat("ab€", 1500) + "\r"
	ffEval[any](tab, fmt.Sprintf(`gohost.input(%s)`, jsString(paste)))
	want += paste
	assert.Equal(t, hex.EncodeToString([]byte(want)), echoed(2*len(want)), "pasted bytes")

	ffEval[any](tab, `gohost.input('~')`)
	tab.waitJS("CONF DONE", `/CONF DONE \d+ \d+/.test(gohost.output())`, 20*time.Second)
	out := ffEval[string](tab, `gohost.output()`)
	assert.Regexp(t, `CONF input terminator PASS`, out)
	requireAllPassed(t, out)

	// Stopped, the machine's workers end in Firefox's own view too.
	st := ffEval[map[string]int](tab, `(() => { const s = gohost.status(); return {workers: s.workers, stock: s.stock}; })()`)
	require.Positive(t, st["workers"])
	require.Equal(t, st["workers"]+st["stock"], tab.liveWorkers(), "Firefox's dedicated workers for the tab vs the host's machine workers + stock")
	ffEval[any](tab, `gohost.stop(), null`)
	tab.waitWorkersDown()
}

// BadKernel: kernels the host refuses show their error on the page, and
// nothing is left running.
func testFirefoxBadKernel(t *testing.T, b *firefox.Browser) {
	vmlinux := conformanceFile(t, "vmlinux.wasm")
	bad := startBadServer(t, map[string][]byte{
		"truncated.wasm": vmlinux[:len(vmlinux)/2],
		"mistyped.wasm":  mistypedKernel(),
	}, "")
	for _, c := range []struct {
		name, kernel string
		expect       *regexp.Regexp
	}{
		{"truncated", "/bad/truncated.wasm", regexp.MustCompile(`The machine could not start[\s\S]*not a valid WebAssembly module \(truncated or corrupt\?\)`)},
		{"mistyped-import", "/bad/mistyped.wasm", regexp.MustCompile(`this WebAssembly module is not a Linux/Wasm kernel[\s\S]*import wasm_serialize_tasks has type \(i32\) -> i32, want \(i32, i32\) -> i32`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := newFFTab(t, b, 45*time.Second)
			tab.navigate(bad.URL, "/", confURLs(c.kernel))
			tab.waitJS("the error panel", `!document.getElementById('error-panel').hidden`, 30*time.Second)
			text := ffEval[string](tab, errorPanelJS)
			t.Logf("%s", strings.Join(strings.Fields(text), " "))
			assert.Regexp(t, c.expect, text)
			tab.waitJS("no workers left", `globalThis.gohost && gohost.status().workers === 0`, 5*time.Second)
			tab.waitWorkersDown()
			assert.Equal(t, "failed", ffEval[string](tab, `gohost.status().stage`))
		})
	}
}

// Realboot: the realboot scenario on the kernel padded to a real
// vmlinux.wasm's 30 MB boots to its shell prompt, answers a builtin and a
// command that forks and execs the 1.6 MB program, and brings a 4th CPU up
// for it. It logs when each CPU came online (issue 13 reports ~800 ms per
// secondary CPU in Firefox on a real kernel).
func testFirefoxRealboot(t *testing.T, b *firefox.Browser) {
	tab := newFFTab(t, b, 4*time.Minute)
	// In the page, before its scripts: the time of every stage event and of
	// every change of the online CPU count, on the page's own clock.
	require.NoError(t, b.AddPreloadScript(tab.ctx, tab.id, ffStagesJS))
	tab.navigate("", "/", mergeParams(conformanceParams(conformanceCmdline(t, "realboot")), realKernelParams()))
	tab.waitJS("the shell prompt", `globalThis.gohost && /\/ # $/.test(gohost.output())`, 3*time.Minute)
	var marks []struct {
		What string  `json:"what"`
		T    float64 `json:"t"`
	}
	require.NoError(t, tab.b.Eval(tab.ctx, tab.id, `globalThis.__ffStages`, &marks))
	var line []string
	for _, m := range marks {
		line = append(line, fmt.Sprintf("%s %.0f ms", m.What, m.T))
	}
	t.Logf("Firefox realboot (ms since navigation): %s", strings.Join(line, ", "))
	requireAllPassed(t, ffEval[string](tab, `gohost.output()`))
	for _, c := range []struct{ line, want string }{{"echo firefox", "\r\nfirefox\r\n"}, {"ls", "bin"}} {
		before := ffEval[int](tab, `gohost.output().length`)
		ffEval[any](tab, fmt.Sprintf(`gohost.input(%s)`, jsString(c.line+"\r")))
		tab.waitJS(fmt.Sprintf("the answer to %q", c.line), fmt.Sprintf(`(() => { const o = gohost.output().slice(%d); return o.includes(%s) && /\/ # $/.test(o); })()`, before, jsString(c.want)), shellAnswer)
	}
	assert.Equal(t, 4, ffEval[int](tab, `gohost.status().cpus`), "the first forking command brought a 4th CPU up")
}

// ffRealm is the part of a WebDriver BiDi script.RealmInfo the tests read.
type ffRealm struct {
	Realm  string   `json:"realm"`
	Type   string   `json:"type"`
	Owners []string `json:"owners"`
}

// liveWorkers is the tab's dedicated workers as Firefox itself sees them
// (BiDi script.getRealms: a dedicated worker's realm, owned by the tab's
// window realm, exists until the worker ends), whatever the host believes.
func (tab *ffTab) liveWorkers() int {
	tab.t.Helper()
	var win, all struct {
		Realms []ffRealm `json:"realms"`
	}
	require.NoError(tab.t, tab.b.Call(tab.ctx, "script.getRealms", map[string]any{"context": tab.id}, &win))
	require.NoError(tab.t, tab.b.Call(tab.ctx, "script.getRealms", map[string]any{"type": "dedicated-worker"}, &all))
	mine := map[string]bool{}
	for _, r := range win.Realms {
		mine[r.Realm] = true
	}
	n := 0
	for _, r := range all.Realms {
		for _, o := range r.Owners {
			if mine[o] {
				n++
				break
			}
		}
	}
	return n
}

// waitWorkersDown checks, in the browser's view, that every worker of the
// machine ended: what Firefox still runs for the tab comes down to the
// host's stock of started, machine-less workers (status().workers is the
// host's own map, which its Stop() empties whatever it terminated).
func (tab *ffTab) waitWorkersDown() {
	tab.t.Helper()
	live, stock := workersSettle(func() (int, int) { return tab.liveWorkers(), ffEval[int](tab, `gohost.status().stock`) })
	tab.t.Logf("Firefox still runs %d dedicated workers for the tab; host stock %d", live, stock)
	require.Equal(tab.t, stock, live, "dedicated workers Firefox still runs for the tab vs the host's stock")
}

// ffStagesJS records stage events and CPU counts with performance.now().
const ffStagesJS = `globalThis.__ffStages = [];
window.addEventListener('gohost-ready', () => {
  const mark = (what) => globalThis.__ffStages.push({what, t: performance.now()});
  mark('host ready');
  gohost.on('stage', (ev) => mark(ev.stage));
  let cpus = 0;
  const poll = setInterval(() => {
    const s = gohost.status();
    if ((s.cpus || 0) > cpus) { cpus = s.cpus; mark(cpus + ' CPUs'); }
    if (s.stage === 'ready' || s.stage === 'failed' || s.stage === 'panic') { mark('prompt or end'); clearInterval(poll); }
  }, 2);
}, {once: true});`

func mergeParams(a, b url.Values) url.Values {
	for k, v := range b {
		a[k] = v
	}
	return a
}
