// Programs: the user programs of the initramfs, compiled once per machine on
// the main thread and handed to every worker in its start message, so that a
// fork+exec of BusyBox compiles nothing in the worker.

package host

import (
	"syscall/js"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/cpio"
)

// pendingProgram is a program image the browser is compiling.
type pendingProgram struct {
	key     uint64
	promise js.Value
}

// compilePrograms starts compiling every distinct wasm user program (a file
// beginning with the wasm magic and a dylink.0 section, section 6.1) of the
// initramfs, off the main thread (WebAssembly.compile). A program that fails
// here is left to the worker that execs it, which compiles it again and
// reports the error as the ABI says.
func compilePrograms(initrd []byte) []pendingProgram {
	entries, _ := cpio.ReadAll(initrd) // a malformed archive is the kernel's to report
	seen := map[uint64]bool{}
	var out []pendingProgram
	for _, e := range entries {
		if !e.IsRegular() || !isUserProgram(e.Data) {
			continue
		}
		key := bridge.ProgramKey(e.Data)
		if seen[key] {
			continue
		}
		seen[key] = true
		u := js.Global().Get("Uint8Array").New(len(e.Data))
		js.CopyBytesToJS(u, e.Data)
		p := js.Global().Get("WebAssembly").Call("compile", u)
		// Handled from the start: a program that does not compile is the
		// exec's to report, and a machine that fails first never awaits it.
		p.Call("catch", noopFunc())
		out = append(out, pendingProgram{key: key, promise: p})
	}
	return out
}

// isUserProgram: a wasm module whose first section is the custom section
// dylink.0 (its name's length, 8, then the name).
func isUserProgram(b []byte) bool {
	const head = "\x00asm\x01\x00\x00\x00\x00"
	if len(b) < len(head)+16 || string(b[:len(head)]) != head {
		return false
	}
	p := len(head)
	for p < len(head)+5 && b[p]&0x80 != 0 { // the section's size
		p++
	}
	p++
	return p+9 <= len(b) && string(b[p:p+9]) == "\x08dylink.0"
}

// collectPrograms adds each program to the machine's list once it is
// compiled (spawn hands the list to every new worker); failures are left
// out. It does not wait.
func (m *Machine) collectPrograms(ps []pendingProgram) {
	go func() {
		for _, p := range ps {
			mod, err := await(p.promise)
			if m.stopped {
				return
			}
			if err == nil {
				m.programs = append(m.programs, bridge.Program{Key: p.key, Module: mod})
			}
		}
	}()
}

var noop js.Func

// noopFunc is one function that does nothing, never released.
func noopFunc() js.Func {
	if noop.IsUndefined() {
		noop = js.FuncOf(func(js.Value, []js.Value) any { return nil })
	}
	return noop
}
