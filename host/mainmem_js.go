package host

import (
	"syscall/js"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/hostmem"
)

// The main thread reaches the bridge the way workers do: through hostmem's
// wasm atomics, one direct call each (a JS Atomics call through syscall/js
// costs microseconds on a busy main thread, a subarray to copy through tens).
// gohost.wasm imports gohost_mem like the worker program; the page's loader
// binds those imports to delegates that call whatever hostmem instance
// globalThis.gohostMainHostmem.exports names, and each machine points it at a
// hostmem instantiated on its own memories (and .stage at its input staging
// area).

// mainMem is the main thread's bridge.Mem: hostmem for atomics, JS for copies
// to and from Go memory (rare: control event payloads, queued input).
type mainMem struct {
	hostmem.Mem
	js *jsMem
}

func (mainMem) Wait32(uint32, uint32, int64) uint32 {
	panic("bridge: the main thread must never wait")
}
func (m mainMem) ReadBytes(off uint32, dst []byte)  { m.js.ReadBytes(off, dst) }
func (m mainMem) WriteBytes(off uint32, src []byte) { m.js.WriteBytes(off, src) }

// bindHostmem instantiates hostmem on the machine's memories and binds the
// page's gohost_mem delegates to it. Without delegates (a page that did not
// load gohost.wasm through the loader, as the GOOS=js unit tests do) it
// returns false and the host keeps JS Atomics.
func (m *Machine) bindHostmem() (bool, error) {
	target := js.Global().Get("gohostMainHostmem")
	if target.Type() != js.TypeObject {
		return false, nil
	}
	wa := js.Global().Get("WebAssembly")
	perf := js.Global().Get("performance")
	var inst js.Value
	err := try(func() {
		origin := wa.Get("Global").New(map[string]any{"value": "f64", "mutable": false}, perf.Get("timeOrigin"))
		inst = wa.Get("Instance").New(m.helpers.hostmem, map[string]any{
			"env": map[string]any{"now": perf.Get("now").Call("bind", perf), "origin": origin, "bridge": m.bmem, "memory": m.memory},
		})
	})
	if err != nil {
		return false, err
	}
	target.Set("exports", inst.Get("exports"))
	return true, nil
}

// unbindHostmem lets go of a stopped machine's hostmem (and so its memories).
func unbindHostmem() {
	if target := js.Global().Get("gohostMainHostmem"); target.Type() == js.TypeObject {
		target.Set("exports", js.Undefined())
		target.Set("stage", js.Undefined())
	}
}

// stagedInput queues n bytes the page encoded into the bridge's input
// staging area (input_js.go): straight from there into the console input
// ring when nothing is queued before them, a copy inside the bridge memory.
func (m *Machine) stagedInput(n uint32) {
	if m.br == nil || m.stopped || n == 0 {
		return
	}
	n = min(n, bridge.InputStageSize)
	stage := m.br.InputStage
	wrote := uint32(0)
	if len(m.pendingIn) == 0 && m.wasmMem {
		wrote = m.br.ConsoleIn.Write(n, func(ringOff, bufOff, k uint32) { hostmem.CopyBridge(ringOff, stage+bufOff, k) })
	}
	if wrote < n {
		// The ring is full, or input is queued already: keep the rest in order.
		rest := make([]byte, n-wrote)
		bridge.ReadBytes(m.br.M, stage+wrote, rest)
		m.InputBytes(rest)
	}
}
