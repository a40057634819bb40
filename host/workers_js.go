// Workers: spawning them with their start message, and routing their errors.

package host

import (
	"fmt"
	"strconv"
	"syscall/js"

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
	stubs := make([]string, len(m.info.SysStubs))
	for i, s := range m.info.SysStubs {
		stubs[i] = s.Name
	}
	start := bridge.MachineStart{
		ID: id, Role: role,
		KernelModule: m.kernel, HostmemModule: m.helpers.hostmem, ShimsModule: m.helpers.shims,
		Memory: m.memory, Bridge: m.bmem,
		HostImports: m.info.HostImports, HostImpls: m.info.HostImpls, SysStubs: stubs, Wasm64: m.info.Kind.Wasm64(),
		PoolCeiling: PoolCeiling(m.opts.PoolFloor, m.opts.PoolCeiling),
		Programs:    m.programs,
	}
	if role == bridge.RolePrimary {
		start.Cmdline, start.Initrd = m.opts.Cmdline, m.initrd
		m.workers[id] = &workerRec{w: w, task: "CPU 0 (boot)"}
	} else {
		m.workers[id] = &workerRec{w: w, task: "starting"}
		m.starting++
	}
	msg := start.Message()
	w.Call("postMessage", msg)
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
