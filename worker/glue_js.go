package worker

import (
	"syscall/js"
)

// guardCall enters wasm code (a kernel or user-program export) through the JS
// guard in worker.js: it catches the shims' unwind exceptions and converts
// traps, so that no wasm exception or trap ever crosses a Go frame. It is used
// only for entries (task start, exec, signal delivery), never per switch,
// syscall, console poll or clock read.
//
//go:wasmimport gohost_js call
func guardCall(slot, a, b, c, d, e int32) float64

func call(slot int32, args ...uint32) Result {
	var a [5]int32
	for i, v := range args {
		a[i] = int32(v)
	}
	return decodeResult(guardCall(slot, a[0], a[1], a[2], a[3], a[4]))
}

// glue is worker.js's gohostWorker object: setup data and the few JS helpers
// that rare events need (program loading, instantiation, diagnostics).
type glue struct {
	v js.Value
}

func (g glue) get(name string) js.Value { return g.v.Get(name) }

func (g glue) uint(name string) uint32 { return uint32(g.v.Get(name).Int()) }

// lastError describes the last trap or JS error the guard converted.
func (g glue) lastError() string {
	e := g.v.Call("lastError")
	if e.IsNull() || e.IsUndefined() {
		return "unknown error"
	}
	return e.String()
}

// copyFromKernel copies guest bytes [start, end) out of shared memory, as a
// JS Uint8Array and into Go.
func (g glue) copyFromKernel(start, end uint32) (js.Value, []byte) {
	u := g.v.Call("kernelBytes", start, end)
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	return u, b
}

// kernelView is a Uint8Array over guest bytes [start, end) of the shared
// memory itself (no copy), valid until the memory grows.
func (g glue) kernelView(start, end uint32) js.Value {
	return g.v.Call("kernelView", start, end)
}

// cString reads a NUL-terminated guest string of at most max bytes.
func (g glue) cString(addr, max uint32) string {
	return g.v.Call("cString", addr, max).String()
}

// writeKernel stores b at guest address addr. Only kwrite_js.go calls it,
// after the memcheck mode's check.
func (g glue) writeKernel(addr uint32, b []byte) {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	g.v.Call("writeKernel", addr, u)
}

// compile compiles a program image (a non-shared copy) synchronously: the
// kernel is waiting inside wasm_load_executable or the child's first run.
func (g glue) compile(bin js.Value) (js.Value, error) {
	r := g.v.Call("compile", bin)
	if err := r.Get("error"); !err.IsUndefined() {
		return js.Undefined(), jsError(err.String())
	}
	return r.Get("module"), nil
}

// instantiate creates a user instance with the import object of section 6.3
// and installs its exports in the guard slots. It returns a bitmask of the
// optional exports present (bit i for slot slotApplyRelocs+i).
func (g glue) instantiate(mod js.Value, tableSize, sp, dataStart, tableStart uint32) (uint32, error) {
	r := g.v.Call("instantiate", mod, tableSize, sp, dataStart, tableStart)
	if err := r.Get("error"); !err.IsUndefined() {
		return 0, jsError(err.String())
	}
	return uint32(r.Get("exports").Int()), nil
}

// randomFill writes count random bytes at guest address addr and returns
// how many it wrote. crypto.getRandomValues refuses views of shared memory,
// so worker.js fills a non-shared temporary and copies it in.
func (g glue) randomFill(addr, count uint32) int {
	return g.v.Call("randomFill", addr, count).Int()
}

// moduleMemSize is the dylink.0 memory size of a compiled user module (0
// when it has none). Memcheck mode only, once per compiled program; should
// the JS calls fail, the size is unknown and taken as 0, which the check
// then passes: a failure here must not stop a program.
func (g glue) moduleMemSize(mod js.Value) (size uint32) {
	defer func() {
		if recover() != nil {
			size = 0
		}
	}()
	secs := js.Global().Get("WebAssembly").Get("Module").Call("customSections", mod, "dylink.0")
	if secs.Length() == 0 {
		return 0
	}
	u := js.Global().Get("Uint8Array").New(secs.Index(0))
	b := make([]byte, u.Length())
	js.CopyBytesToGo(b, u)
	m, _, _ := DylinkMemSize(b)
	return m
}

// setUserSP sets the user instance's __stack_pointer global.
func (g glue) setUserSP(sp uint32) { g.v.Call("setUserSP", sp) }

// dropUser forgets the user instance.
func (g glue) dropUser() { g.v.Call("dropUser") }

// stack is a host stack trace for wasm_dump_stacktrace.
func (g glue) stack() string { return g.v.Call("stack").String() }

type jsError string

func (e jsError) Error() string { return string(e) }
