//go:build !js

package e2e

// A kernel fault reads as one (issue 19 item 6): when the kernel prints its
// own stall report, the page says "the kernel reports CPU n stalled (task
// X)" with the state dump, at once, not only "not answering" 10 s later.
// The conformance kernel's stall scenario spins a kernel thread on CPU 1
// and prints an RCU stall report for it, its headline split across two
// console drains.

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/kfault"
)

type stallEvent struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
	Source string `json:"source"`
	Kernel *struct {
		Kind     string   `json:"kind"`
		Summary  string   `json:"summary"`
		CPUs     []int    `json:"cpus"`
		Task     string   `json:"task"`
		PID      int      `json:"pid"`
		Headline string   `json:"headline"`
		Lines    []string `json:"lines"`
	} `json:"kernel"`
	State struct {
		KernelReports []string `json:"kernelReports"`
	} `json:"state"`
}

func stallEvents(t *testing.T, tab *Tab) []stallEvent {
	t.Helper()
	var evs []stallEvent
	raw := Eval[json.RawMessage](tab, `__pf.events.filter((e) => e.type === 'stall').map((e) => e.ev)`)
	require.NoError(t, json.Unmarshal(raw, &evs))
	return evs
}

func TestKernelStallReport(t *testing.T) {
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "stall"), nil)
	requireAllPassed(t, tab.waitDone(45*time.Second))
	tab.WaitJS("the kernel's stall event", `__pf.events.some((e) => e.type === 'stall')`, 10*time.Second)
	out := Eval[string](tab, `gohost.output()`)
	require.Contains(t, out, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", "the kernel printed its report")

	evs := stallEvents(t, tab)
	require.Len(t, evs, 1, "one report, one event")
	ev := evs[0]
	assert.Equal(t, "kernel", ev.Source)
	assert.Regexp(t, `^the kernel reports CPU 1 stalled \(task conf_spin, pid \d+\): RCU stall$`, ev.Reason)
	require.NotNil(t, ev.Kernel)
	assert.Equal(t, "RCU stall", ev.Kernel.Kind)
	assert.Equal(t, []int{1}, ev.Kernel.CPUs)
	assert.Equal(t, "conf_spin", ev.Kernel.Task)
	assert.Equal(t, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", ev.Kernel.Headline, "the headline came in two drains and reads whole")
	assert.Len(t, ev.Kernel.Lines, 5)
	// The pid is the one the kernel printed.
	m := regexp.MustCompile(`task:conf_spin state:R\s+running task\s+stack:0\s+pid:(\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m)
	assert.Contains(t, ev.Reason, "pid "+m[1]+")")
	first, n := kernelFaults(out)
	assert.Equal(t, 1, n, "the harness's own reading of the console (soak reports)")
	assert.Equal(t, ev.Reason+"\n  first line: rcu: INFO: rcu_sched detected stalls on CPUs/tasks:", first)
	// The state dump comes with it; the status bar and debugState say it.
	assert.Contains(t, ev.Text, "gohost state dump")
	assert.Contains(t, ev.Text, "the kernel's report:\n  rcu: INFO: rcu_sched detected stalls")
	assert.Equal(t, []string{ev.Reason}, ev.State.KernelReports)
	assert.Regexp(t, `^The kernel reports CPU 1 stalled \(task conf_spin, pid \d+\): RCU stall \(state dump`, pfText(tab, "stage"))
	assert.Equal(t, []string{ev.Reason}, Eval[[]string](tab, `gohost.debugState().kernelReports`))

	// Typed input now waits unread (the scenario reads none): the host's own
	// watchdog fires later and names the kernel's report.
	Eval[any](tab, `gohost.input('x')`)
	tab.WaitJS("the watchdog's stall event", `__pf.events.filter((e) => e.type === 'stall').length === 2`, 30*time.Second)
	evs = stallEvents(t, tab)
	host := evs[1]
	assert.Equal(t, "host", host.Source)
	assert.Regexp(t, `^1 bytes of console input have waited \d+s unread by the kernel.*; \d+s before, the kernel reports CPU 1 stalled \(task conf_spin`, host.Reason)
	require.NotNil(t, host.Kernel)
	assert.Equal(t, "conf_spin", host.Kernel.Task)
	assert.Contains(t, pfText(tab, "stage"), "Not answering: 1 bytes")
}

// kernelFaults reads the kernel's fault reports from console text with the
// host's recogniser, run here natively over what the page kept: the first
// report's sentence and headline, or "".
func kernelFaults(out string) (first string, n int) {
	var s kfault.Scanner
	rs := s.Feed(time.Time{}, out)
	rs = s.Flush(time.Time{}.Add(kfault.Settle), rs)
	if len(rs) == 0 {
		return "", 0
	}
	return rs[0].Summary() + "\n  first line: " + rs[0].Headline, len(rs)
}

// stallReport is what a test says when a machine stopped answering: the
// kernel's first fault report, if it printed one, and where the state dump
// and the workers' stacks were written (dumpStacks).
func stallReport(t *testing.T, tab *Tab, why string) string {
	t.Helper()
	var b strings.Builder
	sctx, cancel := context.WithTimeout(tab.base, 5*time.Second)
	out, err := chromedp.Run(sctx, chromedp.Evaluate[string](`globalThis.gohost ? gohost.output() : ''`))
	cancel()
	if err == nil {
		if first, n := kernelFaults(out); n > 0 {
			fmt.Fprintf(&b, "\nthe kernel reported %d fault(s); the first: %s", n, first)
		} else {
			b.WriteString("\nthe kernel reported no fault on the console")
		}
	}
	if r := dumpStacks(t, tab, why); r != nil {
		fmt.Fprintf(&b, "\nworker stacks (%d workers) and the state dump: %s", len(r.Workers), stacksFile(t))
	}
	return b.String()
}

// soakFaults follows the kernel's fault reports during a soak: the first is
// logged with its line when it appears, and the workers' stacks are dumped
// then (once: a page's workers answer one DevTools dump), while the stuck
// CPU is still stuck.
type soakFaults struct {
	first string
	n     int
}

func soakKernelFaults(t *testing.T, tab *Tab, kf *soakFaults) {
	t.Helper()
	first, n := kernelFaults(Eval[string](tab, `gohost.output()`))
	if n == kf.n {
		return
	}
	if kf.n == 0 {
		kf.first = first
		t.Logf("the kernel reported a fault: %s", first)
		dumpStacks(t, tab, "the kernel reported a fault: "+first)
	}
	kf.n = n
}

func (kf *soakFaults) summary() string {
	if kf.n == 0 {
		return "none"
	}
	return fmt.Sprintf("%d; the first: %s", kf.n, kf.first)
}
