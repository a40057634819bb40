//go:build !js

package e2e

// Seeing inside a stuck machine (issue 19 item 7): when a test sees a stall
// it writes every worker's stack (internal/stackdump) beside the state dump.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/stackdump"
)

// dumpStacks writes why, the machine's state (gohost.debugState()) and
// every worker's stack to <artifactDir>/<test>-stacks.txt and returns the
// report (nil if the dump failed; the reason is logged and written). It has
// its own deadline: the test's may have passed.
func dumpStacks(t *testing.T, tab *Tab, why string) *stackdump.Report {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n", t.Name(), why)
	sctx, cancel := context.WithTimeout(tab.base, 5*time.Second)
	state, err := chromedp.Run(sctx, chromedp.Evaluate[string](`(() => { try { return JSON.stringify(gohost.debugState(), null, 1); } catch (e) { return String(e); } })()`))
	if err != nil {
		state = "debugState: " + err.Error()
	}
	cancel()
	fmt.Fprintf(&b, "gohost.debugState():\n%s\n\n", state)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var r *stackdump.Report
	ws, err := browsertest.DevToolsURL(tab.base)
	if err == nil {
		r, err = stackdump.Dump(ctx, ws, chromedp.FromContext(tab.base).Target.TargetID, stackdump.Options{})
	}
	if err != nil {
		fmt.Fprintf(&b, "no worker stacks: %v\n", err)
		t.Logf("worker stacks: %v", err)
	} else {
		b.WriteString(r.Text())
	}
	if err := os.MkdirAll(artifactDir, 0o755); err != nil {
		t.Logf("worker stacks: %v", err)
		return r
	}
	name := stacksFile(t)
	if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
		t.Logf("worker stacks: %v", err)
		return r
	}
	t.Logf("state dump and worker stacks written to %s", name)
	return r
}

// stacksFile is where dumpStacks writes a test's dump.
func stacksFile(t *testing.T) string {
	return filepath.Join(artifactDir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_")+"-stacks.txt")
}

// A kernel thread spinning for good on CPU 1 (conf=stall): the dump names
// the function it spins in, and covers every worker of the machine. One
// dump per page: measured on Chromium 156, a page's running workers answer
// a second DevTools session's Debugger.enable no more (cause unknown).
func TestStackDumpNamesSpinner(t *testing.T) {
	tab := confTab(t, 2*time.Minute, conformanceCmdline(t, "stall"), nil)
	requireAllPassed(t, tab.waitDone(45*time.Second))
	tab.WaitJS("the kernel's stall report", `__pf.events.some((e) => e.type === 'stall')`, 15*time.Second)
	workers := Eval[int](tab, `gohost.status().workers`)

	r := dumpStacks(t, tab, "the kernel reported a stall")
	require.NotNil(t, r)
	t.Log(r.Text())
	assert.GreaterOrEqual(t, len(r.Workers), workers, "every worker of the machine is dumped")
	named := func(r *stackdump.Report) int {
		n := 0
		for _, w := range r.Workers {
			for _, f := range w.Frames {
				if strings.Contains(f.Function, "conf_stall_spin") {
					n++
					break
				}
			}
		}
		return n
	}
	assert.Equal(t, 1, named(r), "one worker paused in conf_stall_spin")
	// A worker that did not pause (one idle in its event loop: a started
	// worker in the stock) was profiled instead.
	unpaused := 0
	for _, w := range r.Workers {
		if !w.Paused {
			unpaused++
			require.NotNil(t, w.Profile, "worker %s: %s", w.TargetID, w.Err)
			assert.Greater(t, w.Profile.Samples, 0)
		}
	}
	t.Logf("%d of %d workers paused, %d profiled", len(r.Workers)-unpaused, len(r.Workers), unpaused)

	b, err := os.ReadFile(stacksFile(t))
	require.NoError(t, err)
	assert.Contains(t, string(b), "conf_stall_spin")
	assert.Contains(t, string(b), `"kernelReports"`, "the state dump is beside the stacks")
}
