//go:build !js

package e2e

// One host, three kernel kinds (issue 21): the conformance kernel built in
// the shape of the Linux 7.0-era generation boots through the page like the
// initial-release one, and the page says which kind it found.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/firefox"
	"github.com/linuxwasm/gohost/internal/realshape"
)

// kernelKinds are the conformance kernels of the 7.0-era kinds, by the name
// the page shows (abi.KernelKind.String).
var kernelKinds = []kernelKind{
	{"7.0 wasm32", "vmlinux-70-wasm32.wasm", conformance.Initrd},
	{"7.0 wasm64", "vmlinux-70-wasm64.wasm", "initramfs-wasm64.cpio"},
}

// kernelKind is a conformance kernel and the initramfs of its width.
type kernelKind struct{ kind, file, initrd string }

func kindParams(k kernelKind) url.Values {
	return url.Values{"kernel": {"/conformance/" + k.file}, "initrd": {"/conformance/" + k.initrd}}
}

// kindCmdline is conformanceCmdline for this kind's initramfs (its length
// and hash, which the boot scenario checks).
func kindCmdline(t *testing.T, k kernelKind, scenario string) string {
	t.Helper()
	c := conformanceCmdline(t, scenario)
	b, err := conformance.File(k.initrd)
	require.NoError(t, err)
	old, err := conformance.File(conformance.Initrd)
	require.NoError(t, err)
	for i, w := range conformance.InitrdWords(old) {
		c = strings.Replace(c, w, conformance.InitrdWords(b)[i], 1)
	}
	return c
}

// Every scenario passes on each 7.0-era kernel, the boot seed came from the
// host, and the status (API and panel) names the kind.
func TestKinds70ConformanceAll(t *testing.T) {
	for _, k := range kernelKinds {
		t.Run(k.kind, func(t *testing.T) {
			tab := confTab(t, 3*time.Minute, kindCmdline(t, k, "all"), kindParams(k))
			out := tab.waitDone(150 * time.Second)
			requireAllPassed(t, out)
			m := confDone.FindStringSubmatch(out)
			require.NotNil(t, m, out)
			require.Equal(t, "0", m[2])
			t.Logf("%s", m[0])
			assert.Contains(t, out, "CONF boot random_seed PASS", "wasm_random_get_bytes filled the boot seed")
			assert.Contains(t, out, "CONF random too_many PASS", "more than 65536 bytes: -1")
			assert.Contains(t, out, "CONF smp start_stack PASS", "_start_secondary got the idle task")
			assert.Equal(t, k.kind, Eval[string](tab, `gohost.status().kernelKind`))
			assert.Equal(t, k.kind, Eval[string](tab, `document.getElementById('st-kernel').textContent`))
		})
	}
}

// realboot (40 kthreads, PID 1 execing a BusyBox-sized /init, a shell on a
// polled console) on each 7.0-era kernel, then a forking command.
func TestRealboot70(t *testing.T) {
	for _, k := range kernelKinds {
		t.Run(k.kind, func(t *testing.T) {
			tab := confTab(t, 5*time.Minute, kindCmdline(t, k, "realboot"), kindParams(k))
			tab.WaitJS("the shell prompt", `globalThis.gohost && /\/ # $/.test(gohost.output())`, 3*time.Minute)
			out := Eval[string](tab, `gohost.output()`)
			requireAllPassed(t, out)
			require.Contains(t, out, "CONF realboot kthreads PASS")
			require.Equal(t, 3, cpusOnline(tab))
			shellLine(t, tab, "echo hello 7.0", "hello 7.0\r\n")
			shellLine(t, tab, "ls", "sbin\r\n")
			require.Equal(t, 4, cpusOnline(tab), "the first forking command brings up a 4th CPU")
			shellLine(t, tab, "ls | wc -l", "\r\n10\r\n")
			assert.Equal(t, k.kind, Eval[string](tab, `gohost.status().kernelKind`))
		})
	}
}

// testFirefoxRealboot70 is realboot on each 7.0-era kernel in Firefox (a
// subtest of TestFirefox).
func testFirefoxRealboot70(t *testing.T, b *firefox.Browser) {
	for _, k := range kernelKinds {
		t.Run(k.kind, func(t *testing.T) {
			tab := newFFTab(t, b, 4*time.Minute)
			tab.navigate("", "/", mergeParams(conformanceParams(kindCmdline(t, k, "realboot")), kindParams(k)))
			tab.waitJS("the shell prompt", `globalThis.gohost && /\/ # $/.test(gohost.output())`, 3*time.Minute)
			requireAllPassed(t, ffEval[string](tab, `gohost.output()`))
			for _, c := range []struct{ line, want string }{{"echo firefox", "\r\nfirefox\r\n"}, {"ls", "bin"}} {
				before := ffEval[int](tab, `gohost.output().length`)
				ffEval[any](tab, fmt.Sprintf(`gohost.input(%s)`, jsString(c.line+"\r")))
				tab.waitJS(fmt.Sprintf("the answer to %q", c.line), fmt.Sprintf(`(() => { const o = gohost.output().slice(%d); return o.includes(%s) && /\/ # $/.test(o); })()`, before, jsString(c.want)), shellAnswer)
			}
			assert.Equal(t, 4, ffEval[int](tab, `gohost.status().cpus`))
			assert.Equal(t, k.kind, ffEval[string](tab, `gohost.status().kernelKind`))
		})
	}
}

// A module with a real kernel's interface in each 7.0-era shape
// (internal/realshape) is accepted, gets its memory (a memory64 for wasm64)
// and is instantiated in a worker with the worker's own imports for its
// kind: its _start's wasm_panic (an i64 pointer on wasm64) reaches the page.
func TestRealShaped70KernelsInstantiate(t *testing.T) {
	f := realFactsE2E(t)
	for _, kind := range []abi.KernelKind{abi.Gen70Wasm32, abi.Gen70Wasm64} {
		t.Run(kind.String(), func(t *testing.T) {
			msg := "real-shaped " + kind.String() + " kernel instantiated in a worker"
			k, err := f.KernelOf(realshape.Shape{Kind: kind}, msg)
			require.NoError(t, err)
			tab := realShapedPanics(t, k, msg)
			assert.Equal(t, kind.String(), Eval[string](tab, `gohost.status().kernelKind`))
		})
	}
}

// testFirefoxKinds70All runs every scenario on each 7.0-era kernel in
// Firefox (a subtest of TestFirefox).
func testFirefoxKinds70All(t *testing.T, b *firefox.Browser) {
	for _, k := range kernelKinds {
		t.Run(k.kind, func(t *testing.T) {
			tab := newFFTab(t, b, 3*time.Minute)
			tab.navigate("", "/", mergeParams(conformanceParams(kindCmdline(t, k, "all")), kindParams(k)))
			tab.waitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, 150*time.Second)
			out := ffEval[string](tab, `gohost.output()`)
			requireAllPassed(t, out)
			m := confDone.FindStringSubmatch(out)
			require.NotNil(t, m)
			require.NotEqual(t, "0", m[1], "no checks ran")
			t.Logf("%s", m[0])
			assert.Contains(t, out, "CONF boot random_seed PASS")
			assert.Equal(t, k.kind, ffEval[string](tab, `document.getElementById('st-kernel').textContent`))
		})
	}
}
