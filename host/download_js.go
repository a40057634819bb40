// Download: the page-wide assets, fetching the kernel and initramfs with
// progress, and the content key of a kernel.

package host

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// Assets are fetched and compiled once per page and shared by every boot.
type Assets struct {
	Worker js.Value // compiled gohost-worker.wasm
	// kernels maps a kernel's identity (kernelIdent) to the promise of its
	// compiled module: a reboot of the same kernel skips compiling it again.
	kernels map[string]js.Value
	err     error
	done    chan struct{}
	stock   workerStock
	stocked bool // the initial stock has been made
}

// LoadAssets starts compiling the worker program right away, so it is ready
// by the time a kernel has downloaded.
func LoadAssets(url string) *Assets {
	a := &Assets{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		p := js.Undefined()
		if abs, ok := absURL(url); ok {
			p = prefetchedCompile(abs) // the page's early.js started it
		}
		if !p.IsUndefined() {
			a.Worker, a.err = await(p)
		}
		if a.Worker.IsUndefined() || a.err != nil {
			wa := js.Global().Get("WebAssembly")
			a.Worker, a.err = await(wa.Call("compileStreaming", js.Global().Call("fetch", url)))
		}
		if a.err != nil {
			a.err = fmt.Errorf("cannot load the worker program %s: %v (run make build)", url, a.err)
			return
		}
		if a.err = a.stock.init(a.Worker); a.err != nil {
			a.err = fmt.Errorf("this browser lacks WebAssembly features the host needs (reference types): %v", a.err)
			return
		}
	}()
	return a
}

// absURL resolves url against the page's address, as early.js keys its
// downloads.
func absURL(url string) (string, bool) {
	var abs string
	err := try(func() {
		abs = js.Global().Get("URL").New(url, js.Global().Get("location").Get("href")).Get("href").String()
	})
	return abs, err == nil
}

// open starts a download, or takes the one the page started for the same
// URL when it loaded (globalThis.gohostPrefetch, see www/early.js: the
// kernel and initramfs then download while gohost.wasm starts), and checks
// its HTTP status.
func (m *Machine) open(url, what string) (safejs.Value, error) {
	var r jsReader
	p := prefetched(url)
	if p.IsUndefined() {
		p = js.Global().Call("fetch", url)
	}
	resp := r.await(safejs.Safe(p))
	if r.err != nil {
		return safejs.Value{}, &KernelError{Message: fmt.Sprintf("cannot download the %s from %s: %v", what, url, r.err)}
	}
	if !r.bool(r.get(resp, "ok")) && r.err == nil {
		return safejs.Value{}, &KernelError{Message: fmt.Sprintf("cannot download the %s: %s answered HTTP %d %s", what, url, r.int(r.get(resp, "status")), r.str(r.get(resp, "statusText")))}
	}
	if r.err != nil {
		return safejs.Value{}, &KernelError{Message: fmt.Sprintf("cannot download the %s from %s: %v", what, url, r.err)}
	}
	return resp, nil
}

// prefetched takes the page's pending fetch of url (a promise of its
// Response), if it started one and no boot has used it yet; else undefined.
// A response body can be read once, so a reboot fetches again (from the
// browser's cache).
func prefetched(url string) js.Value {
	pf := js.Global().Get("gohostPrefetch")
	if pf.Type() != js.TypeObject || pf.Get("take").Type() != js.TypeFunction {
		return js.Undefined()
	}
	var p js.Value
	if try(func() { p = pf.Call("take", url) }) != nil || p.Type() != js.TypeObject {
		return js.Undefined()
	}
	return p
}

// prefetchedCompile takes the page's compile of a module it fetched early
// from url (www/early.js: the kernel, in the kfetch.js worker, and the
// worker program), a promise of the module or of undefined when it was not
// fetched; else undefined.
func prefetchedCompile(url string) js.Value {
	pf := js.Global().Get("gohostPrefetch")
	if pf.Type() != js.TypeObject || pf.Get("compiled").Type() != js.TypeFunction {
		return js.Undefined()
	}
	var c js.Value
	if try(func() { c = pf.Call("compiled", url) }) != nil || c.Type() != js.TypeObject {
		return js.Undefined()
	}
	return c
}

// bodySkip lets readBody's caller stop taking bytes: once enough() is true,
// the rest of the body is passed over unread in one go (gohostSkipTo), for
// the download's progress and end only.
type bodySkip struct {
	enough func() bool
}

// readBody reads a response's body, reporting progress, and hands every
// chunk (a Uint8Array) to chunk. With skip, the bytes the caller does not
// need are read by gohost.js (gohostSkipTo) without a trip into Go for each
// chunk: that trip, for each of a 30 MB kernel's ~500 chunks, cost seconds
// on a page busy with the kernel's compile. It returns the bytes read and
// whether the browser served the file from its cache.
func (m *Machine) readBody(resp safejs.Value, url, what string, chunk func(c safejs.Value, n int) error, skip *bodySkip) (int, bool, error) {
	var r jsReader
	total := contentLength(&r, r.get(resp, "headers"))
	reader := r.call(r.get(resp, "body"), "getReader")
	loaded := 0
	var lastEvent time.Time
	progress := func(loaded int) {
		t := total
		if loaded > t {
			t = 0 // compressed transfer: the length header counted other bytes
		}
		// At most one event (and page update) per progressEvery, plus the last.
		if now := time.Now(); now.Sub(lastEvent) >= progressEvery {
			lastEvent = now
			m.ev.Progress(what, loaded, t, false)
		}
	}
	if js.Global().Get("gohostSkipTo").Type() != js.TypeFunction {
		skip = nil // a page without gohost.js's helper: every chunk comes to Go
	}
	var onProgress js.Func
	if skip != nil {
		onProgress = js.FuncOf(func(_ js.Value, args []js.Value) any {
			if len(args) > 0 && args[0].Type() == js.TypeNumber {
				progress(args[0].Int())
			}
			return nil
		})
		defer onProgress.Release()
	}
	for r.err == nil {
		var res safejs.Value
		if skip != nil && skip.enough() {
			res = r.await(r.call(safejs.Global(), "gohostSkipTo", reader, loaded, math.MaxInt, safejs.Safe(onProgress.Value)))
			at := r.int(r.get(res, "at"))
			if r.err != nil {
				break
			}
			loaded = at
		} else {
			res = r.await(r.call(reader, "read"))
		}
		if r.bool(r.get(res, "done")) || r.err != nil {
			break
		}
		c := r.get(res, "value")
		n := r.length(c)
		if r.err != nil {
			break
		}
		if err := chunk(c, n); err != nil {
			r.call(reader, "cancel") // the rest does not matter
			return 0, false, err
		}
		loaded += n
		progress(loaded)
	}
	if r.err != nil {
		return 0, false, &KernelError{Message: fmt.Sprintf("the %s download from %s broke off: %v", what, url, r.err)}
	}
	cached := cachedResponse(&r, resp)
	if r.err != nil {
		return 0, false, &KernelError{Message: fmt.Sprintf("cannot read the %s downloaded from %s: %v", what, url, r.err)}
	}
	m.ev.Progress(what, loaded, loaded, cached)
	return loaded, cached, nil
}

// progressEvery is the least time between two progress events of a download.
const progressEvery = 50 * time.Millisecond

// fetch downloads a file with progress events and returns it both as Go
// bytes and as a JS Uint8Array.
func (m *Machine) fetch(url, what string) ([]byte, js.Value, error) {
	resp, err := m.open(url, what)
	if err != nil {
		return nil, js.Value{}, err
	}
	var chunks []safejs.Value
	loaded, _, err := m.readBody(resp, url, what, func(c safejs.Value, _ int) error { chunks = append(chunks, c); return nil }, nil)
	if err != nil {
		return nil, js.Value{}, err
	}
	var r jsReader
	all := r.new(r.get(safejs.Global(), "Uint8Array"), loaded)
	at := 0
	for _, c := range chunks {
		r.call(all, "set", c, at)
		at += r.length(c)
	}
	b := r.bytes(all)
	if r.err != nil {
		return nil, js.Value{}, &KernelError{Message: fmt.Sprintf("cannot read the %s downloaded from %s: %v", what, url, r.err)}
	}
	return b, safejs.Unsafe(all), nil
}

// kernelStream is a kernel whose interface has been checked from the head
// of its download while the rest still arrives and compiles.
type kernelStream struct {
	info     *abi.KernelInfo
	compiled js.Value // the promise of the compiled module
	ident    string   // for reuse on a reboot ("" without a strong validator)
	// rest says how the rest of the download ended: nil once it was read to
	// its end, else why not (a broken connection). Whether the module is
	// whole the browser's compile says (awaitKernel).
	rest chan error
}

// streamKernel downloads the kernel and has the browser compile it as it
// arrives (WebAssembly.compileStreaming on a clone of the response, which
// keeps its URL, so the browser's code cache can serve a reload). Go reads
// the other branch only as far as the module's head (the sections before
// its code), which it checks against the ABI as soon as it is complete; the
// rest it has passed over in one go (gohostSkipTo), for the download's
// progress and end: no copy of the code into Go, no second pass over it.
// (It used to walk every section header after the code, to name a
// truncated download; each header was a round trip through the page's
// busy main thread, and the walk ended up to half a second after the
// bytes. A module the browser compiled arrived whole; one it cannot compile
// is refused with the browser's reason, see awaitKernel.) It returns once
// the head is checked, so the boot can make what needs only the kernel's
// interface (memories, the initramfs) while the rest of the kernel
// downloads and compiles; the download's end arrives on rest.
func (m *Machine) streamKernel(url string) (*kernelStream, error) {
	resp, err := m.open(url, "kernel")
	if err != nil {
		return nil, err
	}
	u := safejs.Unsafe(resp)
	k := &kernelStream{ident: kernelIdent(u), rest: make(chan error, 1)}
	if c, ok := m.assets.kernels[k.ident]; ok && k.ident != "" {
		k.compiled = c
	} else if c := prefetchedCompile(url); !c.IsUndefined() {
		k.compiled = c // the page started it with the download
	} else {
		k.compiled = compileStreaming(u)
	}
	s := wasmbin.NewStream()
	head := make(chan error, 1)
	headSaid := false
	sayHead := func(err error) {
		if !headSaid {
			headSaid = true
			head <- err
		}
	}
	go func() {
		var r jsReader
		_, _, err := m.readBody(resp, url, "kernel", func(c safejs.Value, n int) error {
			from := s.Want(n)
			if from == n {
				s.Write(n, nil)
				return nil
			}
			part := c
			if from > 0 {
				part = r.call(c, "subarray", from)
			}
			s.Write(n, r.bytes(part))
			if r.err != nil {
				return &KernelError{Message: fmt.Sprintf("cannot read the kernel downloaded from %s: %v", url, r.err)}
			}
			if s.HeadDone() && k.info == nil {
				// Everything the check needs has arrived: refuse a kernel
				// this host cannot run before the rest downloads.
				info, err := InspectKernelHead(s.Head)
				if err != nil {
					return err
				}
				k.info = info
				sayHead(nil)
			}
			return nil
		}, &bodySkip{enough: s.HeadDone}) // the rest is the compiler's
		if err == nil && !s.HeadDone() {
			// No code section (or not wasm at all): the whole file is here,
			// and the full check names what is wrong with it.
			k.info, err = InspectKernel(s.Head)
		}
		sayHead(err)
		k.rest <- err
	}()
	if err := <-head; err != nil {
		ignore(k.compiled)
		return nil, err
	}
	return k, nil
}

// compileStreaming compiles a response as it downloads. The browser wants
// the type application/wasm; a server that labels the kernel otherwise
// still gets it compiled (from a relabelled stream, without the code cache).
func compileStreaming(resp js.Value) js.Value {
	wa := js.Global().Get("WebAssembly")
	ct := resp.Get("headers").Call("get", "content-type")
	if ct.Type() == js.TypeString && strings.HasPrefix(strings.TrimSpace(strings.ToLower(ct.String())), "application/wasm") {
		return wa.Call("compileStreaming", resp.Call("clone"))
	}
	relabelled := js.Global().Get("Response").New(resp.Call("clone").Get("body"),
		map[string]any{"headers": map[string]any{"content-type": "application/wasm"}})
	return wa.Call("compileStreaming", relabelled)
}

// ignore drops a compile promise whose result no longer matters (not a
// kernel, or the download failed), so its rejection is not reported as
// unhandled.
func ignore(p js.Value) {
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any { f.Release(); return nil })
	p.Call("then", f, f)
}

// kernelIdent names a kernel response for reuse of its compiled module on a
// reboot: its URL, length and strong ETag (HTTP's identifier of a
// representation). A response without one is compiled again (the browser's
// code cache may still serve it).
func kernelIdent(resp js.Value) string {
	etag := resp.Get("headers").Call("get", "etag")
	if etag.Type() != js.TypeString || strings.HasPrefix(etag.String(), "W/") || etag.String() == "" {
		return ""
	}
	length := resp.Get("headers").Call("get", "content-length")
	l := ""
	if length.Type() == js.TypeString {
		l = length.String()
	}
	return resp.Get("url").String() + "\x00" + l + "\x00" + etag.String()
}

// contentLength is the size of the body as the page will read it: the
// server's X-Decoded-Length when it compresses (cmd/serve sends it), the
// Content-Length when it does not, else 0 (unknown: progress shows bytes only).
func contentLength(r *jsReader, h safejs.Value) int {
	header := func(name string) (int, bool) {
		n, err := strconv.Atoi(r.str(r.call(h, "get", name)))
		return n, err == nil && n >= 0
	}
	if n, ok := header("x-decoded-length"); ok {
		return n
	}
	if enc := r.str(r.call(h, "get", "content-encoding")); enc != "" && enc != "identity" {
		return 0
	}
	n, _ := header("content-length")
	return n
}

// cachedResponse tells from Resource Timing whether the browser served the
// file from its cache (no bytes transferred).
// A response read in a worker (the page's kfetch.js) carries its worker's
// Resource Timing entry as timing, since the page's timeline has none.
func cachedResponse(r *jsReader, resp safejs.Value) bool {
	e := r.get(resp, "timing")
	if t, _ := e.Truthy(); !t {
		entries := r.call(r.get(safejs.Global(), "performance"), "getEntriesByName", r.str(r.get(resp, "url")))
		n := r.length(entries)
		if n == 0 || r.err != nil {
			return false
		}
		e = r.index(entries, n-1)
	}
	// Served from the cache outright (nothing transferred) or revalidated
	// (a 304: only headers transferred).
	transfer, encoded := r.int(r.get(e, "transferSize")), r.int(r.get(e, "encodedBodySize"))
	return r.int(r.get(e, "decodedBodySize")) > 0 && transfer < encoded
}
