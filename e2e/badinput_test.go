//go:build !js

package e2e

// Bad input through the real page: every row is refused with a clear message
// on the page, nothing is left running and no exception escapes (issue 7).
//
// Files that do not exist in the repository (a truncated kernel, hand-made
// modules, patched kernels) are built by the test and served by an extra
// server on its own loopback port that also serves the page and the
// conformance kernel through the dev server's handler, so every URL stays
// same-origin under the page's Content-Security-Policy.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
	"github.com/linuxwasm/gohost/internal/wasmbin"
	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// ---------- hand-assembled WebAssembly ----------

var (
	uleb        = wasmenc.ULEB
	wasmName    = wasmenc.Name
	wasmSection = wasmenc.Section
)

// mistypedKernel is a module whose only function import is
// env.wasm_serialize_tasks with type (i32) -> i32 (section 2.6 wants
// (i32, i32) -> i32), next to a shared env.memory.
func mistypedKernel() []byte {
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, wasmSection(1, []byte{1, 0x60, 1, 0x7f, 1, 0x7f})...) // type 0: (i32) -> i32
	imports := []byte{2}
	imports = append(imports, wasmName("env")...)
	imports = append(imports, wasmName("memory")...)
	imports = append(imports, 0x02, 0x03) // memory, flags: max + shared
	imports = append(imports, uleb(1)...)
	imports = append(imports, uleb(65536)...)
	imports = append(imports, wasmName("env")...)
	imports = append(imports, wasmName("wasm_serialize_tasks")...)
	imports = append(imports, 0x00, 0x00) // function of type 0
	return append(m, wasmSection(2, imports)...)
}

// patchMemoryLimits returns the module with the limits of its imported
// memory replaced (flags kept), the import section re-encoded. The module is
// read with the host's own parser (internal/wasmbin).
func patchMemoryLimits(t *testing.T, b []byte, min, max uint64) []byte {
	t.Helper()
	m, err := wasmbin.Parse(b)
	require.NoError(t, err)
	im := m.Import("env", "memory")
	require.NotNil(t, im, "the kernel imports no memory")
	var sec wasmbin.Section
	for _, s := range m.Sections {
		if s.ID == wasmbin.SecImport {
			sec = s
		}
	}
	flags := b[im.Desc]
	limits := append([]byte{flags}, uleb(min)...)
	if flags&1 != 0 {
		limits = append(limits, uleb(max)...)
	}
	body := wasmenc.Cat(b[sec.Offset:im.Desc], limits, b[im.DescEnd:sec.Offset+sec.Size])
	return wasmenc.Cat(b[:sec.Start], wasmSection(wasmbin.SecImport, body), b[sec.Offset+sec.Size:])
}

func conformanceFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := conformance.File(name)
	if err != nil {
		needConformance(t) // skips, or fails in CI, when the kernel is not built
		t.Fatalf("conformance kernel file %s: %v", name, err)
	}
	return b
}

// ---------- servers ----------

// badServer serves the page and the conformance kernel (the dev server's
// handler), plus files under /bad/ from memory with the same headers, and
// /bad/reset, which drops the connection without an answer (a network error
// as the browser sees it).
type badServer struct {
	URL   string
	files map[string][]byte
	// connectSrc, if set, is added to the CSP's connect-src (a deployment
	// that allows a kernel mirror).
	connectSrc string
}

func startBadServer(t *testing.T, files map[string][]byte, connectSrc string) *badServer {
	t.Helper()
	h, err := devserver.NewHandler(devserver.Config{Dir: filepath.Join("..", "www"), Conformance: conformance.Dir()})
	require.NoError(t, err)
	s := &badServer{files: files, connectSrc: connectSrc}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.connectSrc != "" {
			w = &cspRewriter{ResponseWriter: w, extra: s.connectSrc}
		}
		if r.URL.Path == "/bad/reset" {
			hj, ok := w.(http.Hijacker)
			if !ok {
				if cr, ok2 := w.(*cspRewriter); ok2 {
					hj, ok = cr.ResponseWriter.(http.Hijacker)
				}
			}
			if ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			http.Error(w, "cannot hijack", http.StatusInternalServerError)
			return
		}
		if name, ok := strings.CutPrefix(r.URL.Path, "/bad/"); ok {
			b, ok := s.files[name]
			hdr := w.Header()
			hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
			hdr.Set("Cross-Origin-Embedder-Policy", "require-corp")
			hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
			hdr.Set("Content-Security-Policy", devserver.CSP)
			hdr.Set("Cache-Control", "no-store")
			if !ok {
				http.Error(w, "404 not found", http.StatusNotFound)
				return
			}
			hdr.Set("Content-Type", devserver.ContentType(name))
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
			return
		}
		h.ServeHTTP(w, r)
	})
	u, stop, err := browsertest.Serve(mux)
	require.NoError(t, err)
	t.Cleanup(stop)
	s.URL = u
	return s
}

// cspRewriter widens connect-src in the CSP header just before it is sent.
type cspRewriter struct {
	http.ResponseWriter
	extra string
	done  bool
}

func (c *cspRewriter) fix() {
	if c.done {
		return
	}
	c.done = true
	hdr := c.ResponseWriter.Header()
	if v := hdr.Get("Content-Security-Policy"); v != "" {
		hdr.Set("Content-Security-Policy", strings.Replace(v, "connect-src 'self'", "connect-src 'self' "+c.extra, 1))
	}
}

func (c *cspRewriter) WriteHeader(code int) { c.fix(); c.ResponseWriter.WriteHeader(code) }
func (c *cspRewriter) Write(b []byte) (int, error) {
	c.fix()
	return c.ResponseWriter.Write(b)
}

// startPlainServer serves www/ with no cross-origin isolation headers at all
// (a static file server somebody might try first).
func startPlainServer(t *testing.T) string {
	t.Helper()
	u, stop, err := browsertest.Serve(http.FileServer(http.Dir(filepath.Join("..", "www"))))
	require.NoError(t, err)
	t.Cleanup(stop)
	return u
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// ---------- the table ----------

// badCase is one bad input: the page opened with params on a server, maybe
// followed by an API call, and the message that must appear.
type badCase struct {
	name   string
	server string // "bad" (default: page + conformance + /bad/ files), "plain" (no COOP/COEP), "mirror" (CSP allows a closed port)
	params url.Values
	files  map[string][]byte
	// api, if set, is a JavaScript expression evaluated once gohost exists
	// (after the page's own boot settled); it must yield a Promise of the
	// rejection message (the test wraps it).
	api string
	// apiExpect must match the API promise's rejection message.
	apiExpect *regexp.Regexp
	// expect must match the error panel's text (title, message, details).
	expect *regexp.Regexp
	// hostReached: a machine was started; then status().workers must be 0
	// afterwards and the stage "failed"/"halted". Otherwise no machine may
	// exist (refused by the page, or by the host's parameter check).
	hostReached bool
	stage       string // expected final stage when hostReached ("failed" by default)
	deadline    time.Duration
}

const errorPanelJS = `(() => { const p = document.getElementById('error-panel'); return p.hidden ? '' : p.innerText; })()`

func confURLs(kernel string) url.Values {
	return url.Values{"kernel": {kernel}, "initrd": {"/conformance/initramfs.cpio"}, "cmdline": {"conf=console maxcpus=3"}}
}

func TestBadInput(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	vmlinux := conformanceFile(t, "vmlinux.wasm")
	mod, err := wasmbin.Parse(vmlinux)
	require.NoError(t, err)
	minPages := mod.Import("env", "memory").Memory.Min // the kernel's declared minimum
	initrdPages := uint64(len(conformanceFile(t, "initramfs.cpio"))+0xffff) >> 16
	index, err := os.ReadFile(filepath.Join("..", "www", "index.html"))
	require.NoError(t, err)
	refused := closedPort(t)

	files := map[string][]byte{
		"truncated.wasm": vmlinux[:len(vmlinux)/2],
		"page.wasm":      index,
		"mistyped.wasm":  mistypedKernel(),
		// A kernel declaring 65536 initial pages (4 GiB) of shared memory.
		"huge-memory.wasm": patchMemoryLimits(t, vmlinux, 65536, 65536),
		// A kernel whose memory cannot grow at all: the initrd cannot be placed.
		"no-growth.wasm": patchMemoryLimits(t, vmlinux, minPages, minPages),
		// Room for the initrd but not for the 16 pages _start needs.
		"little-growth.wasm": patchMemoryLimits(t, vmlinux, minPages, minPages+initrdPages+8),
		// A kernel whose static image needs 3500 pages (~219 MiB): a 6 MiB
		// initramfs then does not fit in the 512 MiB the kernel can have.
		"big-image.wasm": patchMemoryLimits(t, vmlinux, 3500, 65536),
		"initrd-6m.cpio": make([]byte, 6<<20),
		// Too little memory for the kernel's own data: instantiation traps in
		// the worker (its start function), a worker error event.
		"tiny-memory.wasm": patchMemoryLimits(t, vmlinux, 1, 65536),
	}

	notKernel := `this WebAssembly module is not a Linux/Wasm kernel`
	cases := []badCase{
		{name: "kernel-404", params: confURLs("/conformance/missing.wasm"),
			expect: regexp.MustCompile(`No kernel found[\s\S]*/conformance/missing\.wasm \(HTTP 404\)`)},
		{name: "initrd-404", params: url.Values{"kernel": {"/conformance/vmlinux.wasm"}, "initrd": {"/bad/none.cpio"}},
			expect: regexp.MustCompile(`No initramfs found[\s\S]*HTTP 404`)},
		{name: "kernel-connection-dropped", params: confURLs("/bad/reset"),
			expect: regexp.MustCompile(`No kernel found[\s\S]*/bad/reset \(network error: `)},
		{name: "kernel-port-refused", server: "mirror", params: confURLs("http://" + refused + "/vmlinux.wasm"),
			expect: regexp.MustCompile(`No kernel found[\s\S]*` + regexp.QuoteMeta(refused) + `/vmlinux\.wasm \(network error: `)},
		{name: "truncated-kernel", params: confURLs("/bad/truncated.wasm"), hostReached: true,
			expect: regexp.MustCompile(`The machine could not start[\s\S]*not a valid WebAssembly module \(truncated or corrupt\?\)`)},
		{name: "html-as-kernel", params: confURLs("/bad/page.wasm"), hostReached: true,
			expect: regexp.MustCompile(`not a WebAssembly module \(wrong magic bytes\)`)},
		{name: "user-program-as-kernel", params: confURLs("/conformance/conf_b.wasm"), hostReached: true,
			expect: regexp.MustCompile(notKernel + `[\s\S]*unknown import env.__stack_pointer[\s\S]*missing export ret_from_fork[\s\S]*missing export boot_command_line`)},
		{name: "mistyped-import", params: confURLs("/bad/mistyped.wasm"), hostReached: true,
			expect: regexp.MustCompile(notKernel + `[\s\S]*import wasm_serialize_tasks has type \(i32\) -> i32, want \(i32, i32\) -> i32`)},
		{name: "memory-4GiB-initial", params: confURLs("/bad/huge-memory.wasm"), hostReached: true,
			expect: regexp.MustCompile(`the kernel declares 65536 pages \(4096\.0 MiB\)`)},
		{name: "memory-cannot-grow", params: confURLs("/bad/no-growth.wasm"), hostReached: true,
			expect: regexp.MustCompile(`The machine failed[\s\S]*CPU 0 \(boot\)\) failed: boot parameters: RangeError`)},
		{name: "memory-below-16-pages", params: confURLs("/bad/little-growth.wasm"), hostReached: true, stage: "halted",
			expect: regexp.MustCompile(`The machine halted[\s\S]*could not allocate 16 pages of memory`), deadline: 60 * time.Second},
		{name: "kernel-data-beyond-memory", params: confURLs("/bad/tiny-memory.wasm"), hostReached: true,
			expect: regexp.MustCompile(`The machine failed[\s\S]*worker \d+ \((CPU 0 \(boot\)|starting)\) died: .*RuntimeError: memory access out of bounds`)},
		{name: "initrd-does-not-fit", params: url.Values{"kernel": {"/bad/big-image.wasm"}, "initrd": {"/bad/initrd-6m.cpio"}}, hostReached: true,
			expect: regexp.MustCompile(`the initramfs is 6\.0 MiB, more than fits[\s\S]*keep the initramfs and your files under 5\.2 MiB`)},
		{name: "cmdline-512-bytes-param", params: url.Values{"cmdline": {strings.Repeat("x", 512)}},
			expect: regexp.MustCompile(`Invalid URL parameters[\s\S]*longer than 511 bytes`)},
		{name: "cmdline-512-bytes-api", params: confURLs("/conformance/vmlinux.wasm"), hostReached: true,
			api:       `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'x'.repeat(512)})`,
			apiExpect: regexp.MustCompile(`^the command line is 512 bytes long; the kernel takes at most 511$`),
			expect:    regexp.MustCompile(`the command line is 512 bytes long`)},
		{name: "user-file-dotdot", params: confURLs("/conformance/vmlinux.wasm"), hostReached: true,
			api:       `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'conf=console', files: [new File(['x'], '..')]})`,
			apiExpect: regexp.MustCompile(`your files cannot be added to the initramfs`),
			expect:    regexp.MustCompile(`your files cannot be added to the initramfs[\s\S]*bad file name "\.\."`)},
		{name: "user-files-same-name", params: confURLs("/conformance/vmlinux.wasm"), hostReached: true,
			api:       `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'conf=console', files: [new File(['a'], 'notes.txt'), new File(['b'], 'notes.txt')]})`,
			apiExpect: regexp.MustCompile(`your files cannot be added to the initramfs`),
			expect:    regexp.MustCompile(`duplicate file name "notes\.txt"`)},
		// The server's fault, told apart from a browser's: the headers and the fix.
		{name: "no-cross-origin-isolation", server: "plain",
			expect: regexp.MustCompile(`^The server did not send the cross-origin isolation headers[\s\S]*the browser itself is not the problem[\s\S]*Cross-Origin-Opener-Policy: same-origin[\s\S]*Cross-Origin-Embedder-Policy: require-corp[\s\S]*make serve`)},
	}

	bad := startBadServer(t, files, "")
	mirror := startBadServer(t, files, "http://"+refused)
	plain := startPlainServer(t)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			deadline := c.deadline
			if deadline == 0 {
				deadline = 30 * time.Second
			}
			tab := newTab(t, deadline+15*time.Second)
			tab.AllowConsoleErrors = regexp.MustCompile(`404|Failed to load resource|ERR_`)
			base := bad.URL
			switch c.server {
			case "plain":
				base = plain
			case "mirror":
				base = mirror.URL
			}
			u := base + "/"
			if len(c.params) > 0 {
				u += "?" + c.params.Encode()
			}
			start := time.Now()
			require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(u)))

			if c.api != "" {
				// The page's own boot of the conformance kernel first.
				tab.WaitJS("the first boot", `globalThis.gohost && /CONF DONE/.test(gohost.output())`, deadline)
				msg := Eval[string](tab, `(`+c.api+`).then(() => 'resolved', (e) => String(e && e.message))`)
				assert.Regexp(t, c.apiExpect, msg, "the API's rejection")
			}
			tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, deadline)
			tab.WaitJS("the expected message", fmt.Sprintf(`new RegExp(%s).test(%s)`, jsString(c.expect.String()), errorPanelJS), 5*time.Second)
			text := Eval[string](tab, errorPanelJS)
			t.Logf("after %v: %s", time.Since(start).Round(time.Millisecond), strings.Join(strings.Fields(text), " "))
			assert.Regexp(t, c.expect, text)

			if !c.hostReached {
				assert.True(t, Eval[bool](tab, `typeof globalThis.gohost === 'undefined' || gohost.status().stage === 'idle'`), "refused before a machine started")
				return
			}
			tab.WaitJS("no workers left", `globalThis.gohost && gohost.status().workers === 0`, 5*time.Second)
			// Nothing comes back: no worker is spawned later (pool refill).
			time.Sleep(time.Second)
			st := Eval[map[string]any](tab, `gohost.status()`)
			assert.EqualValues(t, 0, st["workers"], "workers a second later: %v", st)
			want := c.stage
			if want == "" {
				want = "failed"
			}
			assert.Equal(t, want, st["stage"], "status: %v", st)
			// The page's status line names the outcome too.
			assert.NotEqual(t, "", Eval[string](tab, `document.getElementById('stage').textContent`))
			assert.Contains(t, []string{want, "failed"}, Eval[string](tab, `document.getElementById('stage').dataset.stage`), "the page's stage")
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestMissingWorkerScript serves the page without gohost-worker.js (a
// deployment that copied an older file list): the boot fails with a
// message naming the missing script, not a frozen page or a bare "worker
// stopped".
func TestMissingWorkerScript(t *testing.T) {
	needConformance(t)
	h, err := devserver.NewHandler(devserver.Config{Dir: filepath.Join("..", "www"), Conformance: conformance.Dir()})
	require.NoError(t, err)
	base, stop, err := browsertest.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gohost-worker.js" {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	require.NoError(t, err)
	t.Cleanup(stop)
	tab := newTab(t, 60*time.Second)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Navigate(base+"/?"+conformanceParams(conformanceCmdline(t, "boot")).Encode())))
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 45*time.Second)
	text := Eval[string](tab, errorPanelJS)
	t.Logf("%s", strings.Join(strings.Fields(text), " "))
	assert.Regexp(t, `did not start: its script gohost-worker\.js did not load or run \(run "make build"`, text)
	assert.Equal(t, "failed", Eval[string](tab, `gohost.status().stage`))
}
