//go:build !js

package e2e

// The memcheck mode (issue 19 item 8): every host write into the kernel's
// memory is checked against the range the kernel handed over for it, and the
// conformance kernel checks guard words around every buffer it hands the
// host. These tests see both run (the host's count of checked writes, the
// kernel's count of guard checks), so neither can pass by doing nothing.

import (
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var guardsChecked = regexp.MustCompile(`CONF guards checked (\d+)`)

// requireGuardsChecked: the conformance kernel checked at least min guards.
func requireGuardsChecked(t *testing.T, out string, min int) {
	t.Helper()
	m := guardsChecked.FindStringSubmatch(out)
	require.NotNil(t, m, "no guard count in the output")
	n, _ := strconv.Atoi(m[1])
	require.GreaterOrEqual(t, n, min, "guard checks")
}

// memcheckWrites is how many host writes the memcheck mode checked.
func memcheckWrites(t *testing.T, tab *Tab) int {
	t.Helper()
	st := Eval[map[string]any](tab, `gohost.status()`)
	require.Equal(t, true, st["memcheck"], "status().memcheck")
	n, ok := st["memcheckWrites"].(float64)
	require.True(t, ok, "status().memcheckWrites: %v", st["memcheckWrites"])
	return int(n)
}

// Every scenario of every kernel kind passes with the mode on: no host
// write fell outside its grant (a violation fails the machine before CONF
// DONE), every guard held, and the mode checked the boot's writes (command
// line, initrd, its two words, the random seed on 7.0) and the stack traces.
func TestMemcheckConformanceAll(t *testing.T) {
	kinds := append([]kernelKind{{"initial", "vmlinux.wasm", "initramfs.cpio"}}, kernelKinds...)
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			params := kindParams(k)
			params.Set("memcheck", "1")
			tab := confTab(t, 3*time.Minute, kindCmdline(t, k, "all"), params)
			out := tab.waitDone(150 * time.Second)
			requireAllPassed(t, out)
			// cmdline, initrd, its two words, 2 stack traces (+ the seed and
			// the random scenario's call on 7.0)
			min := 6
			if k.kind != "initial" {
				min = 8
			}
			require.GreaterOrEqual(t, memcheckWrites(t, tab), min, "checked writes")
			// 5 boot-parameter guards, 4 stack-trace ones
			requireGuardsChecked(t, out, 9)
		})
	}
}

// Off by default: nothing is checked, and status says so.
func TestMemcheckOffByDefault(t *testing.T) {
	tab := confTab(t, 2*time.Minute, conformanceCmdline(t, "console"), url.Values{})
	tab.waitDone(90 * time.Second)
	st := Eval[map[string]any](tab, `gohost.status()`)
	require.Equal(t, false, st["memcheck"])
	require.Equal(t, float64(0), st["memcheckWrites"])
}
