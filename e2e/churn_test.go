//go:build !js

package e2e

// churn: the realboot machine typed at line after line with pipelines, so
// tasks are created (two BusyBox-sized children per line, each a fork +
// exec), exit, are reaped by wait4 (possibly before their final switch) and
// released, and their workers retired or reused, with idle gaps between
// lines as a user leaves them (issue 15). The shell handles SIGCHLD and
// SIGINT like BusyBox ash, and ^C is typed now and then, so signal frames go
// through the host at wait4/read/clone returns, at rt_sigreturn (nested) and
// at a fresh child's ret_from_fork. TestChurn is the short version in
// make test; TestSoakChurn (make soak SOAK_MODE=churn) the long one.

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type churnStats struct {
	lines      int // pipeline lines answered
	intrs      int // ^C typed
	sleepIntrs int // of which to end a sleep (a SIGINT each)
	answers    []time.Duration
}

func (s *churnStats) summary(tab *Tab) string {
	d := append([]time.Duration(nil), s.answers...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d) == 0 {
		return "no lines"
	}
	st := Eval[string](tab, `JSON.stringify(gohost.status())`)
	return fmt.Sprintf("%d lines answered, %d ^C; answer min %v median %v p90 %v max %v; status %s",
		s.lines, s.intrs, d[0], d[len(d)/2], d[len(d)*9/10], d[len(d)-1], st)
}

// churnLine types `echo itN; ls | wc; ls | wc | wc | wc` and requires its
// whole answer within shellAnswer (shellLine fails with the console tail and
// debugState): six children per line, each exit a SIGCHLD to the shell's
// handler, delivered at a wait4 return or, when a second child exits while
// the handler runs, at its rt_sigreturn (flow 3).
func churnLine(t *testing.T, tab *Tab, n int, s *churnStats) {
	t.Helper()
	out, d := shellLine(t, tab, fmt.Sprintf("echo it%d; ls | wc; ls | wc | wc | wc", n), "1 3 6\r\n")
	require.Contains(t, out, fmt.Sprintf("\r\nit%d\r\n", n))
	require.Contains(t, out, "\r\n10 10 44\r\n")
	s.lines++
	s.answers = append(s.answers, d)
}

// waitAfterIntr waits until, after the output length before, a ^C echo is
// followed by a prompt at the end of the console.
func waitAfterIntr(t *testing.T, tab *Tab, before int, what string) time.Duration {
	t.Helper()
	t0 := time.Now()
	js := fmt.Sprintf(`(() => { const o = gohost.output().slice(%d); const i = o.lastIndexOf("^C"); return i >= 0 && /\/ # $/.test(o.slice(i)); })()`, before)
	deadline := time.Now().Add(shellAnswer)
	for !Eval[bool](tab, js) {
		if time.Now().After(deadline) {
			tail := Eval[string](tab, fmt.Sprintf(`gohost.output().slice(%d)`, before))
			t.Fatalf("%s: no prompt after ^C within %v; console since typing: %q\n%s%s", what, shellAnswer, tail, debugState(tab),
				stallReport(t, tab, what+": no prompt after ^C"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := time.Since(t0)
	if testing.Verbose() {
		t.Logf("%s: %q", what, Eval[string](tab, fmt.Sprintf(`gohost.output().slice(%d)`, before)))
	}
	return d
}

// churnInterrupt runs `sleep 30` and types ^C while it sleeps: the tty
// sends SIGINT to the job's process group, the default action kills the
// child, the shell's wait4 reaps it (SIGCHLD on the way) and prompts again
// long before the 30 s.
func churnInterrupt(t *testing.T, tab *Tab, n int) {
	t.Helper()
	before := Eval[int](tab, `gohost.output().length`)
	tab.Type("sleep 30\r")
	tab.WaitJS("sleep 30 echoed", fmt.Sprintf(`gohost.output().slice(%d).includes("sleep 30\r\n")`, before), shellAnswer)
	time.Sleep(time.Duration(100+(n*137)%700) * time.Millisecond)
	tab.Type("\x03")
	waitAfterIntr(t, tab, before, "sleep 30 + ^C")
}

// churnPromptIntr types ^C at the prompt: the shell's line editor has the
// tty in non-canonical mode with VINTR off, as BusyBox's does, so ^C is a
// byte it reads: the line is dropped and a new prompt printed.
func churnPromptIntr(t *testing.T, tab *Tab) {
	t.Helper()
	before := Eval[int](tab, `gohost.output().length`)
	tab.Type("\x03")
	waitAfterIntr(t, tab, before, "^C at the prompt")
}

// churnRacyIntr types a line and ^C 0-150 ms later: the SIGINT lands
// wherever the shell and its children are (read, clone, a fresh child's
// ret_from_fork, wait4, a running stage); whatever it cut short, a prompt
// must follow.
func churnRacyIntr(t *testing.T, tab *Tab, n int) {
	t.Helper()
	before := Eval[int](tab, `gohost.output().length`)
	tab.Type(fmt.Sprintf("echo r%d; ls | wc | wc\r", n))
	time.Sleep(time.Duration((n*53)%150) * time.Millisecond)
	tab.Type("\x03")
	waitAfterIntr(t, tab, before, "line + ^C")
}

// churnStep is step i of a churn run: mostly pipelines, every 5th a sleep
// interrupted by ^C, every 7th a ^C at the prompt, every 3rd (not 5th/7th) a
// line cut by a ^C at a random moment.
func churnStep(t *testing.T, tab *Tab, i int, s *churnStats) {
	t.Helper()
	switch {
	case i%5 == 0:
		churnInterrupt(t, tab, i)
		s.intrs++
		s.sleepIntrs++
	case i%7 == 0:
		churnPromptIntr(t, tab)
		s.intrs++
	case i%3 == 0:
		churnRacyIntr(t, tab, i)
		s.intrs++
	default:
		churnLine(t, tab, i, s)
	}
}

var sigstatRe = regexp.MustCompile(`sigstat chld_handler=(\d+) int_handler=(\d+) frames=(\d+) nested=(\d+) eintr=(\d+) at_fork=(\d+) restarts=(\d+) chld_sent=(\d+) tty_int=(\d+)`)

// sigstat asks the shell for its handler counts and the kernel's signal
// counters and checks them against what the run did.
func sigstat(t *testing.T, tab *Tab, s *churnStats) string {
	t.Helper()
	out, _ := shellLine(t, tab, "sigstat", "tty_int=")
	m := sigstatRe.FindStringSubmatch(out)
	require.NotNil(t, m, "sigstat output: %q", out)
	v := make([]int, len(m))
	for i := 1; i < len(m); i++ {
		v[i], _ = strconv.Atoi(m[i])
	}
	chld, intr, frames, ttyInt := v[1], v[2], v[3], v[9]
	require.GreaterOrEqual(t, chld, s.lines, "the SIGCHLD handler ran at least once per pipeline line")
	require.GreaterOrEqual(t, ttyInt, s.sleepIntrs, "the tty sent SIGINT for every ^C that ended a sleep")
	require.GreaterOrEqual(t, frames, chld+intr, "every handler run is a delivered frame")
	return m[0]
}

func TestChurn(t *testing.T) {
	tab := realbootTab(t, "churn", 5*time.Minute)
	before := settledCounts(tab, 30*time.Second)
	checked := memcheckWrites(t, tab)
	var s churnStats
	for i := 1; i <= 20; i++ {
		churnStep(t, tab, i, &s)
		// idle gaps of 0.2-2 s, so khvcd backs off between some lines
		time.Sleep(time.Duration(200+(i*373)%1800) * time.Millisecond)
	}
	t.Log(sigstat(t, tab, &s))
	t.Log(s.summary(tab))
	requireNoLeak(t, tab, before, "20 churn steps")
	requireMemchecked(t, tab, checked, 20)
}

// requireMemchecked: the memcheck mode checked at least one host write (the
// console input of a typed line) per churn step since checked was read.
func requireMemchecked(t *testing.T, tab *Tab, checked, steps int) {
	t.Helper()
	n := memcheckWrites(t, tab)
	require.GreaterOrEqual(t, n-checked, steps, "host writes checked during %d churn steps (from %d to %d)", steps, checked, n)
	t.Logf("memcheck: %d host writes into kernel memory checked, all inside their grants", n)
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
	before := settledCounts(tab, 30*time.Second)
	checked := memcheckWrites(t, tab)
	var s churnStats
	var kf soakFaults
	start := time.Now()
	steps := 0
	for i := 1; time.Since(start) < dur; i++ {
		steps++
		t0 := time.Now()
		churnStep(t, tab, i, &s)
		if i%10 == 0 {
			t.Logf("%v: %s; %s", time.Since(start).Round(time.Second), s.summary(tab), sigstat(t, tab, &s))
		}
		soakKernelFaults(t, tab, &kf)
		time.Sleep(gap - time.Since(t0))
	}
	t.Log(sigstat(t, tab, &s))
	t.Log(s.summary(tab))
	fmt.Printf("SOAK kernel fault reports: %s\n", kf.summary())
	requireNoLeak(t, tab, before, "the churn soak")
	requireMemchecked(t, tab, checked, steps)
}
