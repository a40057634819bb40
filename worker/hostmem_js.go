package worker

import "github.com/linuxwasm/gohost/bridge"

// The hostmem helper (wasmgen.HostMem), instantiated by worker.js before Go.
// Memory 0 is the bridge memory, memory 1 the kernel's.

//go:wasmimport gohost_mem load32
func hmLoad32(off uint32) uint32

//go:wasmimport gohost_mem store32
func hmStore32(off, v uint32)

//go:wasmimport gohost_mem add32
func hmAdd32(off, v uint32) uint32

//go:wasmimport gohost_mem or32
func hmOr32(off, v uint32) uint32

//go:wasmimport gohost_mem and32
func hmAnd32(off, v uint32) uint32

//go:wasmimport gohost_mem xchg32
func hmXchg32(off, v uint32) uint32

//go:wasmimport gohost_mem cas32
func hmCAS32(off, old, new uint32) uint32

//go:wasmimport gohost_mem load64
func hmLoad64(off uint32) uint64

//go:wasmimport gohost_mem cas64
func hmCAS64(off uint32, old, new uint64) uint64

//go:wasmimport gohost_mem wait32
func hmWait32(off, expect uint32, timeout int64) uint32

//go:wasmimport gohost_mem notify
func hmNotify(off, count uint32) uint32

//go:wasmimport gohost_mem load8
func hmLoad8(off uint32) uint32

//go:wasmimport gohost_mem store8
func hmStore8(off, v uint32)

//go:wasmimport gohost_mem copy_in
func copyIn(bridgeDst, kernelSrc, n uint32)

//go:wasmimport gohost_mem copy_out
func copyOut(kernelDst, bridgeSrc, n uint32)

//go:wasmimport gohost_mem now_ns
func nowNs() int64

// wasmMem is bridge.Mem over the hostmem helper: every operation is one
// direct wasm call, no JavaScript.
type wasmMem struct{}

var _ bridge.Mem = wasmMem{}

func (wasmMem) Load32(off uint32) uint32                  { return hmLoad32(off) }
func (wasmMem) Store32(off, v uint32)                     { hmStore32(off, v) }
func (wasmMem) Add32(off, v uint32) uint32                { return hmAdd32(off, v) }
func (wasmMem) Or32(off, v uint32) uint32                 { return hmOr32(off, v) }
func (wasmMem) And32(off, v uint32) uint32                { return hmAnd32(off, v) }
func (wasmMem) Xchg32(off, v uint32) uint32               { return hmXchg32(off, v) }
func (wasmMem) CAS32(off, old, new uint32) uint32         { return hmCAS32(off, old, new) }
func (wasmMem) Load64(off uint32) uint64                  { return hmLoad64(off) }
func (wasmMem) CAS64(off uint32, old, new uint64) uint64  { return hmCAS64(off, old, new) }
func (wasmMem) Wait32(off, expect uint32, t int64) uint32 { return hmWait32(off, expect, t) }
func (wasmMem) Notify(off, count uint32) uint32           { return hmNotify(off, count) }
func (wasmMem) Load8(off uint32) byte                     { return byte(hmLoad8(off)) }
func (wasmMem) Store8(off uint32, v byte)                 { hmStore8(off, uint32(v)) }
