package host

import (
	"strconv"
	"syscall/js"
	"time"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/wasmgen"
)

// Starting a worker takes tens of milliseconds (more while a boot keeps both
// cores busy): creating the Web Worker, loading its scripts, instantiating
// and starting Go. None of that depends on a machine: worker.js starts Go
// first (message 'go') and takes a machine later (message 'machine'). The
// host therefore keeps a stock of such started workers, so that the workers
// a boot needs first (CPU 0, the pool, the kernel's first kthreads, each of
// which the kernel waits for) only have to instantiate the kernel. How many,
// and when (a few during the kernel's compile, the rest once it is
// compiled): StockSizes (pool.go), from the browser's core count.
var earlyStock, bootStock, quietStock = StockSizes(hardwareConcurrency())

func hardwareConcurrency() int {
	n := js.Global().Get("navigator").Get("hardwareConcurrency")
	if n.Type() != js.TypeNumber {
		return 1
	}
	return n.Int()
}

// stockTrimAfter is how long a machine must be quiet before the stock is cut
// back to quietStock.
const stockTrimAfter = 10 * time.Second

type workerStock struct {
	goModule  js.Value // compiled gohost-worker.wasm
	forwarder js.Value // compiled wasmgen.HostMemForwarder
	names     []string // wasmgen.HostMemNames, the forwarder's table order
	started   []js.Value
}

func (s *workerStock) init(goModule js.Value) error {
	u := js.Global().Get("Uint8Array").New(len(wasmgen.HostMemForwarder()))
	js.CopyBytesToJS(u, wasmgen.HostMemForwarder())
	if err := try(func() { s.forwarder = js.Global().Get("WebAssembly").Get("Module").New(u) }); err != nil {
		return err
	}
	s.goModule = goModule
	s.names = wasmgen.HostMemNames()
	return nil
}

// workerScript is the workers' script: make build writes wasm_exec.js and
// worker.js into it, one after the other. A worker loading worker.js itself
// would fetch wasm_exec.js with a synchronous importScripts before it could
// start Go; in a boot's burst of ~40 kthreads, each waiting for a new
// worker, that fetch (a revalidation on a no-cache server) cost the worker
// thread ~20 ms each (1152 ms over 45 workers in a trace), and the prompt
// came 160-330 ms later than with one script (-ab, realboot, 5 rounds).
const workerScript = "gohost-worker.js"

// newWorker creates a worker and has it start Go. Errors before it is given
// a machine (its scripts or Go failed) mark it dead, so that it is never used.
func (s *workerStock) newWorker() js.Value {
	w := js.Global().Get("Worker").New(workerScript, map[string]any{"name": "gohost worker"})
	w.Set("onerror", workerErrFunc())
	w.Set("onmessageerror", workerErrFunc())
	w.Call("postMessage", bridge.GoStart{GoModule: s.goModule, ForwarderModule: s.forwarder, HostmemNames: s.names}.Message())
	return w
}

// take returns a started worker, from the stock if it has a live one.
func (s *workerStock) take() js.Value {
	for len(s.started) > 0 {
		w := s.started[0]
		s.started = s.started[1:] // oldest first: the likeliest to be up
		if !w.Get("gohostDead").Truthy() {
			return w
		}
		w.Call("terminate")
	}
	return s.newWorker()
}

// fill tops the stock up to n workers.
func (s *workerStock) fill(n int) {
	if s.goModule.IsUndefined() {
		return
	}
	if len(s.started) < n {
		perfMark("stock-fill-" + strconv.Itoa(n))
	}
	for len(s.started) < n {
		s.started = append(s.started, s.newWorker())
	}
}

// trim terminates started workers beyond n, the newest first.
func (s *workerStock) trim(n int) {
	for len(s.started) > n {
		last := len(s.started) - 1
		s.started[last].Call("terminate")
		s.started = s.started[:last]
	}
}

// perfMark names a moment of the start-up in the page's performance timeline
// (gohost:host:...), beside gohost.js's and early.js's marks: the bench's
// -marks prints them. Start-up only, never on a per-event path.
func perfMark(what string) {
	_ = try(func() { js.Global().Get("performance").Call("mark", "gohost:host:"+what) })
}
