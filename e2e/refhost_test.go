//go:build !js

package e2e

// The reference host (e2e/refhost): test equipment modelling the original
// JavaScript host, the denominator of `make bench`'s "vs reference" ratios.
// This keeps it from rotting: it must boot realboot on the padded 30 MB
// kernel to the prompt and run a forking command, as gohost does.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/devserver"
)

// refOutput is the reference host's console output so far.
const refOutput = `globalThis.refhost.output()`

// refLine types line + Enter into the reference host and waits for want
// and the next prompt after it.
func refLine(t *testing.T, tab *Tab, line, want string) string {
	t.Helper()
	before := Eval[int](tab, refOutput+`.length`)
	s, _ := json.Marshal(line + "\r")
	Eval[any](tab, `globalThis.refhost.input(`+string(s)+`), null`)
	js := fmt.Sprintf(`(() => { const o = %s.slice(%d); const i = o.indexOf(%q); return i >= 0 && /\/ # $/.test(o.slice(i)); })()`, refOutput, before, want)
	deadline := time.Now().Add(shellAnswer)
	for !Eval[bool](tab, js) {
		if time.Now().After(deadline) {
			t.Fatalf("reference host: %q not answered with %q within %v; console since typing: %q\nhost log: %v", line, want, shellAnswer,
				Eval[string](tab, fmt.Sprintf(`%s.slice(%d)`, refOutput, before)), Eval[[]string](tab, `globalThis.refhost.logs()`))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return Eval[string](tab, fmt.Sprintf(`%s.slice(%d)`, refOutput, before))
}

func TestRefHostRealboot(t *testing.T) {
	if !hasConformance {
		t.Skip("conformance kernel not built (e2e/conformance/testdata)")
	}
	tab := newTabIn(t, browserCtx, 4*time.Minute)
	params := conformanceParams(conformanceCmdline(t, "realboot"))
	params.Set("kernel", devserver.RealKernelURL)
	tab.Navigate(devserver.RefHostURL, params)
	tab.WaitJS("the reference host's shell prompt", `globalThis.refhost && (/\/ # $/.test(`+refOutput+`) || refhost.logs().some((l) => l.startsWith('error')))`, 3*time.Minute)
	out := Eval[string](tab, refOutput)
	require.Regexp(t, `/ # $`, out, "host log: %v", Eval[[]string](tab, `globalThis.refhost.logs()`))
	requireAllPassed(t, out)
	require.Contains(t, out, "CONF realboot kthreads PASS")
	require.Contains(t, out, "init started: conf_box")
	// Its own host, not gohost's: the page never loaded the Go host.
	require.False(t, Eval[bool](tab, `'gohost' in globalThis`))
	require.Equal(t, 3, Eval[int](tab, `refhost.status().cpus`), "maxcpus=3")

	out = refLine(t, tab, "echo hello", "hello\r\n")
	require.Contains(t, out, "echo hello\r\n", "the shell echoes the typed line (input reached it through console_read)")
	// The first forking command brings CPU 3 up in a fresh worker, and the
	// child compiles the program itself (fork + exec).
	out = refLine(t, tab, "ls", "sbin\r\n")
	require.Contains(t, out, "bin\r\ndev\r\n")
	require.Equal(t, 4, Eval[int](tab, `refhost.status().cpus`), "ls brings up a 4th CPU")
	// A pipeline: two children, SIGCHLD through the shell's handler.
	refLine(t, tab, "ls | wc -l", "\r\n10\r\n")
	require.False(t, strings.Contains(strings.Join(Eval[[]string](tab, `globalThis.refhost.logs()`), "\n"), "error"),
		"host log: %v", Eval[[]string](tab, `globalThis.refhost.logs()`))
}

// The bench's "real boot path" boots these scenarios on the reference host
// as its denominator: they must pass there too (clone children compiling
// their parent's program, exec reload, a corrupt program ending in SIGILL).
func TestRefHostBootScenarios(t *testing.T) {
	if !hasConformance {
		t.Skip("conformance kernel not built (e2e/conformance/testdata)")
	}
	tab := newTabIn(t, browserCtx, 3*time.Minute)
	params := conformanceParams(conformanceCmdline(t, "boot,console,init,clone,exec"))
	params.Set("kernel", devserver.RealKernelURL)
	tab.Navigate(devserver.RefHostURL, params)
	tab.WaitJS("CONF DONE on the reference host", `globalThis.refhost && /CONF DONE \d+ \d+/.test(`+refOutput+`)`, 2*time.Minute)
	out := Eval[string](tab, refOutput)
	requireAllPassed(t, out)
	for _, check := range []string{"CONF boot ", "CONF console ", "CONF init ", "CONF clone ", "CONF exec "} {
		require.Contains(t, out, check, "scenario ran")
	}
}
