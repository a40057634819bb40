// Machine: one boot of a kernel, its lifecycle (Boot, Stop, failure) and
// status. The other concerns are beside it: download_js.go, memories_js.go,
// workers_js.go, loop_js.go, console_js.go.

package host

import (
	"errors"
	"runtime"
	"syscall/js"
	"time"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/cpio"
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
	// Memcheck checks every host write into the kernel's memory against the
	// range the kernel handed over for it (internal/memcheck); a write
	// outside fails the machine. Off by default: a check per write.
	Memcheck bool
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
	// Stall reports a machine that stopped answering (the hang watchdog) or
	// a fault the kernel reported itself: why, the state dump as text, the
	// same as plain values, and the kernel's report (nil if none).
	Stall(why, text string, state, kernel map[string]any)
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
	lists   *bridge.StartLists // the kernel's name lists as the workers' start messages carry them
	initrd  js.Value           // ArrayBuffer for the primary worker
	primary uint32             // the primary worker's ID (CPU 0)
	// programs are the initramfs's user programs compiled for every worker.
	programs []bridge.Program

	workers map[uint32]*workerRec
	pool    *Pool  // which pool workers to start, which are starting, which may be terminated
	lost    uint32 // control events the workers reported dropped, as last seen

	flowing    bool // the last drain found bulk output: poll on a timer
	final      map[string]any
	pendingIn  []byte
	consoleOut uint64
	lastOut    time.Time
	lastSwitch uint32
	silentSaid bool
	transcript *Transcript
	wake       js.Func
	tick       js.Value    // an Int32Array on a SharedArrayBuffer nothing notifies: a timer (see arm)
	soonPorts  [2]js.Value // the MessageChannel soon posts on: the receiving and the sending port (loop_js.go)
	serial     int         // tells this machine's workers from earlier machines'
	busyAt     time.Time   // when jobs last waited or workers were starting

	hang      hangWatch            // the hang watchdog (debug.go)
	boardAt   time.Time            // when the workers' board was last read
	boardSeen map[uint32]boardSeen // when each worker's board record last changed
	kfaults   kernelFaults         // the kernel's own fault reports (kfault_js.go)
}

// NewMachine prepares a machine; Boot starts it.
func NewMachine(opts Options, assets *Assets, ev Events, t *Transcript) *Machine {
	return &Machine{opts: opts, ev: ev, assets: assets, workers: map[uint32]*workerRec{}, transcript: t,
		pool: NewPool(opts.PoolFloor, opts.PoolCeiling)}
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
	perfMark("boot")
	m.makeStock()
	// Both downloads at once; the kernel compiles (off the main thread) while
	// Go checks its interface.
	m.setStage("download", "")
	initrdCh := make(chan download, 1)
	go func() {
		var d download
		d.err = guard("initrd download", func() (e error) { d.b, d.u, e = m.fetch(m.opts.InitrdURL, "initrd"); return e })
		initrdCh <- d
	}()
	k, err := m.streamKernel(m.opts.KernelURL)
	if err != nil {
		return err
	}
	m.info = k.info
	defer func() {
		if m.kernel.IsUndefined() {
			ignore(k.compiled) // failed before the compile was awaited
		}
	}()
	// While the rest of the kernel downloads and compiles, make what needs
	// only its interface: the memories, the helpers, the initramfs. The
	// main thread would only wait for the compile otherwise.
	if err := m.createMemories(); err != nil {
		return err
	}
	d := <-initrdCh
	if d.err != nil {
		return d.err
	}
	if err := m.prepareInitrd(d); err != nil {
		return err
	}
	if err := m.awaitKernel(k); err != nil {
		return err
	}
	<-m.assets.done
	if m.assets.err != nil {
		return m.assets.err
	}
	if m.stopped {
		return errors.New("stopped")
	}
	// CPU 0 first: every console line waits for it. Then the stock for the
	// boot's first burst of kthreads, now that the compile no longer needs
	// the cores, and the initramfs's programs, which compile beside CPU 0's
	// boot, not during the kernel's compile (which they slowed) and not
	// before the boot (they used to be awaited before CPU 0 started: the
	// first exec comes only late in a boot). Workers started once they are
	// compiled get them in their start message; one started before compiles
	// what it execs.
	m.start()
	m.stockForBoot()
	m.collectPrograms(compilePrograms(d.b))
	return nil
}

// makeStock: the page's first pooled boot starts the workers CPU 0 and the
// first kthread will run on while the kernel downloads and compiles (no
// more: they would compete with the compile; StockSizes).
func (m *Machine) makeStock() {
	if m.opts.PoolFloor <= 0 {
		return
	}
	go func() {
		<-m.assets.done
		if m.assets.err == nil && !m.assets.stocked {
			m.assets.stocked = true
			m.assets.stock.fill(earlyStock)
		}
	}()
}

// stockForBoot tops the stock up for the boot's first burst of kthreads,
// once the kernel is compiled and the compile no longer needs the cores.
func (m *Machine) stockForBoot() {
	if m.opts.PoolFloor > 0 && m.assets.err == nil {
		m.assets.stock.fill(bootStock)
	}
}

// download is one fetched file, as Go bytes and as a JS Uint8Array.
type download struct {
	b   []byte
	u   js.Value
	err error
}

// awaitKernel waits for the rest of the kernel's download and for its
// compiled module (a reboot of the same kernel reuses it). The browser's
// compile reads every byte and validates the whole module, so a truncated
// or corrupt kernel is refused here, with the browser's reason.
func (m *Machine) awaitKernel(k *kernelStream) error {
	if err := <-k.rest; err != nil {
		return err
	}
	m.setStage("compile", "")
	kernel, err := await(k.compiled)
	if err != nil {
		return &KernelError{Message: "the kernel file is not a valid WebAssembly module (truncated or corrupt?), or this browser cannot compile it", Details: []string{err.Error()}}
	}
	m.kernel = kernel
	m.assets.kernels = map[string]js.Value{}
	if k.ident != "" {
		m.assets.kernels[k.ident] = k.compiled // the last kernel only
	}
	return nil
}

// prepareInitrd adds the user's files to the downloaded initramfs and checks
// that it fits the kernel's memory.
func (m *Machine) prepareInitrd(d download) error {
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
	if err := CheckFit(m.info.Kind, m.info.MemoryMin, len(ibytes)); err != nil {
		return &KernelError{Message: err.Error()}
	}
	m.initrd = ijs.Get("buffer")
	return nil
}

// start registers the machine, spawns CPU 0's worker and the pool, and
// starts the service loop.
func (m *Machine) start() {
	m.setStage("boot", "")
	machineSerial++
	m.serial = machineSerial
	liveMachines[m.serial] = m
	m.wake = js.FuncOf(func(js.Value, []js.Value) any {
		if m.stopped {
			// The one waitAsync still pending when the machine stopped: let go
			// of the callbacks so a discarded machine (memories, modules) can
			// be collected.
			m.closeSoon()
			m.wake.Release()
			return nil
		}
		if err := guard("host", func() error { m.round(); return nil }); err != nil {
			m.fail(err)
		}
		return nil
	})
	m.spawn(bridge.RolePrimary)
	m.round() // the first one fills the pool
}

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
		m.pool.Forget(id)
	}
	// Drop this machine's JS objects (memories, modules, buffers) now: Go
	// holds them through js.Values that JS can only free once Go's garbage
	// collector has run their finalizers, and the main thread allocates too
	// little for that to happen soon by itself.
	m.kernel, m.memory, m.bmem, m.initrd = js.Undefined(), js.Undefined(), js.Undefined(), js.Undefined()
	m.programs = nil
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
	if m.info != nil {
		s["kernelKind"] = m.info.Kind.String() // which of the kernel kinds the host found
	}
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
		// how many host writes into kernel memory the memcheck mode
		// checked: a test sees the mode really ran (0 when it is off)
		"memcheck":       m.opts.Memcheck,
		"memcheckWrites": m.br.MemChecked(),
	}
}
