package host

import "unsafe"

// The console input fast path. A key press must reach the input ring in tens
// of microseconds whatever the main thread's Go is doing, but a js.FuncOf
// call into Go on the main thread costs 40-90 us by itself (the callback is a
// goroutine the scheduler must run). So the page's loader writes the key's
// UTF-8 straight into inputStage (Go memory, through the instance's exported
// memory) and calls gohost_input, a //go:wasmexport function: one direct wasm
// call, no JS function value, no goroutine switch.

// inputStageSize bounds one call; longer input arrives in several.
const inputStageSize = 4096

var inputStage [inputStageSize]byte

// current is the API that owns the machine input goes to.
var current *API

//go:wasmexport gohost_input_stage
func inputStageAddr() uint32 {
	return uint32(uintptr(unsafe.Pointer(&inputStage[0])))
}

//go:wasmexport gohost_input_stage_size
func inputStageLen() uint32 { return inputStageSize }

// inputExport queues inputStage[:n] for the guest's console, as
// gohost.input would.
//
//go:wasmexport gohost_input
func inputExport(n uint32) {
	if err := guard("gohost_input", func() error {
		if a := current; a != nil && a.machine != nil {
			a.machine.InputBytes(inputStage[:min(n, inputStageSize)])
		}
		return nil
	}); err != nil && current != nil {
		current.Error(ErrorEvent{Title: "Host error", Message: err.Error()})
	}
}
