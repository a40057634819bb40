//go:build !js

package e2e

// The panic panel and Reboot, and the renderer's memory over repeated reboots.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/browsertest"
)

func TestPageReboot(t *testing.T) {
	t.Run("PanicReboot", testPanicReboot)
	t.Run("RebootMemory", testRebootMemory)
}

// waitPanicPanel waits for the n-th panic of the tab to be shown.
func waitPanicPanel(tab *Tab, n int, timeout time.Duration) {
	tab.t.Helper()
	tab.WaitJS(fmt.Sprintf("panic #%d shown", n), fmt.Sprintf(`globalThis.__pf.events.filter((e) => e.type === 'stage' && e.ev.stage === 'panic').length >= %d &&
	  !document.getElementById('error-panel').hidden && document.getElementById('error-title').textContent === 'Kernel panic'`, n), timeout)
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

// rendererPSS sums the proportional set size of a browser's renderer
// processes (descendants of its main process started with --type=renderer).
func rendererPSS(t *testing.T, browser context.Context) int64 {
	t.Helper()
	root := browsertest.BrowserPID(browser)
	require.NotZero(t, root, "browser process unknown")
	pss, err := browsertest.RendererPSS(root)
	require.NoError(t, err)
	require.NotEmpty(t, pss, "no renderer process found under the browser (pid %d)", root)
	var total int64
	for _, kb := range pss {
		total += kb << 10
	}
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
