//go:build !js

package e2e

// The page's features on the conformance kernel (issue 6): boot progress,
// the status panel, the panic panel and Reboot (with a renderer memory bound
// over ten reboots), URL parameters, the user's files in the initramfs,
// paste/copy/Ctrl-C, resize, the log download and the JavaScript API.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/cpio"
)

// recorderJS runs in every document before the page's scripts and
// subscribes to the host's events as soon as it announces itself (before the
// page's own listeners, which boot the machine), so the first boot's events
// are seen too. It also notes every text the status bar shows.
const recorderJS = `(() => {
  const rec = globalThis.__pf = {events: [], progressTexts: [], stageTexts: []};
  window.addEventListener('gohost-ready', () => {
    for (const type of ['stage', 'progress', 'log', 'error']) {
      globalThis.gohost.on(type, (ev) => rec.events.push({type, ev: JSON.parse(JSON.stringify(ev))}));
    }
  }, {once: true});
  // Every text the status bar shows, however briefly.
  document.addEventListener('DOMContentLoaded', () => {
    for (const [id, list] of [['progress-text', rec.progressTexts], ['stage', rec.stageTexts]]) {
      const el = document.getElementById(id);
      if (!el) continue;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) list.push(n.textContent);
      }).observe(el, {childList: true, characterData: true, subtree: true});
    }
  });
})();`

type pfEvent struct {
	Type string          `json:"type"`
	Ev   json.RawMessage `json:"ev"`
}

type pfProgress struct {
	What   string `json:"what"`
	Loaded int    `json:"loaded"`
	Total  int    `json:"total"`
	Cached bool   `json:"cached"`
}

type pfStage struct {
	Stage  string `json:"stage"`
	Detail string `json:"detail"`
}

// cdpDo runs raw protocol commands against the tab.
func (tab *Tab) cdpDo(what string, f func(ctx context.Context, tg *chromedp.Target) error) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, chromedp.Func(f)); err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
}

// recordEvents installs recorderJS for every later navigation of the tab.
func (tab *Tab) recordEvents() {
	tab.t.Helper()
	tab.cdpDo("install the event recorder", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recorderJS})
		return err
	})
}

func (tab *Tab) events() []pfEvent {
	tab.t.Helper()
	return Eval[[]pfEvent](tab, `globalThis.__pf ? globalThis.__pf.events : []`)
}

func progressEvents(t *testing.T, evs []pfEvent) []pfProgress {
	var out []pfProgress
	for _, e := range evs {
		if e.Type == "progress" {
			var p pfProgress
			require.NoError(t, json.Unmarshal(e.Ev, &p))
			out = append(out, p)
		}
	}
	return out
}

func stageEvents(t *testing.T, evs []pfEvent) []string {
	var out []string
	for _, e := range evs {
		if e.Type == "stage" {
			var s pfStage
			require.NoError(t, json.Unmarshal(e.Ev, &s))
			out = append(out, s.Stage)
		}
	}
	return out
}

// confTab opens a tab that records events and boots the conformance kernel
// with cmdline (plus any extra URL parameters).
func confTab(t *testing.T, timeout time.Duration, cmdline string, extra url.Values) *Tab {
	t.Helper()
	return confTabIn(t, browserCtx, timeout, cmdline, extra)
}

// confTabIn is confTab in a given browser (see ownBrowser).
func confTabIn(t *testing.T, browser context.Context, timeout time.Duration, cmdline string, extra url.Values) *Tab {
	t.Helper()
	if !hasConformance {
		t.Skip("conformance kernel not built (e2e/conformance/testdata)")
	}
	tab := newTabIn(t, browser, timeout)
	tab.recordEvents()
	params := conformanceParams(cmdline)
	for k, v := range extra {
		params[k] = v
	}
	tab.Navigate("/", params)
	return tab
}

// waitDone waits until the current boot's console output has CONF DONE.
func (tab *Tab) waitDone(timeout time.Duration) string {
	tab.t.Helper()
	tab.WaitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, timeout)
	return Eval[string](tab, `gohost.output()`)
}

func requireAllPassed(t *testing.T, out string) {
	t.Helper()
	for _, f := range confFail.FindAllString(out, -1) {
		t.Errorf("%s", f)
	}
	m := confDone.FindStringSubmatch(out)
	require.NotNil(t, m, "no CONF DONE in\n%s", out)
	require.Equal(t, "0", m[2], "failed checks:\n%s", out)
}

func pfText(tab *Tab, id string) string {
	tab.t.Helper()
	return Eval[string](tab, fmt.Sprintf(`document.getElementById(%q).textContent`, id))
}

func pfVisible(tab *Tab, id string) bool {
	tab.t.Helper()
	return Eval[bool](tab, fmt.Sprintf(`!document.getElementById(%q).hidden`, id))
}

func confFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("conformance", "testdata", name))
	require.NoError(t, err)
	return b
}

// TestPageFeatures groups the page feature tests so that
// go test ./e2e -run TestPageFeatures runs exactly them.
func TestPageFeatures(t *testing.T) {
	t.Run("Progress", testProgress)
	t.Run("ProgressFromCache", testProgressFromCache)
	t.Run("StatusPanel", testStatusPanel)
	t.Run("PanicReboot", testPanicReboot)
	t.Run("RebootMemory", testRebootMemory)
	t.Run("URLParameters", testURLParameters)
	t.Run("InvalidParameters", testInvalidParameters)
	t.Run("UserFiles", testUserFiles)
	t.Run("PasteCopyCtrlC", testPasteCopyCtrlC)
	t.Run("Resize", testResize)
	t.Run("LogDownload", testLogDownload)
	t.Run("API", testAPI)
	t.Run("DocsScreenshot", testDocsScreenshot)
}

// finalProgress returns the last progress event for what.
func finalProgress(ps []pfProgress, what string) (pfProgress, int) {
	var last pfProgress
	n := 0
	for _, p := range ps {
		if p.What == what {
			last = p
			n++
		}
	}
	return last, n
}

// Progress: the first boot reports download progress of kernel and initrd
// (bytes, and a percentage when the length is known), goes through the
// stages to "running", and the status bar showed it; a reload boots from
// the browser cache and the 'progress' events and the status bar say so.
func testProgress(t *testing.T) {
	kernel, initrd := confFile(t, "vmlinux.wasm"), confFile(t, "initramfs.cpio")
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "boot,console"), nil)
	requireAllPassed(t, tab.waitDone(60*time.Second))

	evs := tab.events()
	ps := progressEvents(t, evs)
	k, nk := finalProgress(ps, "kernel")
	i, ni := finalProgress(ps, "initrd")
	require.Positive(t, nk, "no kernel progress events")
	require.Positive(t, ni, "no initrd progress events")
	assert.Equal(t, len(kernel), k.Loaded, "kernel bytes loaded")
	assert.Equal(t, len(kernel), k.Total, "kernel total in the final event")
	assert.Equal(t, len(initrd), i.Loaded, "initrd bytes loaded")
	assert.Equal(t, len(initrd), i.Total, "initrd total in the final event")
	for _, p := range ps {
		assert.LessOrEqual(t, p.Loaded, max(p.Total, p.Loaded))
		if p.Total > 0 {
			assert.LessOrEqual(t, p.Loaded, p.Total, "loaded beyond total: %+v", p)
		}
	}

	stages := stageEvents(t, evs)
	assert.True(t, inOrder(stages, "download", "compile", "boot", "running"), "stage order %v", stages)
	assert.Equal(t, "download", stages[0], "stages %v", stages)

	texts := Eval[[]string](tab, `globalThis.__pf.progressTexts`)
	joined := strings.Join(texts, "\n")
	t.Logf("status bar progress texts (first boot): %q", texts)
	assert.Regexp(t, `(?m)^kernel: .*(KiB|MiB|B)`, joined, "kernel download shown in bytes")
	assert.Regexp(t, `(?m)^initramfs: .*(KiB|MiB|B)`, joined, "initrd download shown in bytes")
	// A percentage needs the length: the initrd (plain cpio) has it; the
	// kernel is sent gzip-encoded by the dev server, so its Content-Length
	// counts compressed bytes and the host reports total 0 until the end.
	for _, w := range []struct{ what, label string }{{"kernel", "kernel"}, {"initrd", "initramfs"}} {
		known := false
		for _, p := range ps {
			known = known || (p.What == w.what && p.Total > 0)
		}
		if known {
			assert.Regexp(t, `(?m)^`+w.label+`: .* / .* \(\d+%\)$`, joined, "%s download shown as a percentage", w.what)
		}
	}
	assert.Regexp(t, `(?m)^initramfs: .* / .* \(\d+%\)$`, joined, "initrd download shown as a percentage")
	stageTexts := strings.Join(Eval[[]string](tab, `globalThis.__pf.stageTexts`), "\n")
	assert.Contains(t, stageTexts, "Compiling the kernel")
	assert.Contains(t, stageTexts, "Booting")
	assert.Regexp(t, `(?m)^Running`, stageTexts)
	tab.WaitJS("the status bar names the online CPUs", `/^(Running|Self-test done).*\b3 CPUs online/.test(document.getElementById('stage').textContent)`, 5*time.Second)

}

// ProgressFromCache: a second boot of the same files (a reload) gets them
// from the browser cache, and the 'progress' events and the status bar say
// so. The dev server sends Cache-Control: no-cache, so the browser
// revalidates (304): Resource Timing shows only header bytes transferred
// (transferSize < encodedBodySize).
func testProgressFromCache(t *testing.T) {
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "boot,console"), nil)
	requireAllPassed(t, tab.waitDone(60*time.Second))
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, "boot,console")))
	requireAllPassed(t, tab.waitDone(60*time.Second))
	ps := progressEvents(t, tab.events())
	k, _ := finalProgress(ps, "kernel")
	i, _ := finalProgress(ps, "initrd")
	type timing struct {
		Name                                           string
		TransferSize, EncodedBodySize, DecodedBodySize int
		ResponseStatus                                 int
	}
	timings := Eval[[]timing](tab, `performance.getEntriesByType('resource').filter((e) => /\/conformance\//.test(e.name)).map((e) => ({
	  Name: e.name, TransferSize: e.transferSize, EncodedBodySize: e.encodedBodySize, DecodedBodySize: e.decodedBodySize, ResponseStatus: e.responseStatus || 0}))`)
	t.Logf("reload: kernel %+v, initrd %+v; resource timing %+v", k, i, timings)
	// The GET entries (the page's HEAD probes have no body).
	for _, tm := range timings {
		if tm.EncodedBodySize > 0 {
			require.Less(t, tm.TransferSize, tm.EncodedBodySize, "%s was downloaded again, not taken from the cache", tm.Name)
		}
	}
	assert.True(t, k.Cached, "the reload's kernel came from the browser cache (revalidated, transferSize < encodedBodySize) but the final 'progress' event says cached: false (host/machine_js.go cachedResponse requires transferSize == 0)")
	assert.True(t, i.Cached, "the reload's initrd came from the browser cache (revalidated) but the final 'progress' event says cached: false")
	texts := Eval[[]string](tab, `globalThis.__pf.progressTexts`)
	assert.Contains(t, strings.Join(texts, "\n"), "kernel: from cache", "status bar says the kernel came from the cache")
}

var uptimeRe = regexp.MustCompile(`^(?:(\d+)h )?(?:(\d+)m )?(\d+)s$`)

func parseUptime(t *testing.T, s string) int {
	t.Helper()
	m := uptimeRe.FindStringSubmatch(s)
	require.NotNil(t, m, "uptime %q", s)
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	sec, _ := strconv.Atoi(m[3])
	return h*3600 + mi*60 + sec
}

// StatusPanel: uptime advances, CPUs online = maxcpus, the other fields are
// filled and agree with gohost.status().
func testStatusPanel(t *testing.T) {
	tab := confTab(t, 60*time.Second, conformanceCmdline(t, "console"), nil)
	tab.waitDone(45 * time.Second)
	tab.WaitJS("CPUs shown", `document.getElementById('st-cpus').textContent === '3'`, 5*time.Second)
	// The panel's uptime advances with the clock: 2 s more takes at least
	// 1 s (the first reading may be about to tick) and, with a panel that
	// refreshes a few times a second, not much more than 2 s; the bound is
	// loose for loaded CI machines, where timers run late.
	u0 := parseUptime(t, pfText(tab, "st-uptime"))
	start := time.Now()
	tab.WaitJS("uptime +2 s", fmt.Sprintf(`(() => { const m = /^(?:(\d+)h )?(?:(\d+)m )?(\d+)s$/.exec(document.getElementById('st-uptime').textContent);
	  return !!m && (+(m[1]||0))*3600 + (+(m[2]||0))*60 + (+m[3]) >= %d; })()`, u0+2), 8*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "uptime went from %ds to %ds too fast", u0, u0+2)
	// It agrees with gohost.status() to within the refresh period.
	shown := parseUptime(t, pfText(tab, "st-uptime"))
	ms := Eval[int](tab, `gohost.status().uptimeMs`)
	assert.InDelta(t, ms/1000, shown, 2, "panel %ds, status %d ms", shown, ms)

	for _, id := range []string{"st-tasks", "st-workers", "st-pool", "st-memory", "st-in", "st-out"} {
		assert.NotEqual(t, "–", pfText(tab, id), "%s filled", id)
	}
	type status struct {
		Cpus, Tasks, Workers, Pool int
		MemoryBytes, ConsoleOut    int64
		Stage                      string
	}
	s := Eval[status](tab, `(() => { const s = gohost.status(); return {Cpus: s.cpus, Tasks: s.tasks, Workers: s.workers, Pool: s.pool, MemoryBytes: s.memoryBytes, ConsoleOut: s.consoleOut, Stage: s.stage}; })()`)
	assert.Equal(t, 3, s.Cpus)
	assert.Positive(t, s.Workers)
	assert.Positive(t, s.MemoryBytes)
	assert.Positive(t, s.ConsoleOut)
	assert.Equal(t, strconv.Itoa(s.Workers), pfText(tab, "st-workers"))
	assert.Equal(t, "0 B", pfText(tab, "st-in"), "nothing typed yet")
	// The panel refreshes a few times a second: typed bytes show within
	// 3 s even on a loaded CI machine.
	Eval[chromedp.Void](tab, `gohost.input('abc')`)
	tab.WaitJS("console in = 3 B", `document.getElementById('st-in').textContent === '3 B'`, 3*time.Second)
	// The MiB figure of the memory matches the status.
	assert.Contains(t, pfText(tab, "st-memory"), "MiB")
}

// PanicReboot: conf=panic shows the panel with the panic message and the
// stack (the console tail), and Reboot boots the machine again without
// reloading the page.
func testPanicReboot(t *testing.T) {
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "panic"), nil)
	waitPanicPanel(tab, 1, 45*time.Second)
	assert.Equal(t, "Kernel panic", pfText(tab, "error-title"))
	assert.Contains(t, pfText(tab, "error-message"), "conformance panic test")
	require.True(t, pfVisible(tab, "error-stack"), "stack shown")
	stack := pfText(tab, "error-stack")
	assert.Contains(t, stack, "CONF panic stopping cpu")
	assert.Contains(t, stack, "CONF DONE")
	require.True(t, pfVisible(tab, "reboot"), "Reboot button shown")
	assert.Contains(t, pfText(tab, "stage"), "panic")
	assert.Equal(t, 0, Eval[int](tab, `gohost.status().workers`), "all workers gone after the panic")

	// Mark the document: a page reload would lose the mark.
	Eval[chromedp.Void](tab, `globalThis.__notReloaded = true`)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("reboot"))))
	tab.WaitJS("the panel to go", `document.getElementById('error-panel').hidden`, 5*time.Second)
	waitPanicPanel(tab, 2, 45*time.Second)
	assert.True(t, Eval[bool](tab, `globalThis.__notReloaded === true`), "rebooted without reloading the page")
	stages := stageEvents(t, tab.events())
	assert.Equal(t, 2, pfCount(stages, "boot"), "booted twice: %v", stages)
	assert.Equal(t, 2, pfCount(stages, "panic"), "panicked twice: %v", stages)
	// The terminal was cleared: the banner is there once, not twice.
	assert.Equal(t, 1, strings.Count(tab.TerminalText(), "conformance kernel (linux-wasm host ABI"), "terminal reset on reboot")
}

// inOrder reports whether want occur in ss in this order (not necessarily
// next to each other).
func inOrder(ss []string, want ...string) bool {
	for _, s := range ss {
		if len(want) > 0 && s == want[0] {
			want = want[1:]
		}
	}
	return len(want) == 0
}

func pfCount(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

// waitPanicPanel waits for the n-th panic of the tab to be shown.
func waitPanicPanel(tab *Tab, n int, timeout time.Duration) {
	tab.t.Helper()
	tab.WaitJS(fmt.Sprintf("panic #%d shown", n), fmt.Sprintf(`globalThis.__pf.events.filter((e) => e.type === 'stage' && e.ev.stage === 'panic').length >= %d &&
	  !document.getElementById('error-panel').hidden && document.getElementById('error-title').textContent === 'Kernel panic'`, n), timeout)
}

// rendererPSS sums the proportional set size of a browser's renderer
// processes (descendants of its main process started with --type=renderer).
func rendererPSS(t *testing.T, browser context.Context) int64 {
	t.Helper()
	c := chromedp.FromContext(browser)
	require.True(t, c != nil && c.Browser != nil && c.Browser.Process() != nil, "browser process unknown")
	root := c.Browser.Process().Pid
	parent := map[int]int{}
	ents, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		if len(f) > 1 {
			parent[pid], _ = strconv.Atoi(f[1])
		}
	}
	descends := func(pid int) bool {
		for i := 0; i < 64 && pid > 1; i++ {
			if pid == root {
				return true
			}
			pid = parent[pid]
		}
		return false
	}
	var total int64
	n := 0
	for pid := range parent {
		if !descends(pid) {
			continue
		}
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || !bytes.Contains(cmd, []byte("--type=renderer")) {
			continue
		}
		sm, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(sm), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total += kb << 10
				n++
			}
		}
	}
	require.Positive(t, n, "no renderer process found under the browser (pid %d)", root)
	return total
}

// minRebootMemoryBound is the least the renderers' PSS may grow over ten
// reboots after three warm-up reboots; the bound is one machine's cost when
// that is more. One conformance machine costs the renderer 166-177 MiB in a
// browser of its own (the first boot's growth: page, kernel memory touched,
// the workers' Go runtimes, compiled code), so a host that kept a tenth of
// every discarded machine exceeds the bound. Measured: +42 to +58 MiB over
// ten reboots in a browser of its own (memory of stopped machines returns
// with some lag), +10 to +25 MiB when the test runs alone, and +29 MiB over
// 80 reboots in the soak, which collects garbage after every boot.
const minRebootMemoryBound = 64 << 20

// RebootMemory: ten reboots in a row after a panic, each booting to the next
// panic, without the renderers' memory growing by one machine's cost.
func testRebootMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skip("no /proc/*/smaps_rollup")
	}
	// A browser of its own: the shared one's other tabs and their renderers,
	// closing or being collected meanwhile, moved the figure by tens of MiB
	// (+10 to +25 MiB alone, +37 to +66 after the other page tests).
	browser := ownBrowser(t)
	before := rendererPSS(t, browser)
	tab := confTabIn(t, browser, 5*time.Minute, conformanceCmdline(t, "panic"), nil)
	waitPanicPanel(tab, 1, 45*time.Second)
	// Twice, with pauses: a stopped machine's JS objects are released only
	// after the page's Go runtime has run the finalizers of the js.Values
	// that held them, which follows the first collection.
	gc := func() {
		for i := 0; i < 2; i++ {
			tab.cdpDo("collect garbage", func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, heapprofiler.CollectGarbage, cdp.Empty{})
				return err
			})
			time.Sleep(500 * time.Millisecond)
		}
	}
	// settled collects garbage, then takes the lowest of a few readings over
	// 3 s: terminated workers give their memory back with some lag, and other
	// tabs' renderers of the shared browser come and go.
	settled := func() int64 {
		gc()
		low := rendererPSS(t, browser)
		for i := 0; i < 6; i++ {
			time.Sleep(500 * time.Millisecond)
			low = min(low, rendererPSS(t, browser))
		}
		return low
	}
	first := settled()
	t.Logf("renderer PSS: %d MiB before the tab, %d MiB after the first boot (one machine ≈ %d MiB)", before>>20, first>>20, (first-before)>>20)
	reboot := func(n int) {
		require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("reboot"))))
		waitPanicPanel(tab, n, 45*time.Second)
	}
	// Warm-up: the first boots fill V8's heaps and code caches, xterm's
	// buffers and the Go heap; growth after that is what a leak looks like.
	for n := 2; n <= 4; n++ {
		reboot(n)
	}
	warm := settled()
	var samples []int64
	for n := 5; n <= 14; n++ {
		reboot(n)
		samples = append(samples, rendererPSS(t, browser)>>20)
	}
	last := settled()
	bound := max(first-before, minRebootMemoryBound)
	t.Logf("renderer PSS settled after 3 warm-up reboots: %d MiB; after each of 10 more (MiB): %v; settled after them: %d MiB; growth %+d MiB (bound %d MiB)",
		warm>>20, samples, last>>20, (last-warm)>>20, bound>>20)
	assert.LessOrEqual(t, last-warm, bound, "renderer memory grew by %d MiB over 10 reboots", (last-warm)>>20)
	stages := stageEvents(t, tab.events())
	assert.Equal(t, 14, pfCount(stages, "boot"), "14 boots")
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
	// The kernel and the initrd came from the URLs given.
	names := Eval[[]string](tab, `performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)`)
	assert.Contains(t, names, "/conformance/vmlinux.wasm")
	assert.Contains(t, names, "/conformance/initramfs.cpio")

	// The page documents each parameter.
	about := pfText(tab, "about")
	for _, p := range []string{"cmdline=", "append=", "cpus=", "kernel=", "initrd="} {
		assert.Contains(t, about, p, "parameter %s documented on the page", p)
	}
}

// InvalidParameters extends TestInvalidURLParameters: every other refused
// value names the parameter, and the host never starts.
func testInvalidParameters(t *testing.T) {
	cases := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"kernel-empty", url.Values{"kernel": {" "}}, `"kernel" is empty`},
		{"kernel-not-url", url.Values{"kernel": {"http://[::1"}}, `"kernel" is not a URL`},
		{"kernel-data", url.Values{"kernel": {"data:application/wasm,AGFzbQ"}}, `"kernel" must be an http(s) URL, not data:`},
		{"initrd-ftp", url.Values{"initrd": {"ftp://example.com/i.cpio"}}, `"initrd" must be an http(s) URL, not ftp:`},
		{"initrd-empty", url.Values{"initrd": {""}}, `"initrd" is empty`},
		{"cmdline-control", url.Values{"cmdline": {"conf=console\x01"}}, `"cmdline" contains control characters`},
		{"append-empty", url.Values{"append": {"  "}}, `"append" is empty`},
		{"append-newline", url.Values{"append": {"a\nb"}}, `"append" contains control characters`},
		{"cpus-fraction", url.Values{"cpus": {"1.5"}}, `"cpus" must be a whole number from 1 to 64, not "1.5"`},
		{"cpus-negative", url.Values{"cpus": {"-1"}}, `"cpus" must be a whole number from 1 to 64, not "-1"`},
		{"cpus-empty", url.Values{"cpus": {""}}, `"cpus" must be a whole number from 1 to 64, not ""`},
		{"cpus-twice", url.Values{"cpus": {"2", "3"}}, `Parameter "cpus" is given more than once`},
		{"long-cmdline", url.Values{"cmdline": {longWord(512)}}, `longer than 511 bytes`},
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
			assert.True(t, Eval[bool](tab, `typeof globalThis.gohost === 'undefined'`), "the host was not started")
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
			if !hasConformance {
				t.Skip("conformance kernel not built")
			}
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

// UserFiles: files picked through the file input (DOM.setFileInputFiles) and
// dropped on the drop zone are added under /home/user/ and the kernel sees
// them after "Boot with these files"; the combined initrd is byte for byte
// what cpio.PlaceUserFiles + cpio.Append make (the boot scenario checks its
// length and FNV-1a).
func testUserFiles(t *testing.T) {
	dir := t.TempDir()
	picked := []cpio.File{
		{Name: "hello.txt", Mode: 0o644, Data: []byte("hello from the page test\n")},
		{Name: "blob.bin", Mode: 0o644, Data: bytes.Repeat([]byte("0123456789abcdef"), 4096+3)},
	}
	dropped := cpio.File{Name: "dropped.txt", Mode: 0o644, Data: []byte("dropped ünïcode\n")}
	var paths []string
	for _, f := range picked {
		p := filepath.Join(dir, f.Name)
		require.NoError(t, os.WriteFile(p, f.Data, 0o644))
		paths = append(paths, p)
	}
	all := append(append([]cpio.File{}, picked...), dropped)
	placed, err := cpio.PlaceUserFiles(cpio.DefaultUserPrefix, all)
	require.NoError(t, err)
	base := confFile(t, "initramfs.cpio")
	combined, err := cpio.Append(base, placed)
	require.NoError(t, err)
	h := fnv.New32a()
	h.Write(combined)
	cmdline := fmt.Sprintf("conf=boot,initrd maxcpus=3 initrd_len=%d initrd_fnv=%08x", len(combined), h.Sum32())

	tab := confTab(t, 90*time.Second, cmdline, nil)
	// The first boot has only the base initrd (its length check fails: the
	// command line describes the combined one).
	out := tab.waitDone(45 * time.Second)
	assert.Contains(t, out, "CONF initrd entry bin/conf_a ")
	assert.NotContains(t, out, "home/user/")
	require.True(t, Eval[bool](tab, `document.getElementById('boot-files').disabled`), "nothing to boot with yet")

	require.NoError(t, chromedp.Do(tab.ctx, chromedp.SetUploadFiles(chromedp.ID("file-input"), paths)))
	dj, _ := json.Marshal(string(dropped.Data))
	Eval[chromedp.Void](tab, fmt.Sprintf(`(() => {
	  const dt = new DataTransfer();
	  dt.items.add(new File([%s], %q, {type: 'text/plain'}));
	  const dz = document.getElementById('dropzone');
	  dz.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
	  dz.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`, dj, dropped.Name))
	list := Eval[string](tab, `document.getElementById('file-list').innerText`)
	assert.Contains(t, list, "hello.txt (25 B)")
	assert.Contains(t, list, "blob.bin (64 KiB)")
	assert.Contains(t, list, "dropped.txt")
	require.False(t, Eval[bool](tab, `document.getElementById('boot-files').disabled`))

	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("boot-files"))))
	tab.WaitJS("the boot with files", `/CONF initrd entry home\/user\//.test(gohost.output()) && /CONF DONE \d+ \d+/.test(gohost.output())`, 45*time.Second)
	out = Eval[string](tab, `gohost.output()`)
	requireAllPassed(t, out)
	assert.Contains(t, out, "CONF boot initrd_len PASS")
	assert.Contains(t, out, "CONF boot initrd_fnv PASS")
	for _, f := range all {
		assert.Contains(t, out, fmt.Sprintf("CONF initrd entry home/user/%s %d\r\n", f.Name, len(f.Data)))
	}
	assert.Contains(t, out, "CONF initrd entry bin/conf_a ", "the base archive is still there")
	assert.Equal(t, 2, pfCount(stageEvents(t, tab.events()), "boot"))
}

// keys sends key presses to the focused element.
func (tab *Tab) keys(what, keys string, mods ...chromedp.Modifier) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, chromedp.KeyEvent(keys, chromedp.KeyModifiers(mods...))); err != nil {
		tab.t.Fatalf("%s: %v", what, err)
	}
}

var pfInputGot = regexp.MustCompile(`CONF input got ([0-9a-f ]+)\r\n`)

// echoed is every byte the input scenario has echoed so far.
func pfEchoed(out string) string {
	var all []string
	for _, m := range pfInputGot.FindAllStringSubmatch(out, -1) {
		all = append(all, strings.Fields(m[1])...)
	}
	return strings.Join(all, "")
}

// PasteCopyCtrlC: Ctrl-C arrives as 0x03; a selection copied with
// Ctrl+Shift+C and Ctrl+Insert lands on the clipboard and sends nothing to
// the guest; a multi-line UTF-8 paste with Ctrl+Shift+V and Shift+Insert
// arrives as typed (xterm turns \n into \r).
func testPasteCopyCtrlC(t *testing.T) {
	tab := confTab(t, 90*time.Second, "conf=input maxcpus=3 input_until=7e input_timeout=60", nil)
	origin := baseURL
	tab.cdpDo("grant clipboard access", func(ctx context.Context, tg *chromedp.Target) error {
		for _, p := range []browser.PermissionDescriptor{{Name: "clipboard-read"}, {Name: "clipboard-write", AllowWithoutSanitization: true}} {
			if _, err := cdp.Call(ctx, tg, browser.SetPermission, browser.SetPermissionParams{Permission: &p, Setting: browser.PermissionSettingGranted, Origin: origin}); err != nil {
				return err
			}
		}
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
	tab.WaitJS("the input scenario", `globalThis.gohost && gohost.output().includes('CONF input ready PASS')`, 45*time.Second)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("terminal"))))
	tab.WaitJS("terminal focus", `document.activeElement && document.activeElement.classList.contains('xterm-helper-textarea')`, 5*time.Second)

	// Ctrl-C.
	tab.keys("Ctrl+C", "c", chromedp.ModifierCtrl)
	tab.WaitJS("Ctrl-C echoed", `/CONF input got 03/.test(gohost.output())`, 10*time.Second)

	// Copy: select the ready line, Ctrl+Shift+C.
	for i, copyKey := range []struct {
		key  string
		mods []chromedp.Modifier
	}{{"C", []chromedp.Modifier{chromedp.ModifierCtrl, chromedp.ModifierShift}}, {kb.Insert, []chromedp.Modifier{chromedp.ModifierCtrl}}} {
		Eval[chromedp.Void](tab, `navigator.clipboard.writeText('before copy')`)
		sel := Eval[string](tab, `(() => {
		  const term = globalThis.linuxWasmPage.term, b = term.buffer.active;
		  for (let y = 0; y < b.length; y++) {
		    if (b.getLine(y).translateToString(true).includes('CONF input ready PASS')) { term.selectLines(y, y); break; }
		  }
		  return term.getSelection();
		})()`)
		require.Contains(t, sel, "CONF input ready PASS")
		tab.keys("copy", copyKey.key, copyKey.mods...)
		tab.WaitJS(fmt.Sprintf("copy #%d on the clipboard", i+1), `navigator.clipboard.readText().then((s) => s.includes('CONF input ready PASS'))`, 5*time.Second)
		got := Eval[string](tab, `navigator.clipboard.readText()`)
		assert.Equal(t, strings.TrimRight(sel, "\n"), strings.TrimRight(got, "\n"))
	}
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, "03", pfEchoed(Eval[string](tab, `gohost.output()`)), "copying sent nothing to the guest")

	// Paste with Shift+Insert, then with Ctrl+Shift+V (ends with the
	// terminator byte '~').
	pastes := []struct {
		text string
		key  string // "" is the context menu's Paste (see contextMenuPaste)
		mods []chromedp.Modifier
	}{
		{"first line\nzweite Zeile: äöü €\n", kb.Insert, []chromedp.Modifier{chromedp.ModifierShift}},
		// Longer than the host's 4 KiB input staging buffer, with 3-byte
		// characters across its boundaries: arrives whole and in order.
		{strings.Repeat("ab€", 1000) + "\n", kb.Insert, []chromedp.Modifier{chromedp.ModifierShift}},
		{"from the menu: ü\n", "", nil},
		{"echo 'multi\nline'\r\nend~", "V", []chromedp.Modifier{chromedp.ModifierCtrl, chromedp.ModifierShift}},
	}
	want := "\x03"
	for _, p := range pastes {
		j, _ := json.Marshal(p.text)
		Eval[chromedp.Void](tab, fmt.Sprintf(`navigator.clipboard.writeText(%s)`, j))
		if p.key == "" {
			contextMenuPaste(t, tab)
		} else {
			tab.keys("paste", p.key, p.mods...)
		}
		want += regexp.MustCompile(`\r?\n`).ReplaceAllString(p.text, "\r")
		wantHex := hex.EncodeToString([]byte(want))
		tab.WaitJS("the paste echoed", fmt.Sprintf(`(() => { let h = ''; for (const m of gohost.output().matchAll(/CONF input got ([0-9a-f ]+)\r\n/g)) h += m[1].replace(/ /g, ''); return h.length >= %d; })()`, len(wantHex)), 15*time.Second)
		assert.Equal(t, wantHex, pfEchoed(Eval[string](tab, `gohost.output()`)), "bytes received = typed bytes")
	}
	out := tab.waitDone(20 * time.Second)
	assert.Regexp(t, `CONF input terminator PASS`, out)
	requireAllPassed(t, out)
}

// contextMenuPaste does what choosing Paste in the terminal's context menu
// does: a right click (xterm.js moves its textarea under the pointer so the
// browser's menu offers Paste for it), then the browser's own paste command
// on the focused element, which fires a native paste event. Headless
// Chromium shows no menu to click, so the command is sent directly.
func contextMenuPaste(t *testing.T, tab *Tab) {
	t.Helper()
	type pt struct{ X, Y float64 }
	c := Eval[pt](tab, `(() => { const r = document.querySelector('#terminal .xterm-screen').getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.MouseClickXY(c.X, c.Y, chromedp.ButtonRight)))
	tab.WaitJS("the textarea under the pointer", `document.activeElement && document.activeElement.classList.contains('xterm-helper-textarea')`, 5*time.Second)
	tab.cdpDo("the paste command", func(ctx context.Context, tg *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ}
			if typ == input.DispatchKeyEventTypeRawKeyDown {
				p.Commands = []string{"paste"}
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Resize: the terminal follows the window size (fit addon).
func testResize(t *testing.T) {
	tab := confTab(t, 60*time.Second, "conf=console maxcpus=3", nil)
	tab.waitDone(45 * time.Second)
	type dims struct{ Cols, Rows, Wcols, Wrows int }
	const dimsJS = `(() => { const p = globalThis.linuxWasmPage, d = p.fit.proposeDimensions() || {cols: 0, rows: 0};
	  return {Cols: p.term.cols, Rows: p.term.rows, Wcols: d.cols, Wrows: d.rows}; })()`
	resize := func(w, h int64) dims {
		tab.cdpDo("resize", func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: h, DeviceScaleFactor: 1})
			return err
		})
		tab.WaitJS(fmt.Sprintf("window %dx%d", w, h), fmt.Sprintf(`window.innerWidth === %d && window.innerHeight === %d`, w, h), 5*time.Second)
		// The terminal settles at what the fit addon proposes.
		tab.WaitJS("terminal fitted", fmt.Sprintf(`(() => { const d = %s; return d.Cols === d.Wcols && d.Rows === d.Wrows && d.Cols > 0; })()`, dimsJS), 5*time.Second)
		return Eval[dims](tab, dimsJS)
	}
	start := Eval[dims](tab, dimsJS)
	small := resize(700, 600)
	big := resize(1800, 1200)
	t.Logf("terminal: start %dx%d, 700x600 → %dx%d, 1800x1200 → %dx%d", start.Cols, start.Rows, small.Cols, small.Rows, big.Cols, big.Rows)
	assert.Less(t, small.Cols, big.Cols)
	assert.Less(t, small.Rows, big.Rows)
	assert.Greater(t, big.Cols-small.Cols, 40, "1100 px wider is many more columns")
	// The content is still there after the resizes.
	assert.Contains(t, tab.TerminalText(), "CONF DONE")
	tab.cdpDo("clear the override", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	})
}

// LogDownload: "Download log" saves the console output (raw UTF-8, the
// split € whole) as a text file.
func testLogDownload(t *testing.T) {
	dir := t.TempDir()
	tab := confTab(t, 60*time.Second, "conf=console maxcpus=3", nil)
	out := tab.waitDone(45 * time.Second)
	require.Contains(t, out, "€")
	tab.cdpDo("allow downloads", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	})
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("download-log"))))
	var name string
	deadline := time.Now().Add(10 * time.Second)
	for name == "" && time.Now().Before(deadline) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "linux-wasm-console-") && strings.HasSuffix(e.Name(), ".txt") {
				name = filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	require.NotEmpty(t, name, "no log file downloaded into %s", dir)
	var got []byte
	for time.Now().Before(deadline) {
		got, _ = os.ReadFile(name)
		if len(got) >= len(out) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The log is everything printed up to the click; the machine prints
	// nothing after CONF DONE here, so it equals the output.
	assert.Equal(t, Eval[string](tab, `gohost.output()`), string(got))
	assert.Contains(t, string(got), "CONF console utf8split")
}

// API: boot with options, events, waitFor with a string, a RegExp and a
// timeout, input, output, status, reboot, stop.
func testAPI(t *testing.T) {
	tab := confTab(t, 120*time.Second, "conf=console maxcpus=3", nil)
	tab.waitDone(45 * time.Second)
	Eval[chromedp.Void](tab, `globalThis.__pf.events.length = 0`)

	cmd := "conf=input maxcpus=2 input_until=7e input_timeout=60"
	j, _ := json.Marshal(cmd)
	Eval[chromedp.Void](tab, fmt.Sprintf(`gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: %s})`, j))
	stages := stageEvents(t, tab.events())
	assert.True(t, inOrder(stages, "download", "compile", "boot"), "stage events of the API boot: %v", stages)

	// waitFor with a string resolves with the output.
	got := Eval[string](tab, `gohost.waitFor('CONF input ready PASS', 30000)`)
	assert.Contains(t, got, "Command line: "+cmd)
	assert.NotContains(t, got, "CONF DONE", "the output is the new machine's")
	// input, then waitFor with a RegExp.
	Eval[chromedp.Void](tab, `gohost.input('hé')`)
	got = Eval[string](tab, `gohost.waitFor(/CONF input got (?:[0-9a-f]{2} ?)*a9/, 10000)`)
	assert.Equal(t, "68c3a9", pfEchoed(got), "input is UTF-8 encoded")
	// waitFor rejects after its timeout.
	type rej struct {
		Msg string
		Ms  float64
	}
	r := Eval[rej](tab, `(async () => { const t0 = performance.now();
	  try { await gohost.waitFor('never printed', 400); return {Msg: 'resolved', Ms: 0}; }
	  catch (e) { return {Msg: String(e && e.message), Ms: performance.now() - t0}; } })()`)
	assert.Contains(t, r.Msg, "timed out")
	assert.GreaterOrEqual(t, r.Ms, 390.0)
	assert.Less(t, r.Ms, 5000.0)
	// A RegExp that matches the output immediately resolves at once.
	assert.Contains(t, Eval[string](tab, `gohost.waitFor(/conformance kernel/, 1)`), "conformance kernel")

	type status struct {
		UptimeMs, Cpus, Workers, Pool, Tasks, Switches, TasksCreated int
		MemoryBytes, ConsoleIn, ConsoleOut                           int64
		Stage                                                        string
	}
	const statusJS = `(() => { const s = gohost.status(); return {UptimeMs: s.uptimeMs, Cpus: s.cpus, Workers: s.workers, Pool: s.pool, Tasks: s.tasks,
	  Switches: s.switches, TasksCreated: s.tasksCreated, MemoryBytes: s.memoryBytes, ConsoleIn: s.consoleIn, ConsoleOut: s.consoleOut, Stage: s.stage}; })()`
	s := Eval[status](tab, statusJS)
	assert.Equal(t, 2, s.Cpus)
	assert.Equal(t, int64(3), s.ConsoleIn, "'hé' is 3 bytes")
	assert.Equal(t, int64(len(Eval[string](tab, `gohost.output()`))), s.ConsoleOut)
	assert.Equal(t, "running", s.Stage)
	assert.Positive(t, s.UptimeMs)
	assert.Positive(t, s.Workers)
	assert.Positive(t, s.MemoryBytes)
	assert.Positive(t, s.Tasks)

	// Finish the scenario, then reboot: the same options, a fresh machine.
	Eval[chromedp.Void](tab, `gohost.input('~')`)
	out := Eval[string](tab, `gohost.waitFor(/CONF DONE \d+ \d+/, 20000)`)
	requireAllPassed(t, out)
	// Whether the kernel switched tasks before the scenario's polling loop
	// depends on timing (CI once saw 0 there); after CONF DONE its init
	// task blocks for good, which is a switch to the idle task every time.
	tab.WaitJS("the status counts the switch to idle", `gohost.status().switches > 0`, 10*time.Second)
	Eval[chromedp.Void](tab, `globalThis.__pf.events.length = 0`)
	Eval[chromedp.Void](tab, `gohost.reboot()`)
	got = Eval[string](tab, `gohost.waitFor('CONF input ready PASS', 30000)`)
	assert.NotContains(t, got, "CONF input got", "rebooted: the old output is gone")
	assert.Contains(t, got, "Command line: "+cmd, "rebooted with the same options")
	assert.Equal(t, int64(0), Eval[status](tab, statusJS).ConsoleIn)
	assert.Contains(t, stageEvents(t, tab.events()), "boot")

	// stop ends every worker.
	Eval[chromedp.Void](tab, `gohost.stop()`)
	assert.Equal(t, 0, Eval[int](tab, `gohost.status().workers`))

	// Bad options are refused with a readable message and an error event.
	tab.AllowConsoleErrors = probe404
	msg := Eval[string](tab, `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'x'.repeat(600)}).then(() => 'resolved', (e) => e.message)`)
	assert.NotEqual(t, "resolved", msg)
	assert.Regexp(t, `(?i)command line|cmdline|511|512`, msg)
	msg = Eval[string](tab, `gohost.boot({kernel: '/conformance/missing.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'conf=console'}).then(() => 'resolved', (e) => e.message)`)
	assert.Contains(t, msg, "404")
	var sawError bool
	for _, e := range tab.events() {
		if e.Type == "error" && strings.Contains(string(e.Ev), "404") {
			sawError = true
		}
	}
	assert.True(t, sawError, "an 'error' event for the failed download")

	// Options of the wrong type or out of range are refused by name, before
	// anything changes (the running machine goes on).
	Eval[chromedp.Void](tab, `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'conf=console maxcpus=2'})`)
	tab.WaitJS("a machine running", `gohost.status().stage === 'running' || gohost.status().stage === 'ready'`, 30*time.Second)
	for opts, want := range map[string]string{
		`{poolFloor: 999}`:       "poolFloor must be a whole number from 0 to 64",
		`{poolCeiling: -1}`:      "poolCeiling must be a whole number from 0 to 512",
		`{poolFloor: 1.5}`:       "poolFloor must be a whole number",
		`{poolFloor: '4'}`:       "poolFloor must be a whole number",
		`{kernel: 5}`:            "kernel must be a string",
		`{cmdline: ['a']}`:       "cmdline must be a string",
		`{files: 'notes.txt'}`:   "files must be an array of File objects",
		`'conf=console'`:         "the options must be an object",
		`{files: [{name: 'x'}]}`: "cannot read x",
	} {
		msg := Eval[string](tab, `gohost.boot(`+opts+`).then(() => 'resolved', (e) => e.message)`)
		assert.Contains(t, msg, want, "gohost.boot(%s)", opts)
	}
	assert.Contains(t, []string{"running", "ready"}, Eval[string](tab, `gohost.status().stage`), "the refused boots changed nothing")
	assert.Equal(t, 2, Eval[int](tab, `gohost.status().cpus`))
}

// DocsScreenshot writes docs/screenshot.png (the README's picture) when
// GOHOST_DOCS_SCREENSHOT=1; otherwise it is skipped.
func testDocsScreenshot(t *testing.T) {
	if os.Getenv("GOHOST_DOCS_SCREENSHOT") != "1" {
		t.Skip("set GOHOST_DOCS_SCREENSHOT=1 to update docs/screenshot.png")
	}
	// Scenarios without deliberate traps (whose stack dumps the host logs).
	tab := confTab(t, 3*time.Minute, conformanceCmdline(t, "boot,console,clock,smp,switch,init,syscalls,clone,exec,signal,bigtable"), nil)
	requireAllPassed(t, tab.waitDone(150*time.Second))
	tab.cdpDo("viewport", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: 1280, Height: 800, DeviceScaleFactor: 1})
		return err
	})
	time.Sleep(time.Second) // refit and a status refresh
	buf, err := chromedp.Run(tab.ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join("..", "docs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join("..", "docs", "screenshot.png"), buf, 0o644))
}
