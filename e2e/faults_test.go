//go:build !js

package e2e

// Faults through the conformance kernel: a kernel panic, traps in kernel
// threads and user programs, a worker that reports an error (issue 7).

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitQuiet checks that nothing runs any more. status().workers is the
// host's own map, which Stop() empties whether or not it terminated
// anything, so the judge is the browser: the workers it still runs for the
// tab (DevTools auto-attach; see Tab.workers) must come down to the host's
// stock of started, machine-less workers (status().stock), and stay there.
// The console output must not grow either.
func waitQuiet(t *testing.T, tab *Tab) {
	t.Helper()
	tab.WaitJS("no workers left", `gohost.status().workers === 0`, 5*time.Second)
	_, seen := tab.liveWorkers()
	require.Positive(t, seen, "the browser reported no worker of this tab at all: the check below would be empty")
	live, stock := workersSettle(func() (int, int) {
		live, _ := tab.liveWorkers()
		return live, Eval[int](tab, `gohost.status().stock`)
	})
	t.Logf("browser: %d of the tab's %d workers still run; host stock %d", live, seen, stock)
	require.Equal(t, stock, live, "workers the browser still runs for the tab (of %d started) vs the host's stock: a machine worker was not terminated", seen)
	before := Eval[int](tab, `gohost.status().consoleOut`)
	time.Sleep(time.Second)
	st := Eval[map[string]any](tab, `gohost.status()`)
	assert.EqualValues(t, 0, st["workers"], "workers a second later")
	assert.EqualValues(t, before, st["consoleOut"], "console output after the machine stopped")
}

// workersSettle polls read (the browser's live workers of the tab, the
// host's stock) until they agree on two readings 300 ms apart (the stock
// may still be filling, and a browser reports a new worker a little after
// it is made), for at most 10 s, and returns the last reading.
func workersSettle(read func() (live, stock int)) (int, int) {
	deadline := time.Now().Add(10 * time.Second)
	live, stock := read()
	for agreed := 0; agreed < 2 && time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		l, s := read()
		if l == s && l == live && s == stock {
			agreed++
		} else {
			agreed = 0
		}
		live, stock = l, s
	}
	return live, stock
}

// endedPanel is what the page must show when the kernel ends the machine.
type endedPanel struct {
	title    string
	message  *regexp.Regexp
	stack    string // in the panel's console tail
	stage    string
	printed  string // a line the kernel printed before the end
	notAfter string // a line the kernel prints only if the host came back
}

// machineEnds boots conf and checks the panel, the stage and the output, then
// that every worker is gone.
func machineEnds(t *testing.T, conf string, want endedPanel) {
	t.Helper()
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 2*time.Minute)
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, conf)))
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 90*time.Second)
	assert.Equal(t, want.title, Eval[string](tab, `document.getElementById('error-title').textContent`))
	assert.Regexp(t, want.message, Eval[string](tab, `document.getElementById('error-message').textContent`))
	assert.Contains(t, Eval[string](tab, `document.getElementById('error-stack').textContent`), want.stack)
	assert.False(t, Eval[bool](tab, `document.getElementById('reboot').hidden`), "a Reboot button")
	assert.Equal(t, want.stage, Eval[string](tab, `gohost.status().stage`))
	out := Eval[string](tab, `gohost.output()`)
	assert.Regexp(t, `CONF DONE \d+ 0`, out)
	assert.Contains(t, out, want.printed)
	if want.notAfter != "" {
		assert.NotContains(t, out, want.notAfter, "the host returned to the kernel")
	}
	waitQuiet(t, tab)
}

// TestFaultPanic: conf=panic stops every other CPU, then wasm_panic; the page
// shows the panic panel with the kernel's message and every worker is gone.
func TestFaultPanic(t *testing.T) {
	machineEnds(t, "panic", endedPanel{
		title: "Kernel panic", message: regexp.MustCompile(`^conformance panic test$`),
		stack: "CONF panic stopping cpu", stage: "panic",
		printed: "CONF panic stopping cpu 0", notAfter: "end Kernel panic",
	})
}

// TestFaultHalt: conf=halt stops every other CPU the way machine_halt does,
// then spins in its worker with no import to tell the host. The page must
// call it a halt (not a panic, not a hang), show the console tail, and end
// every worker, the spinning one too.
func TestFaultHalt(t *testing.T) {
	machineEnds(t, "console,halt", endedPanel{
		title: "The machine halted", message: regexp.MustCompile(`stopped its CPUs`),
		stack: "reboot: System halted", stage: "halted",
		printed: "CONF halt stopping cpu 0",
	})
}

// TestFaultExceptions boots only the exceptions scenario (traps in user
// programs and in a kernel thread, each through raise_exception) and
// requires each of its checks to pass and the machine to go on: CONF DONE
// with no failure, still running, workers alive. It runs twice: once with a
// kernel that returns from raise_exception with a SIGILL handler queued
// (the spec's reading), once with one that runs that handler from inside
// raise_exception (raise_tail=1); the handler must run once either way.
func TestFaultExceptions(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	for _, c := range []struct{ name, extra string }{
		{"handler queued", "raise_tail=0"},
		{"handler run inside raise_exception", "raise_tail=1"},
	} {
		t.Run(c.name, func(t *testing.T) { faultExceptions(t, c.extra) })
	}
}

func faultExceptions(t *testing.T, extra string) {
	tab := newTab(t, 2*time.Minute)
	out := bootConformance(t, tab, conformanceCmdline(t, "exceptions", extra), 90*time.Second)
	var pass []string
	for _, l := range regexp.MustCompile(`CONF exceptions \S+ (PASS|FAIL)[^\r\n]*`).FindAllString(out, -1) {
		if strings.Contains(l, " FAIL") {
			t.Errorf("%s", l)
		}
		pass = append(pass, l)
	}
	t.Logf("%d exceptions checks:\n%s", len(pass), strings.Join(pass, "\n"))
	assert.GreaterOrEqual(t, len(pass), 4, "the exceptions scenario reported its checks")
	for _, f := range confFail.FindAllString(out, -1) {
		t.Errorf("%s", f)
	}
	m := confDone.FindStringSubmatch(out)
	require.NotNil(t, m)
	assert.Equal(t, "0", m[2], "failed checks")
	assert.Equal(t, m[1], faultItoa(len(pass)), "every check of the run is an exceptions check")
	// The host stayed consistent: not failed, workers alive, no error shown.
	time.Sleep(time.Second)
	assert.Contains(t, []string{"running", "ready"}, Eval[string](tab, `gohost.status().stage`))
	assert.Greater(t, Eval[int](tab, `gohost.status().workers`), 0)
	assert.True(t, Eval[bool](tab, `document.getElementById('error-panel').hidden`), "no error panel")
}

func faultItoa(n int) string { return strconv.Itoa(n) }

var faultInputGot = regexp.MustCompile(`CONF input got ([0-9a-fA-F ]+)`)

// faultEchoed is every byte the input scenario echoed, in order, as hex digits.
func faultEchoed(out string) string {
	var b strings.Builder
	for _, m := range faultInputGot.FindAllStringSubmatch(out, -1) {
		b.WriteString(strings.ReplaceAll(m[1], " ", ""))
	}
	return strings.ToLower(b.String())
}

// workerSpy records the page's Workers (the page keeps no handle on them).
const workerSpy = `(() => {
  const W = globalThis.Worker;
  if (typeof W !== 'function') return;
  const list = [];
  globalThis.__e2eWorkers = list;
  globalThis.Worker = class extends W { constructor(...a) { super(...a); list.push(this); } };
})();`

// TestFaultWorkerError: a running machine's worker fires an error event (as
// an uncaught exception in the worker does). The host must name the worker
// and its task, mark the machine failed and terminate every worker. The
// event is synthetic (dispatched on the Worker object): a real worker crash
// after boot cannot be provoked from the page; real error events at start-up
// are covered by TestBadInput/kernel-data-beyond-memory.
func TestFaultWorkerError(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 2*time.Minute)
	err := chromedp.Do(tab.base, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: workerSpy})
		return chromedp.Void{}, err
	})
	require.NoError(t, err)
	bootConformance(t, tab, conformanceCmdline(t, "console,smp"), 90*time.Second)
	// The host keeps a stock of started workers beyond the machine's; the
	// machine's are those it has given an id.
	n := Eval[int](tab, `globalThis.__e2eWorkers.filter((w) => w.gohostID !== undefined).length`)
	require.Greater(t, n, 1, "workers seen by the spy")
	assert.Equal(t, n, Eval[int](tab, `gohost.status().workers`), "the spy saw every worker")

	Eval[any](tab, `globalThis.__e2eWorkers.find((w) => w.gohostID === 1).dispatchEvent(new ErrorEvent('error', {message: 'e2e: simulated crash', cancelable: true})), null`)
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 10*time.Second)
	assert.Equal(t, "The machine failed", Eval[string](tab, `document.getElementById('error-title').textContent`))
	assert.Regexp(t, `^worker 1 \(CPU 0[^)]*\)?\) died: e2e: simulated crash$`, Eval[string](tab, `document.getElementById('error-message').textContent`))
	assert.Equal(t, "failed", Eval[string](tab, `gohost.status().stage`))
	waitQuiet(t, tab)
}
