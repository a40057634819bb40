//go:build !js

package e2e

// Fault injection for the memcheck mode and the guard words (issue 19 item
// 8): a worker built with the memcheck_overrun tag (worker/overrun_inject_js.go,
// test equipment, never in make build) writes one byte just outside the range
// the kernel handed over for the kind this test names. With the mode on the
// host must refuse the write and fail the machine naming the kind and the
// range; with it off the write happens, and the conformance kernel's guard
// words must catch it.

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
)

var overrunWorker struct {
	once sync.Once
	path string
	err  error
}

// overrunWorkerWasm builds the fault-injecting worker once per test run.
func overrunWorkerWasm(t *testing.T) string {
	t.Helper()
	overrunWorker.once.Do(func() {
		dir, err := os.MkdirTemp("", "gohost-overrun")
		if err != nil {
			overrunWorker.err = err
			return
		}
		out := filepath.Join(dir, "gohost-worker.wasm")
		cmd := exec.Command("go", "build", "-tags", "memcheck_overrun", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/gohost-worker")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			overrunWorker.err = err
			overrunWorker.path = string(b)
			return
		}
		overrunWorker.path = out
	})
	require.NoError(t, overrunWorker.err, "building the memcheck_overrun worker: %s", overrunWorker.path)
	return overrunWorker.path
}

// overrunServer serves the page as the e2e server does, but with the
// fault-injecting worker and, in every worker, the global gohostOverrun
// naming the kind to overrun (set at the end of the workers' script, before
// any message starts Go).
// Its own port is its own origin: nothing is shared with other tests' cache.
func overrunServer(t *testing.T, kind string) string {
	t.Helper()
	wasm, err := os.ReadFile(overrunWorkerWasm(t))
	require.NoError(t, err)
	workerJS, err := os.ReadFile(filepath.Join("..", "www", "gohost-worker.js"))
	require.NoError(t, err)
	workerJS = append(workerJS, []byte("\nself.gohostOverrun = "+jsString(kind)+";\n")...)
	realKernel, _ := conformance.RealKernelFile()
	h, err := devserver.NewHandler(devserver.Config{Dir: filepath.Join("..", "www"), Conformance: conformance.Dir(), ConformanceReal: realKernel})
	require.NoError(t, err)
	wrap := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		var typ string
		switch r.URL.Path {
		case "/gohost-worker.wasm":
			body, typ = wasm, "application/wasm"
		case "/gohost-worker.js":
			body, typ = workerJS, "text/javascript"
		default:
			h.ServeHTTP(w, r)
			return
		}
		// the page's own headers (cross-origin isolation), then the body
		rec := &headerOnly{h: w.Header()}
		h.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", typ)
		w.Header().Del("Content-Encoding")
		w.Header().Del("Content-Length")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	u, stop, err := browsertest.Serve(wrap)
	require.NoError(t, err)
	t.Cleanup(stop)
	return u
}

// headerOnly lets the page's handler set its headers and drops its body.
type headerOnly struct{ h http.Header }

func (r *headerOnly) Header() http.Header         { return r.h }
func (r *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (r *headerOnly) WriteHeader(int)             {}

type overrunCase struct {
	kind     string // memcheck.Kind name
	scenario string // conformance scenario that makes the host write it
	kernel   kernelKind
	typed    bool   // written only when console input arrives: type a line
	guard    string // what the kernel's broken guard names
}

var initialKernel = kernelKind{"initial", "vmlinux.wasm", "initramfs.cpio"}

var overrunCases = []overrunCase{
	{"console input", "realboot", initialKernel, true, "after the hvc_get buffer"},
	{"stack trace", "stacktrace", initialKernel, false, "after the dump_stacktrace buffer"},
	{"command line", "boot", initialKernel, false, "after the boot_command_line buffer"},
	{"initrd", "boot", initialKernel, false, "before the initrd buffer"},
	{"initrd_start word", "boot", initialKernel, false, "after the initrd_start word buffer"},
	{"initrd_end word", "boot", kernelKinds[1], false, "after the initrd_end word buffer"},
	{"random bytes", "boot", kernelKinds[0], false, "after the random_get_bytes buffer"},
	{"user program data", "init", initialKernel, false, "after the user data buffer"},
}

// bootOverrun opens the page on the overrunning host and gets the host to
// make its write of c.kind.
func bootOverrun(t *testing.T, c overrunCase, memcheck bool) *Tab {
	t.Helper()
	needConformance(t)
	base := overrunServer(t, c.kind)
	tab := newTab(t, 3*time.Minute)
	params := kindParams(c.kernel)
	params.Set("cmdline", kindCmdline(t, c.kernel, c.scenario))
	if memcheck {
		params.Set("memcheck", "1")
	}
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(base+"/?"+params.Encode())))
	if c.typed {
		tab.WaitJS("the shell prompt", `globalThis.gohost && /\/ # $/.test(gohost.output())`, 2*time.Minute)
		tab.Type("echo hi\r")
	}
	return tab
}

// With the mode on, the injected write is refused and the machine fails with
// a message that names the kind, the write and the granted range; the
// kernel's guards stay intact (the byte was never written).
func TestMemcheckOverrun(t *testing.T) {
	for _, c := range overrunCases {
		t.Run(c.kind, func(t *testing.T) {
			tab := bootOverrun(t, c, true)
			tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 2*time.Minute)
			msg := Eval[string](tab, `document.getElementById('error-message').textContent`)
			assert.Contains(t, msg, "memcheck: the host was about to write 1 bytes of "+c.kind+" at [")
			assert.Contains(t, msg, "outside the range the kernel handed over for it, [")
			assert.Equal(t, "failed", Eval[string](tab, `gohost.status().stage`))
			assert.NotContains(t, Eval[string](tab, `gohost.output()`), "GUARD BROKEN", "the refused write reached the kernel")
			t.Logf("%s", msg)
		})
	}
}

// With the mode off, the byte is written, and the conformance kernel's guard
// words catch it: a kernel panic naming the buffer.
func TestGuardCatchesOverrun(t *testing.T) {
	for _, c := range overrunCases {
		t.Run(c.kind, func(t *testing.T) {
			tab := bootOverrun(t, c, false)
			tab.WaitJS("the broken guard's panic", `globalThis.gohost && /GUARD BROKEN/.test(gohost.output())`, 2*time.Minute)
			out := Eval[string](tab, `gohost.output()`)
			i := strings.Index(out, "GUARD BROKEN")
			line := out[i:]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			assert.Contains(t, line, "GUARD BROKEN "+c.guard)
			assert.Regexp(t, `\(guard (word|byte) \d+ reads [0-9a-f]+\)`, line)
			tab.WaitJS("the panic stage", `gohost.status().stage === 'panic'`, 30*time.Second)
			t.Logf("%s", line)
		})
	}
}
