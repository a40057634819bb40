package hostmem

import "github.com/linuxwasm/gohost/bridge"

// The hostmem helper (wasmgen.HostMem). Memory 0 is the bridge memory,
// memory 1 the kernel's.

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
func hmCopyIn(bridgeDst, kernelSrc, n uint32)

//go:wasmimport gohost_mem copy_out
func hmCopyOut(kernelDst, bridgeSrc, n uint32)

//go:wasmimport gohost_mem copy_bridge
func hmCopyBridge(dst, src, n uint32)

//go:wasmimport gohost_mem now_ns
func hmNowNs() int64

// CopyIn copies n bytes of kernel memory at kernelSrc to the bridge at bridgeDst.
func CopyIn(bridgeDst, kernelSrc, n uint32) { hmCopyIn(bridgeDst, kernelSrc, n) }

// CopyOut copies n bridge bytes at bridgeSrc to kernel memory at kernelDst.
func CopyOut(kernelDst, bridgeSrc, n uint32) { hmCopyOut(kernelDst, bridgeSrc, n) }

// CopyBridge copies n bytes within the bridge memory (regions must not overlap).
func CopyBridge(dst, src, n uint32) { hmCopyBridge(dst, src, n) }

// NowNs is the host clock: nanoseconds since the Unix epoch.
func NowNs() int64 { return hmNowNs() }

// Mem is bridge.Mem over the hostmem helper.
type Mem struct{}

var _ bridge.Mem = Mem{}

func (Mem) Load32(off uint32) uint32                  { return hmLoad32(off) }
func (Mem) Store32(off, v uint32)                     { hmStore32(off, v) }
func (Mem) Add32(off, v uint32) uint32                { return hmAdd32(off, v) }
func (Mem) Or32(off, v uint32) uint32                 { return hmOr32(off, v) }
func (Mem) And32(off, v uint32) uint32                { return hmAnd32(off, v) }
func (Mem) Xchg32(off, v uint32) uint32               { return hmXchg32(off, v) }
func (Mem) CAS32(off, old, new uint32) uint32         { return hmCAS32(off, old, new) }
func (Mem) Load64(off uint32) uint64                  { return hmLoad64(off) }
func (Mem) CAS64(off uint32, old, new uint64) uint64  { return hmCAS64(off, old, new) }
func (Mem) Wait32(off, expect uint32, t int64) uint32 { return hmWait32(off, expect, t) }
func (Mem) Notify(off, count uint32) uint32           { return hmNotify(off, count) }
func (Mem) Load8(off uint32) byte                     { return byte(hmLoad8(off)) }
func (Mem) Store8(off uint32, v byte)                 { hmStore8(off, uint32(v)) }
