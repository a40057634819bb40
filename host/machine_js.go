package host

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"runtime"
	"strconv"
	"syscall/js"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/cpio"
	"github.com/linuxwasm/gohost/internal/wasmgen"
)

// Options configure one boot.
type Options struct {
	KernelURL string
	InitrdURL string
	Cmdline   string
	Files     []cpio.File // added under cpio.DefaultUserPrefix
	PoolFloor int         // idle workers kept ready; 0 starts workers on demand only
	// PoolCeiling is how many idle workers are kept at most (raised to
	// PoolFloor if lower): a worker whose task was released goes back to the
	// pool below it and is terminated above it, so a burst of tasks does not
	// leave its workers' memory behind for good.
	PoolCeiling int
	// ReadyPattern, when set, is the console text that means "ready" instead
	// of a shell prompt (a conformance kernel prints no prompt).
	ReadyPattern string
}

// ErrorEvent is what the page shows in its error panel.
type ErrorEvent struct {
	Title, Message string
	Details        []string
	Stack          string
}

// Events receives what a Machine reports. All calls happen on the main thread.
type Events interface {
	Stage(stage, detail string)
	Progress(what string, loaded, total int, cached bool)
	Console(bytes js.Value) // a Uint8Array of raw console output
	// ConsoleBacklog is how many bytes of console output the page has been
	// given but not yet consumed (the terminal's queue), or 0 if unknown.
	ConsoleBacklog() int
	Log(text string)
	Error(e ErrorEvent)
}

// Machine is one boot of a kernel: its memories, workers and bridge.
type Machine struct {
	opts     Options
	ev       Events
	assets   *Assets
	stage    string
	started  time.Time
	stopped  bool
	stopping bool // a CPU was stopped: waiting to learn whether it was a panic

	kernel  js.Value // compiled kernel module
	info    *abi.KernelInfo
	memory  js.Value
	bmem    js.Value
	jm      *jsMem
	wasmMem bool // the bridge is reached through hostmem (mainmem_js.go)
	br      *bridge.Bridge
	helpers struct{ hostmem, shims js.Value }
	initrd  js.Value // ArrayBuffer for the primary worker

	workers  map[uint32]*workerRec
	starting int

	flowing    bool // the last drain found bulk output: poll on a timer
	final      map[string]any
	pendingIn  []byte
	consoleOut uint64
	lastOut    time.Time
	lastSwitch uint32
	silentSaid bool
	transcript *Transcript
	wake       js.Func
	tick       js.Value  // an Int32Array on a SharedArrayBuffer nothing notifies: a timer (see arm)
	serial     int       // tells this machine's workers from earlier machines'
	busyAt     time.Time // when jobs last waited or workers were starting
}

// Worker error events of every machine go through one function that is never
// released: an event can still arrive from a worker of a machine that has been
// stopped (it was queued before terminate), and a per-machine function
// released at stop would then be "a call to a released function".
var (
	liveMachines  = map[int]*Machine{}
	machineSerial int
	workerErrFn   js.Func
)

func workerErrFunc() js.Func {
	if workerErrFn.IsUndefined() {
		workerErrFn = js.FuncOf(onWorkerError)
	}
	return workerErrFn
}

func onWorkerError(this js.Value, args []js.Value) any {
	serial := this.Get("gohostMachine")
	if serial.Type() != js.TypeNumber {
		// A stock worker, not yet given a machine, failed to start: never
		// use it. A fresh one spawned instead reports such a failure to its
		// machine.
		this.Set("gohostDead", true)
		handled(args)
		return nil
	}
	m := liveMachines[serial.Int()]
	if m == nil {
		// A discarded machine's worker: its error no longer matters.
		handled(args)
		return nil
	}
	if err := guard("worker error", func() error { m.workerError(this, args); return nil }); err != nil {
		m.fail(err)
	}
	return nil
}

// handled marks an error event as dealt with, so the browser does not also
// report it as uncaught.
func handled(args []js.Value) {
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		args[0].Call("preventDefault")
	}
}

type workerRec struct {
	w    js.Value
	task string // what it runs, for error reports
}

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

// NewMachine prepares a machine; Boot starts it.
func NewMachine(opts Options, assets *Assets, ev Events, t *Transcript) *Machine {
	return &Machine{opts: opts, ev: ev, assets: assets, workers: map[uint32]*workerRec{}, transcript: t}
}

func (m *Machine) setStage(s, detail string) {
	m.stage = s
	m.ev.Stage(s, detail)
}

// Boot downloads, checks and starts the kernel. It returns once CPU 0's
// worker exists; from then on failures arrive as events. Call from a goroutine.
func (m *Machine) Boot() (err error) {
	m.started = time.Now()
	m.busyAt = m.started
	defer func() {
		if err != nil {
			m.fail(err)
		}
	}()
	if err := CheckCmdline(m.opts.Cmdline); err != nil {
		return &KernelError{Message: err.Error()}
	}
	if m.opts.PoolFloor > 0 {
		// The page's first pooled boot makes the stock of started workers,
		// while the kernel downloads and compiles.
		go func() {
			<-m.assets.done
			if m.assets.err == nil && !m.assets.stocked {
				m.assets.stocked = true
				m.assets.stock.fill(initialStock)
			}
		}()
	}
	// Both downloads at once; the kernel compiles (off the main thread) while
	// Go checks its interface.
	m.setStage("download", "")
	type download struct {
		b   []byte
		u   js.Value
		err error
	}
	initrdCh := make(chan download, 1)
	go func() {
		var d download
		d.err = guard("initrd download", func() (e error) { d.b, d.u, e = m.fetch(m.opts.InitrdURL, "initrd"); return e })
		initrdCh <- d
	}()
	kbytes, kjs, err := m.fetch(m.opts.KernelURL, "kernel")
	if err != nil {
		return err
	}
	m.setStage("compile", "")
	key := contentKey(kbytes)
	compiled, ok := m.assets.kernels[key]
	if !ok {
		// A reboot of the same kernel reuses the compiled module.
		compiled = js.Global().Get("WebAssembly").Call("compile", kjs)
	}
	info, err := InspectKernel(kbytes)
	if err != nil {
		var ignore js.Func // the compile result no longer matters: not a kernel
		ignore = js.FuncOf(func(js.Value, []js.Value) any { ignore.Release(); return nil })
		compiled.Call("then", ignore, ignore)
		return err
	}
	m.info = info
	m.kernel, err = await(compiled)
	if err != nil {
		return &KernelError{Message: "the browser could not compile the kernel", Details: []string{err.Error()}}
	}
	m.assets.kernels = map[uint64]js.Value{key: compiled} // the last kernel only
	d := <-initrdCh
	if d.err != nil {
		return d.err
	}
	ibytes, ijs := d.b, d.u
	if len(m.opts.Files) > 0 {
		placed, err := cpio.PlaceUserFiles(cpio.DefaultUserPrefix, m.opts.Files)
		if err != nil {
			return &KernelError{Message: "your files cannot be added to the initramfs", Details: []string{err.Error()}}
		}
		ibytes, err = cpio.Append(ibytes, placed)
		if err != nil {
			return &KernelError{Message: "your files cannot be added to the initramfs", Details: []string{err.Error()}}
		}
		ijs = js.Global().Get("Uint8Array").New(len(ibytes))
		js.CopyBytesToJS(ijs, ibytes)
	}
	if err := CheckFit(info.MemoryMin, len(ibytes)); err != nil {
		return &KernelError{Message: err.Error()}
	}
	m.initrd = ijs.Get("buffer")

	if err := m.createMemories(); err != nil {
		return err
	}
	<-m.assets.done
	if m.assets.err != nil {
		return m.assets.err
	}
	if m.stopped {
		return errors.New("stopped")
	}
	m.setStage("boot", "")
	machineSerial++
	m.serial = machineSerial
	liveMachines[m.serial] = m
	m.wake = js.FuncOf(func(js.Value, []js.Value) any {
		if m.stopped {
			// The one waitAsync still pending when the machine stopped: let go
			// of the callbacks so a discarded machine (memories, modules) can
			// be collected.
			m.wake.Release()
			return nil
		}
		if err := guard("host", func() error { m.service(); m.arm(); return nil }); err != nil {
			m.fail(err)
		}
		return nil
	})
	m.spawn("primary")
	m.service() // fills the pool
	m.arm()
	return nil
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

// createMemories creates the kernel's shared memory from its declared limits
// (not the original's fixed 30 pages, 10.1), the bridge memory, and compiles
// the generated helper modules.
func (m *Machine) createMemories() error {
	wa, err := safejs.Global().Get("WebAssembly")
	if err != nil {
		return err
	}
	memCtor, err := wa.Get("Memory")
	if err != nil {
		return err
	}
	max := m.info.MemoryMax
	if max == 0 || max > 65536 {
		max = 65536
	}
	mem, err := memCtor.New(map[string]any{"initial": m.info.MemoryMin, "maximum": max, "shared": true})
	if err != nil {
		return &KernelError{Message: fmt.Sprintf("the browser cannot create the kernel's memory (%d pages, up to %d, shared)", m.info.MemoryMin, max), Details: []string{err.Error()}}
	}
	m.memory = safejs.Unsafe(mem)
	pages := bridge.DefaultConfig.Pages()
	bmem, err := memCtor.New(map[string]any{"initial": pages, "maximum": pages, "shared": true})
	if err != nil {
		return &KernelError{Message: "the browser cannot create shared memory", Details: []string{err.Error()}}
	}
	m.bmem = safejs.Unsafe(bmem)

	compile := func(b []byte) (js.Value, error) {
		u := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(u, b)
		var mod js.Value
		err := try(func() { mod = js.Global().Get("WebAssembly").Get("Module").New(u) })
		return mod, err
	}
	if m.helpers.hostmem, err = compile(wasmgen.HostMem()); err != nil {
		return &KernelError{Message: "this browser lacks WebAssembly features the host needs (threads, multi-memory)", Details: []string{err.Error()}}
	}
	if m.helpers.shims, err = compile(wasmgen.Shims(wasmgen.KernelShims)); err != nil {
		return &KernelError{Message: "this browser lacks WebAssembly exception handling", Details: []string{err.Error()}}
	}
	m.jm = newJSMem(m.bmem.Get("buffer"))
	m.tick = js.Global().Get("Int32Array").New(js.Global().Get("SharedArrayBuffer").New(4))
	var bm bridge.Mem = m.jm
	if m.wasmMem, err = m.bindHostmem(); err != nil {
		return &KernelError{Message: "the browser cannot instantiate the host's memory helper", Details: []string{err.Error()}}
	} else if m.wasmMem {
		bm = mainMem{js: m.jm}
	}
	m.br = bridge.Open(bm, bridge.DefaultConfig, true)
	if m.wasmMem {
		js.Global().Get("gohostMainHostmem").Set("stage",
			js.Global().Get("Uint8Array").New(m.bmem.Get("buffer"), m.br.InputStage, bridge.InputStageSize))
	}
	return nil
}

// spawn starts a worker. Only the main thread creates workers: a worker's
// nested workers would die with it (1.4).
func (m *Machine) spawn(role string) {
	id := m.br.NewWorkerID()
	var w js.Value
	if m.opts.PoolFloor > 0 {
		w = m.assets.stock.take()
	} else {
		// No pool: every worker starts cold, as with the original host.
		w = m.assets.stock.newWorker()
	}
	w.Set("gohostMachine", m.serial)
	w.Set("gohostID", id)
	hostImports := []any{}
	for _, n := range m.info.HostImports {
		hostImports = append(hostImports, n)
	}
	stubs := []any{}
	for _, s := range m.info.SysStubs {
		stubs = append(stubs, s.Name)
	}
	msg := map[string]any{
		"id": id, "role": role,
		"kind": "machine", "kernelModule": m.kernel,
		"hostmemModule": m.helpers.hostmem, "shimsModule": m.helpers.shims,
		"memory": m.memory, "bridge": m.bmem,
		"hostImports": hostImports, "sysStubs": stubs,
		"poolCeiling": PoolCeiling(m.opts.PoolFloor, m.opts.PoolCeiling),
	}
	if role == "primary" {
		msg["cmdline"] = m.opts.Cmdline
		msg["initrd"] = m.initrd
		m.workers[id] = &workerRec{w: w, task: "CPU 0 (boot)"}
	} else {
		m.workers[id] = &workerRec{w: w, task: "starting"}
		m.starting++
	}
	w.Call("postMessage", msg)
}

// arm waits for the doorbell without blocking: Atomics.waitAsync resolves when
// a worker rings it, or after a quarter second so pending input and the pool
// are looked after even when the guest is quiet.
func (m *Machine) arm() {
	if m.stopped {
		return
	}
	if m.flowing {
		// Output is streaming: come back in a few milliseconds and take
		// everything at once, rather than waking for each of the kernel's
		// writes (thousands a second, each a trip into Go and a small
		// terminal write). Interactive echo waits at most this long.
		// The timer is a waitAsync on a cell nothing notifies, not
		// setTimeout: a browser throttles chained timers in a hidden tab
		// (measured in headless Chromium with the window minimised: a
		// setTimeout(4) chain fired every 1000 ms, this one every 4.3 ms).
		m.flowing = false
		m.waitAsync(m.tick, 0, 0, drainInterval)
		return
	}
	m.waitAsync(m.jm.i32, bridge.DoorbellAddr()/4, int32(m.br.Doorbell()), 250)
}

// waitAsync calls m.wake once i32[index] changes from value or timeoutMs
// passes (Atomics.waitAsync), or right away if it differs already.
func (m *Machine) waitAsync(i32 js.Value, index uint32, value int32, timeoutMs int) {
	r := js.Global().Get("Atomics").Call("waitAsync", i32, index, value, timeoutMs)
	if r.Get("async").Bool() {
		r.Get("value").Call("then", m.wake)
	} else {
		js.Global().Call("queueMicrotask", m.wake)
	}
}

// While the guest prints in bulk (a drain found at least flowingBytes), the
// main thread drains every drainInterval milliseconds instead of per doorbell.
const (
	flowingBytes  = 4096
	drainInterval = 4
)

// service does everything the main thread owes the guest, once per doorbell.
func (m *Machine) service() {
	if m.stopped {
		return
	}
	for {
		ev, ok := m.br.NextEvent()
		if !ok {
			break
		}
		m.handle(ev)
		if m.stopped {
			return
		}
	}
	if m.br.ConsoleOut.Len() > 0 { // the page is asked only when there is output
		m.drainConsoleUpTo(ConsoleBacklogMax - m.ev.ConsoleBacklog())
	}
	m.flushInput()
	backlog := int(m.br.Jobs.Backlog())
	if n := SpawnCount(backlog, int(m.br.Jobs.Idle()), m.starting, len(m.workers), m.opts.PoolFloor); n > 0 && !m.stopping {
		for i := 0; i < n; i++ {
			m.spawn("pool")
		}
	}
	if backlog > 0 || m.starting > 0 {
		m.busyAt = time.Now()
	} else if m.opts.PoolFloor > 0 {
		// Quiet: keep a few started workers for the next burst, and once the
		// machine has been quiet for a while let go of what the first burst
		// did not use.
		m.assets.stock.fill(quietStock)
		if time.Since(m.busyAt) > stockTrimAfter {
			m.assets.stock.trim(quietStock)
		}
	}
	m.watchStall()
}

// ConsoleBacklogMax is how far ahead of the page's terminal the host hands
// out console output. Beyond it the output waits in the ring, and the kernel
// waits for room there, instead of piling up in xterm.js, which discards
// writes once 50 MB are queued. With the real terminal, same run, five
// alternations, the gate cost 3% of the throughput into xterm.js at 4 MiB
// (12.3 vs 12.7 MB/s median) and 8% at 1 MiB.
const ConsoleBacklogMax = 4 << 20

func (m *Machine) handle(ev bridge.Event) {
	text := string(ev.Payload)
	switch ev.Kind {
	case bridge.EvLog:
		m.ev.Log(m.workerName(ev.Arg) + ": " + text)
	case bridge.EvReady:
		m.starting--
	case bridge.EvTaskStart:
		if w := m.workers[ev.Arg]; w != nil {
			w.task = text
		}
	case bridge.EvTaskEnd:
		if w := m.workers[ev.Arg]; w != nil {
			w.task = "idle"
		}
	case bridge.EvLeave:
		if w := m.workers[ev.Arg]; w != nil {
			w.w.Call("terminate")
			delete(m.workers, ev.Arg)
		}
	case bridge.EvStopCPU:
		// Panic, halt, reboot and power-off all stop the other CPUs first. Give
		// the kernel a moment to say which it was.
		if !m.stopping {
			m.stopping = true
			var later js.Func
			later = js.FuncOf(func(js.Value, []js.Value) any {
				later.Release()
				// A panic reported meanwhile but not yet drained wins.
				m.service()
				if !m.stopped {
					m.drainConsole()
					m.halt("the kernel stopped its CPUs (halt, reboot or power-off)")
				}
				return nil
			})
			js.Global().Call("setTimeout", later, 1000)
		}
	case bridge.EvPanic:
		m.drainConsole()
		m.setStage("panic", text)
		m.ev.Error(ErrorEvent{Title: "Kernel panic", Message: text, Stack: m.transcript.Tail(8192)})
		m.Stop()
	case bridge.EvHalt:
		m.halt(text)
	case bridge.EvWorkerDied:
		m.drainConsole()
		m.fail(fmt.Errorf("%s failed: %s", m.workerName(ev.Arg), text))
	}
}

func (m *Machine) workerName(id uint32) string {
	if w := m.workers[id]; w != nil && w.task != "" {
		return "worker " + strconv.Itoa(int(id)) + " (" + w.task + ")"
	}
	return "worker " + strconv.Itoa(int(id))
}

func (m *Machine) workerError(this js.Value, args []js.Value) any {
	id := uint32(this.Get("gohostID").Int())
	if _, ok := m.workers[id]; !ok {
		// A worker already terminated (it left the pool): nothing of the
		// machine ran on it any more.
		handled(args)
		return nil
	}
	msg := "the worker stopped with an error"
	if len(args) > 0 {
		if e := args[0]; e.Type() == js.TypeObject {
			if mm := e.Get("message"); mm.Type() == js.TypeString && mm.String() != "" {
				msg = mm.String()
			}
			e.Call("preventDefault")
		}
	}
	m.fail(fmt.Errorf("%s died: %s", m.workerName(id), msg))
	return nil
}

// drainConsole hands everything the guest printed to the page as raw bytes,
// so UTF-8 sequences split across writes stay whole (10.5).
func (m *Machine) drainConsole() { m.drainConsoleUpTo(math.MaxInt) }

// drainConsoleUpTo hands the page at most limit bytes of console output.
func (m *Machine) drainConsoleUpTo(limit int) {
	out := m.br.ConsoleOut
	avail := out.Len()
	if avail > 0 && limit <= 0 {
		// The terminal is behind: look again soon, and do not call the
		// guest silent meanwhile.
		m.flowing, m.lastOut = true, time.Now()
		return
	}
	n := uint32(min(int64(avail), int64(limit)))
	if n == 0 {
		return
	}
	chunk := js.Global().Get("Uint8Array").New(n)
	out.Read(n, func(ringOff, bufOff, k uint32) {
		chunk.Call("set", m.jm.u8.Call("subarray", ringOff, ringOff+k), bufOff)
	})
	m.br.M.Notify(out.HeadAddr(), 1<<30) // writers waiting for room
	m.consoleOut += uint64(n)
	m.lastOut = time.Now()
	m.flowing = n >= flowingBytes || n < avail
	mark := m.transcript.Mark()
	m.transcript.Add(chunk)
	if m.stage == "boot" {
		m.setStage("running", "")
	}
	m.ev.Console(chunk)
	if m.stage == "running" && m.transcript.Ready(mark, m.opts.ReadyPattern) {
		m.setStage("ready", "")
	}
}

// Input queues keyboard or paste bytes for the guest. Nothing is dropped:
// what does not fit in the ring now is kept and sent as the guest reads.
func (m *Machine) Input(s string) {
	m.pendingIn = append(m.pendingIn, s...)
	m.flushInput()
}

// InputBytes is Input for bytes already encoded (the fast path of input_js.go).
func (m *Machine) InputBytes(b []byte) {
	m.pendingIn = append(m.pendingIn, b...)
	m.flushInput()
}

func (m *Machine) flushInput() {
	if len(m.pendingIn) == 0 || m.br == nil || m.stopped {
		return
	}
	in := m.br.ConsoleIn
	n := in.Write(uint32(len(m.pendingIn)), func(ringOff, bufOff, k uint32) {
		m.jm.WriteBytes(ringOff, m.pendingIn[bufOff:bufOff+k])
	})
	m.pendingIn = m.pendingIn[n:]
}

// watchStall says so when a booting or running guest has gone silent: no
// console output and no task switch for a while.
func (m *Machine) watchStall() {
	if sw := m.br.Switches(); sw != m.lastSwitch {
		m.lastSwitch, m.lastOut = sw, time.Now()
		m.silentSaid = false
		return
	}
	if m.stage != "boot" && m.stage != "running" {
		return
	}
	if !m.silentSaid && !m.lastOut.IsZero() && time.Since(m.lastOut) > StallAfter {
		m.silentSaid = true
		m.ev.Log(fmt.Sprintf("the machine has been silent for %v: no console output and no task switch", StallAfter))
	}
}

// StallAfter is how long a silent guest goes before the host mentions it.
var StallAfter = 30 * time.Second

func (m *Machine) halt(reason string) {
	m.setStage("halted", reason)
	m.ev.Error(ErrorEvent{Title: "The machine halted", Message: reason, Stack: m.transcript.Tail(4096)})
	m.Stop()
}

func (m *Machine) fail(err error) {
	if m.stopped {
		return
	}
	m.setStage("failed", err.Error())
	var ke *KernelError
	if errors.As(err, &ke) {
		m.ev.Error(ErrorEvent{Title: "The machine could not start", Message: ke.Message, Details: ke.Details})
	} else {
		m.ev.Error(ErrorEvent{Title: "The machine failed", Message: err.Error(), Stack: m.transcript.Tail(4096)})
	}
	m.Stop()
}

// Stop ends the machine: every worker is terminated, whatever it was doing,
// so nothing keeps running after a panic, halt or failure (10.7).
func (m *Machine) Stop() {
	if m.stopped {
		return
	}
	if m.br != nil {
		m.final = m.bridgeStatus() // what Status keeps reporting once the bridge is gone
		m.br.SetState(bridge.StateStopping)
	}
	m.stopped = true
	delete(liveMachines, m.serial)
	for id, w := range m.workers {
		w.w.Call("terminate")
		delete(m.workers, id)
	}
	// Drop this machine's JS objects (memories, modules, buffers) now: Go
	// holds them through js.Values that JS can only free once Go's garbage
	// collector has run their finalizers, and the main thread allocates too
	// little for that to happen soon by itself.
	m.kernel, m.memory, m.bmem, m.initrd = js.Undefined(), js.Undefined(), js.Undefined(), js.Undefined()
	m.br, m.jm = nil, nil
	if m.wasmMem {
		unbindHostmem()
	}
	m.helpers.hostmem, m.helpers.shims = js.Undefined(), js.Undefined()
	go func() {
		runtime.GC()
		runtime.GC() // the second cycle runs the finalizers queued by the first
	}()
}

// Status is a snapshot for the status panel. A stopped machine reports its
// last figures, with no workers.
func (m *Machine) Status() map[string]any {
	s := map[string]any{}
	if m.br != nil && !m.stopped {
		s = m.bridgeStatus()
	} else {
		for k, v := range m.final {
			s[k] = v
		}
	}
	s["stage"], s["workers"], s["consoleOut"] = m.stage, len(m.workers), m.consoleOut
	s["stock"] = len(m.assets.stock.started)
	if !m.started.IsZero() {
		s["uptimeMs"] = time.Since(m.started).Milliseconds()
	}
	return s
}

func (m *Machine) bridgeStatus() map[string]any {
	return map[string]any{
		"cpus":         m.br.OnlineCPUs(),
		"tasks":        m.br.Tasks.Live(),
		"pool":         m.br.Jobs.Idle(),
		"switches":     m.br.Switches(),
		"tasksCreated": m.br.Created(),
		"consoleIn":    m.br.ConsoleIn.Produced(),
		"memoryBytes":  m.memory.Get("buffer").Get("byteLength").Int(),
	}
}

// contentKey identifies a kernel by content (FNV-1a 64).
func contentKey(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
