//go:build !js

package e2e

// realboot: the conformance kernel booted in the shape of a real Linux/Wasm
// boot (40 kthreads, 3 CPUs, PID 1 forking and exec'ing a BusyBox-sized
// program five times, the console read only by a polling khvcd thread) to a
// shell prompt, then driven through the terminal as a user would.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/devserver"
)

// shellAnswer is how long a typed line may take to be answered: khvcd's
// poll period is at most ~2 s, a fork + exec of the 1.6 MB program a few
// hundred ms on a loaded machine.
const shellAnswer = 10 * time.Second

// realbootTab opens the page on the realboot (or churn) scenario and waits
// for the first prompt.
func realbootTab(t *testing.T, scenario string, timeout time.Duration) *Tab {
	t.Helper()
	var extra []string
	if scenario == "churn" {
		// the idle kworkers exit (self-released) 2 s after they start,
		// during the boot, not 5 minutes into a soak: the leak check's
		// baseline is taken after them
		extra = append(extra, "kworker_idle=2")
	}
	params := realKernelParams()
	if scenario == "churn" {
		// the churn test and soak run with every host write into kernel
		// memory checked (issue 19 item 8)
		params.Set("memcheck", "1")
	}
	tab := confTab(t, timeout, conformanceCmdline(t, scenario, extra...), params)
	tab.WaitJS("the shell prompt", `globalThis.gohost && /\/ # $/.test(gohost.output())`, 3*time.Minute)
	out := Eval[string](tab, `gohost.output()`)
	requireAllPassed(t, out)
	require.Contains(t, out, "CONF "+scenario+" kthreads PASS")
	require.Contains(t, out, "init started: conf_box")
	return tab
}

// shellLine types line + Enter and waits until the answer and the next
// prompt are on the console after the output length seen before typing. It
// returns what came back (echo included) and how long it took.
func shellLine(t *testing.T, tab *Tab, line, want string) (string, time.Duration) {
	t.Helper()
	before := Eval[int](tab, `gohost.output().length`)
	t0 := time.Now()
	tab.Type(line + "\r")
	js := fmt.Sprintf(`(() => { const o = gohost.output().slice(%d); return o.includes(%q) && /\/ # $/.test(o); })()`, before, want)
	deadline := time.Now().Add(shellAnswer)
	for {
		if Eval[bool](tab, js) {
			break
		}
		if time.Now().After(deadline) {
			tail := Eval[string](tab, fmt.Sprintf(`gohost.output().slice(%d)`, before))
			t.Fatalf("line %q not answered with %q within %v; console since typing: %q\n%s%s", line, want, shellAnswer, tail, debugState(tab),
				stallReport(t, tab, fmt.Sprintf("line %q not answered within %v", line, shellAnswer)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := time.Since(t0)
	return Eval[string](tab, fmt.Sprintf(`gohost.output().slice(%d)`, before)), d
}

// debugState is gohost.debugState() when the host has it (a worker state
// dump), for failure messages.
func debugState(tab *Tab) string {
	return Eval[string](tab, `typeof gohost.debugState === 'function' ? 'debugState: ' + JSON.stringify(gohost.debugState()) : '(no gohost.debugState)'`)
}

func cpusOnline(tab *Tab) int { return Eval[int](tab, `gohost.status().cpus`) }

func TestRealboot(t *testing.T) {
	tab := realbootTab(t, "realboot", 5*time.Minute)
	require.Equal(t, 3, cpusOnline(tab), "realboot boots with maxcpus=3")

	// A builtin: no task is created, no CPU comes up.
	out, d := shellLine(t, tab, "echo hello world", "hello world\r\n")
	require.Contains(t, out, "echo hello world\r\n", "the typed line is echoed (by the shell's line editor, as BusyBox's)")
	require.Equal(t, 3, cpusOnline(tab), "a builtin creates no task")
	t.Logf("echo answered in %v", d)

	// Erase: the shell's line editor drops the character before running the line.
	out, _ = shellLine(t, tab, "echo abx\x7fc", "abc\r\n")
	require.NotContains(t, strings.TrimSuffix(out, "/ # "), "abxc")

	// The first command that forks: the shell holds CPU 2 and PID 1 CPU 0,
	// so the child is pinned to CPU 3, which comes up.
	out, d = shellLine(t, tab, "ls", "sbin\r\n")
	require.Contains(t, out, "bin\r\ndev\r\n")
	t.Logf("ls answered in %v", d)
	require.Equal(t, 4, cpusOnline(tab), "the first forking command brings up a 4th CPU")

	// A pipeline: two children joined by a kernel pipe, reaped by wait4.
	shellLine(t, tab, "ls | wc -l", "\r\n10\r\n")
	shellLine(t, tab, "echo a b c | wc", "1 3 6\r\n")
	shellLine(t, tab, "nosuch", "sh: nosuch: not found")
	// nanosleep runs its course when nothing interrupts it; ^C kills it.
	_, d = shellLine(t, tab, "sleep 1; echo slept", "slept\r\n")
	require.GreaterOrEqual(t, d, time.Second, "sleep 1 sleeps")
	before := Eval[int](tab, `gohost.output().length`)
	tab.Type("sleep 30\r")
	tab.WaitJS("sleep 30 echoed", fmt.Sprintf(`gohost.output().slice(%d).includes("sleep 30\r\n")`, before), shellAnswer)
	time.Sleep(300 * time.Millisecond)
	tab.Type("\x03")
	d = waitAfterIntr(t, tab, before, "sleep 30 + ^C")
	t.Logf("^C to prompt in %v", d)
	// exit: init respawns the shell.
	shellLine(t, tab, "exit", "/ # ")
	shellLine(t, tab, "echo again", "again\r\n")
}

// realKernelParams are the page parameters that load the conformance kernel
// padded to a real vmlinux.wasm's size (30 MB, conformance.RealKernel), so
// download and module check cost what they cost for real.
func realKernelParams() url.Values {
	return url.Values{"kernel": {devserver.RealKernelURL}}
}
