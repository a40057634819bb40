//go:build !js

package e2e

// churn: the realboot machine typed at line after line with a pipeline, so
// tasks are created (two BusyBox-sized children per line, each a fork +
// exec), exit, are reaped by wait4 (possibly before their final switch) and
// released, and their workers retired or reused, with idle gaps between
// lines as a user leaves them (issue 15). TestChurn is the short version in
// make test; TestSoakChurn (make soak SOAK_MODE=churn) the long one.

import (
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type churnStats struct {
	lines   int
	answers []time.Duration
}

func (s *churnStats) summary(tab *Tab) string {
	d := append([]time.Duration(nil), s.answers...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) == 0 {
		return "no lines"
	}
	st := Eval[string](tab, `JSON.stringify(gohost.status())`)
	return fmt.Sprintf("%d lines answered; answer min %v median %v p90 %v max %v; status %s",
		s.lines, d[0], d[len(d)/2], d[len(d)*9/10], d[len(d)-1], st)
}

// churnLine types `echo itN; ls | wc` and requires its whole answer within
// shellAnswer (shellLine fails with the console tail and debugState).
func churnLine(t *testing.T, tab *Tab, n int, s *churnStats) {
	t.Helper()
	out, d := shellLine(t, tab, fmt.Sprintf("echo it%d; ls | wc", n), "10 10 44\r\n")
	require.Contains(t, out, fmt.Sprintf("\r\nit%d\r\n", n))
	s.lines++
	s.answers = append(s.answers, d)
}

func TestChurn(t *testing.T) {
	tab := realbootTab(t, "churn", 4*time.Minute)
	var s churnStats
	for i := 1; i <= 20; i++ {
		churnLine(t, tab, i, &s)
		// idle gaps of 0.2-2 s, so khvcd backs off between some lines
		time.Sleep(time.Duration(200+(i*373)%1800) * time.Millisecond)
	}
	t.Log(s.summary(tab))
}

// TestSoakChurn: GOHOST_SOAK=15m GOHOST_SOAK_MODE=churn, a line every
// GOHOST_SOAK_GAP (default 20s, the real judgement's rate).
func TestSoakChurn(t *testing.T) {
	spec := os.Getenv("GOHOST_SOAK")
	if spec == "" || os.Getenv("GOHOST_SOAK_MODE") != "churn" {
		t.Skip("churn soak: make soak SOAK_MODE=churn SOAK=15m [SOAK_GAP=20s]")
	}
	dur, err := time.ParseDuration(spec)
	require.NoError(t, err, "GOHOST_SOAK")
	gap := 20 * time.Second
	if g := os.Getenv("GOHOST_SOAK_GAP"); g != "" {
		gap, err = time.ParseDuration(g)
		require.NoError(t, err, "GOHOST_SOAK_GAP")
	}
	tab := realbootTab(t, "churn", dur+10*time.Minute)
	var s churnStats
	start := time.Now()
	for i := 1; time.Since(start) < dur; i++ {
		t0 := time.Now()
		churnLine(t, tab, i, &s)
		if i%10 == 0 {
			t.Logf("%v: %s", time.Since(start).Round(time.Second), s.summary(tab))
		}
		time.Sleep(gap - time.Since(t0))
	}
	t.Log(s.summary(tab))
}
