package host

import (
	"syscall/js"

	"github.com/linuxwasm/gohost/bridge"
)

// jsMem is bridge.Mem on the main thread, over JS Atomics on the bridge
// memory's SharedArrayBuffer. The main thread touches the bridge only per
// event-loop turn (draining rings, queueing input), never per guest operation,
// so syscall/js costs nothing that matters here. It never waits: Atomics.wait
// throws on the main thread, and the main thread must never block anyway.
type jsMem struct {
	atomics js.Value
	i32     js.Value // Int32Array over the whole bridge buffer
	u8      js.Value // Uint8Array over the whole bridge buffer
}

var _ bridge.Mem = (*jsMem)(nil)

func newJSMem(buffer js.Value) *jsMem {
	return &jsMem{
		atomics: js.Global().Get("Atomics"),
		i32:     js.Global().Get("Int32Array").New(buffer),
		u8:      js.Global().Get("Uint8Array").New(buffer),
	}
}

func (m *jsMem) op(name string, off uint32, args ...any) uint32 {
	a := append([]any{m.i32, off / 4}, args...)
	return uint32(m.atomics.Call(name, a...).Int())
}

func (m *jsMem) Load32(off uint32) uint32        { return m.op("load", off) }
func (m *jsMem) Store32(off, v uint32)           { m.op("store", off, int32(v)) }
func (m *jsMem) Add32(off, v uint32) uint32      { return m.op("add", off, int32(v)) }
func (m *jsMem) Or32(off, v uint32) uint32       { return m.op("or", off, int32(v)) }
func (m *jsMem) And32(off, v uint32) uint32      { return m.op("and", off, int32(v)) }
func (m *jsMem) Xchg32(off, v uint32) uint32     { return m.op("exchange", off, int32(v)) }
func (m *jsMem) Notify(off, count uint32) uint32 { return m.op("notify", off, int32(count)) }
func (m *jsMem) CAS32(off, old, new uint32) uint32 {
	return m.op("compareExchange", off, int32(old), int32(new))
}

// The clock is a worker-only affair.
func (m *jsMem) Load64(off uint32) uint64 {
	return uint64(m.Load32(off)) | uint64(m.Load32(off+4))<<32
}
func (m *jsMem) CAS64(uint32, uint64, uint64) uint64 { panic("bridge: CAS64 on the main thread") }
func (m *jsMem) Wait32(uint32, uint32, int64) uint32 {
	panic("bridge: the main thread must never wait")
}
func (m *jsMem) Load8(off uint32) byte     { return byte(m.u8.Index(int(off)).Int()) }
func (m *jsMem) Store8(off uint32, v byte) { m.u8.SetIndex(int(off), v) }

func (m *jsMem) ReadBytes(off uint32, dst []byte) {
	js.CopyBytesToGo(dst, m.u8.Call("subarray", off, off+uint32(len(dst))))
}

func (m *jsMem) WriteBytes(off uint32, src []byte) {
	js.CopyBytesToJS(m.u8.Call("subarray", off, off+uint32(len(src))), src)
}
