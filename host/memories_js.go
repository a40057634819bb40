// Memories: the kernel's shared memory, the bridge memory and the helper
// modules compiled for them.

package host

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/hack-pad/safejs"
	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/wasmgen"
)

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
	// At most 4 GiB, on wasm64 too: the kernel grows to 512 MiB at boot, and
	// below 4 GiB every address fits the host's 32-bit task and address
	// words (gen2-interface-facts.md section 9: "enforce memory < 4 GiB").
	max := m.info.MemoryMax
	if max == 0 || max > 65536 {
		max = 65536
	}
	desc := map[string]any{"initial": m.info.MemoryMin, "maximum": max, "shared": true}
	what := "shared"
	if m.info.Kind.Wasm64() {
		// memory64: BigInt limits
		lo, err1 := bigInt(m.info.MemoryMin)
		hi, err2 := bigInt(max)
		if err := errors.Join(err1, err2); err != nil {
			return &KernelError{Message: "this browser cannot describe a wasm64 kernel's memory (no BigInt)", Details: []string{err.Error()}}
		}
		desc = map[string]any{"initial": lo, "maximum": hi, "shared": true, "address": "i64"}
		what = "shared, memory64"
	}
	mem, err := memCtor.New(desc)
	if err != nil {
		return &KernelError{Message: fmt.Sprintf("the browser cannot create the kernel's memory (%d pages, up to %d, %s)", m.info.MemoryMin, max, what), Details: []string{err.Error()}}
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
	if m.helpers.hostmem, err = compile(wasmgen.HostMemFor(m.info.Kind.Wasm64())); err != nil {
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

// bigInt is BigInt(n): memory64 limits are BigInts.
func bigInt(n uint64) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("BigInt")
	if err != nil {
		return safejs.Value{}, err
	}
	return ctor.Invoke(n)
}
