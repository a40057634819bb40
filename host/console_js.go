// Console: guest output to the page and keyboard input to the guest.

package host

import (
	"math"
	"syscall/js"
	"time"
)

// ConsoleBacklogMax is how far ahead of the page's terminal the host hands
// out console output. Beyond it the output waits in the ring, and the kernel
// waits for room there, instead of piling up in xterm.js, which discards
// writes once 50 MB are queued. With the real terminal, same run, five
// alternations, the gate cost 3% of the throughput into xterm.js at 4 MiB
// (12.3 vs 12.7 MB/s median) and 8% at 1 MiB.
const ConsoleBacklogMax = 4 << 20

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
	m.scanKernelFaults(m.transcript.Since(mark, 0))
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
