package host

import (
	"unsafe"

	"github.com/linuxwasm/gohost/bridge"
)

// The console input fast path. A key press must reach the input ring in
// microseconds whatever the main thread's Go is doing, but a js.FuncOf call
// into Go on the main thread costs 40-90 us by itself (the callback is a
// goroutine the scheduler must run), and copying bytes from Go memory into
// the shared memory through syscall/js tens more. So the page's loader writes
// the key's UTF-8 straight into the bridge's input staging area and calls
// gohost_input_staged, a //go:wasmexport function, which moves it into the
// ring with hostmem (mainmem_js.go): no JS function value, no goroutine
// switch, no copy through JS. Before a machine has a bridge, or on a page
// without the loader's hostmem delegates, the loader stages into Go memory
// instead (inputStage, gohost_input).

// inputStageSize bounds one call; longer input arrives in several. It is
// the bridge's staging size too: the loader encodes into one buffer for both.
const inputStageSize = bridge.InputStageSize

var inputStage [inputStageSize]byte

// current is the API that owns the machine input goes to.
var current *API

//go:wasmexport gohost_input_stage
func inputStageAddr() uint32 {
	return uint32(uintptr(unsafe.Pointer(&inputStage[0])))
}

// inputStagedExport queues n bytes from the bridge's input staging area.
//
//go:wasmexport gohost_input_staged
func inputStagedExport(n uint32) {
	withMachine("gohost_input_staged", func(m *Machine) { m.stagedInput(n) })
}

//go:wasmexport gohost_input_stage_size
func inputStageLen() uint32 { return inputStageSize }

// inputExport queues inputStage[:n] for the guest's console, as
// gohost.input would.
//
//go:wasmexport gohost_input
func inputExport(n uint32) {
	withMachine("gohost_input", func(m *Machine) { m.InputBytes(inputStage[:min(n, inputStageSize)]) })
}

// withMachine runs f on the current machine, if there is one, reporting a
// panic as a host error like every other entry from the page.
func withMachine(where string, f func(m *Machine)) {
	a := current
	if a == nil {
		return
	}
	if err := guard(where, func() error {
		if a.machine != nil {
			f(a.machine)
		}
		return nil
	}); err != nil {
		a.Error(ErrorEvent{Title: "Host error", Message: err.Error()})
	}
}
