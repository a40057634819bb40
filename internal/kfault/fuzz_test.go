package kfault

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzScanner: whatever the console carries and however the drains cut it,
// the reports are those of the same text fed whole, the scanner stays
// bounded, and every report's headline is one of the text's lines.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{rcuStall, "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [ps:57]\n",
		"BUG: kernel NULL pointer dereference\nOops: 0000 [#1]\nCPU: 2 PID: 41 Comm: x\n",
		"INFO: task a:b:7 blocked for more than 1 seconds.\n", "Kernel panic - not syncing: x\r\n",
		"NMI watchdog: Watchdog detected hard LOCKUP on cpu 1\nCPU: 1 PID: 0 Comm: swapper/1\n",
		"[ 1.2] rcu: INFO: rcu_sched detected stalls on CPUs/tasks: { 99999999999 -1}\ntask:\n"} {
		f.Add(s, uint16(7), uint16(3))
	}
	f.Fuzz(func(t *testing.T, text string, cut1, cut2 uint16) {
		whole := feedAll(text)
		a, b := int(cut1)%(len(text)+1), int(cut2)%(len(text)+1)
		if a > b {
			a, b = b, a
		}
		var s Scanner
		var got []Report
		for _, piece := range []string{text[:a], text[a:b], text[b:]} {
			got = append(got, s.Feed(t0, piece)...)
			if len(s.partial) > MaxLine {
				t.Fatalf("partial line of %d bytes", len(s.partial))
			}
		}
		got = s.Flush(t0.Add(Settle), got)
		if !reflect.DeepEqual(whole, got) {
			t.Fatalf("cut at %d, %d:\nwhole %+v\npieces %+v", a, b, whole, got)
		}
		for _, r := range got {
			if len(r.Lines) == 0 || len(r.Lines) > MaxLines || r.Lines[0] != r.Headline {
				t.Fatalf("report lines %q, headline %q", r.Lines, r.Headline)
			}
			for _, l := range r.Lines {
				if len(l) > MaxLine {
					t.Fatalf("line of %d bytes kept", len(l))
				}
			}
			if !strings.Contains(text, strings.TrimLeft(r.Headline, " ")) {
				t.Fatalf("headline %q is not in the text", r.Headline)
			}
			if r.Summary() == "" || len(r.CPUs) > 64 {
				t.Fatalf("report %+v", r)
			}
		}
	})
}
