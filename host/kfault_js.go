// Kernel fault reports: the kernel's own "CPU n stalled" (an RCU stall, a
// lockup, an oops) read from the console the main thread drains anyway, and
// said to the page as a stall event (issue 19).

package host

import (
	"fmt"
	"strings"
	"time"

	"github.com/linuxwasm/gohost/internal/kfault"
)

// maxKernelStalls is how many kernel reports a machine sends as stall
// events; later ones are logged only. Linux repeats an RCU stall report
// every ~63 s for as long as the stall lasts.
const maxKernelStalls = 8

// kernelFaults is what the machine has seen of the kernel's fault reports.
type kernelFaults struct {
	scan    kfault.Scanner
	reports []kernelFault // the first few, for debugState and the hang watchdog
	count   int
}

type kernelFault struct {
	r  kfault.Report
	at time.Time
}

// scanKernelFaults reads console text just handed to the page (decoded by
// the transcript already, so this costs no JS call).
func (m *Machine) scanKernelFaults(text string) {
	for _, r := range m.kfaults.scan.Feed(time.Now(), text) {
		m.kernelFault(r)
	}
}

// flushKernelFaults reports a report whose details did not follow.
func (m *Machine) flushKernelFaults() {
	if m.kfaults.scan.Pending() {
		for _, r := range m.kfaults.scan.Flush(time.Now(), nil) {
			m.kernelFault(r)
		}
	}
}

// kernelFault says that the kernel reported a fault: a log line with the
// report and the state dump, and a stall event the page shows.
func (m *Machine) kernelFault(r kfault.Report) {
	if m.stopped || m.br == nil {
		return
	}
	k := &m.kfaults
	k.count++
	if len(k.reports) < maxKernelStalls {
		k.reports = append(k.reports, kernelFault{r: r, at: time.Now()})
	}
	why := r.Summary()
	if k.count > maxKernelStalls {
		m.ev.Log(why + fmt.Sprintf(" (kernel report %d; only the first %d are sent as stall events)", k.count, maxKernelStalls))
		return
	}
	d := m.DebugState()
	text := why + "\nthe kernel's report:\n  " + strings.Join(r.Lines, "\n  ") + "\n" + d.Text()
	m.ev.Log(text)
	m.ev.Stall(why, text, d.Map(), kernelMap(r))
}

// kernelMap is a report as plain values (the stall event's kernel field).
func kernelMap(r kfault.Report) map[string]any {
	cpus := make([]any, len(r.CPUs))
	for i, c := range r.CPUs {
		cpus[i] = c
	}
	lines := make([]any, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = l
	}
	return map[string]any{"kind": string(r.Kind), "summary": r.Summary(), "cpus": cpus, "task": r.Task,
		"pid": r.PID, "headline": r.Headline, "lines": lines}
}

// lastKernelFault is the latest report kept, with how long ago it came.
func (m *Machine) lastKernelFault() (*kfault.Report, time.Duration) {
	if n := len(m.kfaults.reports); n > 0 {
		f := &m.kfaults.reports[n-1]
		return &f.r, time.Since(f.at)
	}
	return nil, 0
}

// kernelReportLines are the reports kept, one summary each (debugState).
func (m *Machine) kernelReportLines() []string {
	var s []string
	for _, f := range m.kfaults.reports {
		s = append(s, f.r.Summary())
	}
	if n := m.kfaults.count - len(m.kfaults.reports); n > 0 {
		s = append(s, fmt.Sprintf("and %d more", n))
	}
	return s
}
