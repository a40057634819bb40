// Loop: the main thread's service of a running machine, woken by the
// doorbell: control events, the pool, the stall watch.

package host

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/linuxwasm/gohost/bridge"
)

// round is one service round and the wait for the next: the doorbell is read
// before the round, so that a ring during it is not lost (see arm).
func (m *Machine) round() {
	seen := m.br.Doorbell()
	m.service()
	m.arm(seen)
}

// arm waits for the doorbell without blocking: Atomics.waitAsync resolves when
// a worker rings it, or after a quarter second so pending input and the pool
// are looked after even when the guest is quiet. seen is the doorbell's value
// read before the service round that just ended: a worker that rang during
// the round (the shell printing its prompt while the main thread drained the
// command's output) changed it, and the wait returns at once. Read after the
// round, such a ring was lost and its output waited for the quarter-second
// timeout: 1 `ls` in 8 took 250 ms more at a realboot shell (cmd/bench).
func (m *Machine) arm(seen uint32) {
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
	m.waitAsync(m.jm.i32, bridge.DoorbellAddr()/4, int32(seen), doorbellTimeoutMs)
}

// doorbellTimeoutMs bounds a quiet wait for the doorbell (see arm); a
// variable so a test can tell a wake by the doorbell from one by the timeout.
var doorbellTimeoutMs = 250

// waitAsync calls m.wake once i32[index] changes from value or timeoutMs
// passes (Atomics.waitAsync), or soon if it differs already.
func (m *Machine) waitAsync(i32 js.Value, index uint32, value int32, timeoutMs int) {
	r := js.Global().Get("Atomics").Call("waitAsync", i32, index, value, timeoutMs)
	if r.Get("async").Bool() {
		r.Get("value").Call("then", m.wake)
	} else {
		m.soon()
	}
}

// soon calls m.wake as a new task of the page's event loop (a message to
// itself on a MessageChannel), never as a microtask: if the kernel rang
// during every round, a chain of microtasks would never let the page run its
// own tasks (the terminal's write callbacks the flow control waits for,
// rendering, input). Reading the doorbell before the round (arm) makes such
// rounds more frequent than they were. A channel message is not throttled
// like a chained setTimeout.
func (m *Machine) soon() {
	if m.soonPorts[1].IsUndefined() {
		ch := js.Global().Get("MessageChannel").New()
		m.soonPorts = [2]js.Value{ch.Get("port1"), ch.Get("port2")}
		m.soonPorts[0].Set("onmessage", m.wake)
	}
	m.soonPorts[1].Call("postMessage", nil)
}

// closeSoon lets go of soon's channel (the machine stopped).
func (m *Machine) closeSoon() {
	if !m.soonPorts[1].IsUndefined() {
		m.soonPorts[0].Set("onmessage", nil)
		m.soonPorts[0].Call("close")
		m.soonPorts = [2]js.Value{}
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
	m.checkLost()
	if m.stopped {
		return
	}
	m.servePool()
	m.watchStall()
	m.watchHang()
}

func (m *Machine) handle(ev bridge.Event) {
	text := string(ev.Payload)
	switch ev.Kind {
	case bridge.EvLog:
		m.ev.Log(m.workerName(ev.Arg) + ": " + text)
	case bridge.EvReady:
		m.pool.Ready(ev.Arg) // false: CPU 0's worker (Pool.CPU0Up), or one given up on as failed to start and up after all
	case bridge.EvTaskStart:
		if w := m.workers[ev.Arg]; w != nil {
			w.task = text
		}
	case bridge.EvTaskEnd:
		if w := m.workers[ev.Arg]; w != nil {
			w.task = "idle"
		}
	case bridge.EvLeave:
		// Not terminated yet: it may still hold the control mutex it posted
		// this under. servePool terminates it once its board says stopped.
		m.pool.Leave(ev.Arg)
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

// checkLost reads the bridge's record of control events the workers dropped
// (a control ring that stayed full for a second). Most are only log lines or
// status; a lost panic, halt, CPU stop or worker failure means the machine
// has stopped without the page being told, so it is stopped here.
func (m *Machine) checkLost() {
	n, kinds := m.br.Lost()
	if n == m.lost {
		return
	}
	m.ev.Log(fmt.Sprintf("%d control events were dropped: the control ring stayed full", n-m.lost))
	m.lost = n
	const fatalKinds = 1<<bridge.EvPanic | 1<<bridge.EvHalt | 1<<bridge.EvWorkerDied | 1<<bridge.EvStopCPU
	if kinds&fatalKinds != 0 && !m.stopping {
		m.drainConsole()
		m.fail(errors.New("the machine stopped, but its report (a panic, halt or worker failure) was lost because the control ring stayed full: see the console"))
	}
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
