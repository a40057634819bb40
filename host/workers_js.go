// Workers: spawning them with their start message, and routing their errors.

package host

import (
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/linuxwasm/gohost/bridge"
)

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
	start := bridge.MachineStart{
		ID: id, Role: role,
		KernelModule: m.kernel, HostmemModule: m.helpers.hostmem, ShimsModule: m.helpers.shims,
		Memory: m.memory, Bridge: m.bmem,
		Lists: m.startLists(), Wasm64: m.info.Kind.Wasm64(),
		PoolCeiling: m.pool.Ceiling(),
		Programs:    m.programs,
		Memcheck:    m.opts.Memcheck,
	}
	if role == bridge.RolePrimary {
		perfMark("cpu0-posted")
		m.primary = id
		start.Cmdline, start.Initrd = m.opts.Cmdline, m.initrd
		m.workers[id] = &workerRec{w: w, task: "CPU 0 (boot)"}
	} else {
		m.workers[id] = &workerRec{w: w, task: "starting"}
		m.pool.Spawned(id, time.Now())
	}
	msg := start.Message()
	w.Call("postMessage", msg)
}

// startLists converts the kernel's name lists for the workers' start
// messages, once per machine (bridge.StartLists).
func (m *Machine) startLists() *bridge.StartLists {
	if m.lists == nil {
		stubs := make([]any, len(m.info.SysStubs))
		for i, s := range m.info.SysStubs {
			stubs[i] = s.Name
		}
		var vals [3]safejs.Value
		for i, l := range [3][]any{bridge.AnyList(m.info.HostImports), bridge.AnyList(m.info.HostImpls), stubs} {
			v, err := safejs.ValueOf(l)
			if err != nil {
				return nil // cannot happen for strings; the message converts them itself then
			}
			vals[i] = v
		}
		m.lists = &bridge.StartLists{HostImports: safejs.Unsafe(vals[0]), HostImpls: safejs.Unsafe(vals[1]), SysStubs: safejs.Unsafe(vals[2])}
	}
	return m.lists
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
	if r, ok := m.br.Board.Get(id); !ok || r.State == bridge.WorkerNone {
		// It never took its place: an error event without a message is
		// then the browser's word for a script that did not load (a
		// missing file, a Content-Security-Policy refusing it).
		msg = "the worker did not start: its script " + workerScript + " did not load or run (run \"make build\"; a deployment must serve it beside gohost-worker.wasm)"
	}
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

// servePool terminates the workers that left the pool and can hold no lock
// any more, starts the workers queued jobs and the pool's floor need (Pool
// decides), and keeps the stock of started workers for the next burst.
func (m *Machine) servePool() {
	if m.pool.WaitsForCPU0() {
		// The primary claims its record once its kernel instance exists.
		if r, ok := m.br.Board.Get(m.primary); ok && r.State != bridge.WorkerNone {
			m.pool.CPU0Up()
		}
	}
	for _, id := range m.pool.Departed(m.br.Board) {
		m.terminate(id)
	}
	n, gaveUp := m.pool.Spawn(time.Now(), m.br.Board, int(m.br.Jobs.Backlog()), int(m.br.Jobs.Idle()), len(m.workers))
	for _, id := range gaveUp {
		if w := m.workers[id]; w != nil {
			w.task = "did not start"
		}
		m.ev.Log(fmt.Sprintf("worker %d did not start within %v: another is started in its place", id, m.pool.StartBound))
	}
	if m.stopping {
		return
	}
	for i := 0; i < n; i++ {
		m.spawn("pool")
	}
	if m.br.Jobs.Backlog() > 0 || m.pool.Starting() > 0 {
		m.busyAt = time.Now()
	} else if m.pool.Floor() > 0 {
		// Quiet: keep a few started workers for the next burst, and once the
		// machine has been quiet for a while let go of what the first burst
		// did not use.
		m.assets.stock.fill(quietStock)
		if time.Since(m.busyAt) > stockTrimAfter {
			m.assets.stock.trim(quietStock)
		}
	}
}

// terminate ends one worker the pool has let go of.
func (m *Machine) terminate(id uint32) {
	if w := m.workers[id]; w != nil {
		w.w.Call("terminate")
		delete(m.workers, id)
	}
	m.pool.Forget(id)
}
