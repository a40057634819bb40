// Download: the page-wide assets, fetching the kernel and initramfs with
// progress, and the content key of a kernel.

package host

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"syscall/js"

	"github.com/hack-pad/safejs"
)

// Assets are fetched and compiled once per page and shared by every boot.
type Assets struct {
	Worker js.Value // compiled gohost-worker.wasm
	// kernels maps a kernel's content key to the promise of its compiled
	// module: a reboot of the same kernel skips compiling it again.
	kernels map[uint64]js.Value
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
		wa := js.Global().Get("WebAssembly")
		a.Worker, a.err = await(wa.Call("compileStreaming", js.Global().Call("fetch", url)))
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

// fetch downloads a file with progress events and returns it both as Go
// bytes and as a JS Uint8Array.
func (m *Machine) fetch(url, what string) ([]byte, js.Value, error) {
	var r jsReader
	resp := r.await(r.call(safejs.Global(), "fetch", url))
	if r.err != nil {
		return nil, js.Value{}, &KernelError{Message: fmt.Sprintf("cannot download the %s from %s: %v", what, url, r.err)}
	}
	if !r.bool(r.get(resp, "ok")) && r.err == nil {
		return nil, js.Value{}, &KernelError{Message: fmt.Sprintf("cannot download the %s: %s answered HTTP %d %s", what, url, r.int(r.get(resp, "status")), r.str(r.get(resp, "statusText")))}
	}
	total := contentLength(&r, r.get(resp, "headers"))
	reader := r.call(r.get(resp, "body"), "getReader")
	var chunks []safejs.Value
	loaded := 0
	for r.err == nil {
		res := r.await(r.call(reader, "read"))
		if r.bool(r.get(res, "done")) || r.err != nil {
			break
		}
		c := r.get(res, "value")
		chunks = append(chunks, c)
		loaded += r.length(c)
		t := total
		if loaded > t {
			t = 0 // compressed transfer: the length header counted other bytes
		}
		m.ev.Progress(what, loaded, t, false)
	}
	if r.err != nil {
		return nil, js.Value{}, &KernelError{Message: fmt.Sprintf("the %s download from %s broke off: %v", what, url, r.err)}
	}
	all := r.new(r.get(safejs.Global(), "Uint8Array"), loaded)
	at := 0
	for _, c := range chunks {
		r.call(all, "set", c, at)
		at += r.length(c)
	}
	b := r.bytes(all)
	cached := cachedResponse(&r, r.str(r.get(resp, "url")))
	if r.err != nil {
		return nil, js.Value{}, &KernelError{Message: fmt.Sprintf("cannot read the %s downloaded from %s: %v", what, url, r.err)}
	}
	m.ev.Progress(what, loaded, loaded, cached)
	return b, safejs.Unsafe(all), nil
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
func cachedResponse(r *jsReader, url string) bool {
	entries := r.call(r.get(safejs.Global(), "performance"), "getEntriesByName", url)
	n := r.length(entries)
	if n == 0 || r.err != nil {
		return false
	}
	e := r.index(entries, n-1)
	// Served from the cache outright (nothing transferred) or revalidated
	// (a 304: only headers transferred).
	transfer, encoded := r.int(r.get(e, "transferSize")), r.int(r.get(e, "encodedBodySize"))
	return r.int(r.get(e, "decodedBodySize")) > 0 && transfer < encoded
}

// contentKey identifies a kernel by content (FNV-1a 64).
func contentKey(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
