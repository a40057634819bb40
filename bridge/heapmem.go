package bridge

import (
	"sync"
	"sync/atomic"
	"time"
)

// HeapMem is a Mem over ordinary Go memory, for native tests and tools. Wait
// and Notify are emulated with a condition variable.
type HeapMem struct {
	words []uint32
	mu    sync.Mutex
	cond  *sync.Cond
}

// NewHeapMem returns a zeroed HeapMem of size bytes (rounded up to 8).
func NewHeapMem(size uint32) *HeapMem {
	h := &HeapMem{words: make([]uint32, (size+7)/4)}
	h.cond = sync.NewCond(&h.mu)
	return h
}

func (h *HeapMem) w(off uint32) *uint32 { return &h.words[off/4] }

func (h *HeapMem) Load32(off uint32) uint32    { return atomic.LoadUint32(h.w(off)) }
func (h *HeapMem) Store32(off, v uint32)       { atomic.StoreUint32(h.w(off), v) }
func (h *HeapMem) Add32(off, v uint32) uint32  { return atomic.AddUint32(h.w(off), v) - v }
func (h *HeapMem) Or32(off, v uint32) uint32   { return atomic.OrUint32(h.w(off), v) }
func (h *HeapMem) And32(off, v uint32) uint32  { return atomic.AndUint32(h.w(off), v) }
func (h *HeapMem) Xchg32(off, v uint32) uint32 { return atomic.SwapUint32(h.w(off), v) }
func (h *HeapMem) Load64(off uint32) uint64 {
	return h.with64(off, func(p *uint64) uint64 { return atomic.LoadUint64(p) })
}
func (h *HeapMem) CAS32(off, old, new uint32) uint32 {
	for {
		if atomic.CompareAndSwapUint32(h.w(off), old, new) {
			return old
		}
		if cur := atomic.LoadUint32(h.w(off)); cur != old {
			return cur
		}
	}
}

// 64-bit words are kept as a pair of 32-bit words guarded by the condition's
// mutex: tests only need correctness, not speed.
func (h *HeapMem) with64(off uint32, f func(*uint64) uint64) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	v := uint64(h.words[off/4]) | uint64(h.words[off/4+1])<<32
	r := f(&v)
	h.words[off/4], h.words[off/4+1] = uint32(v), uint32(v>>32)
	return r
}

func (h *HeapMem) CAS64(off uint32, old, new uint64) uint64 {
	return h.with64(off, func(p *uint64) uint64 {
		cur := *p
		if cur == old {
			*p = new
		}
		return cur
	})
}

func (h *HeapMem) Wait32(off, expect uint32, timeoutNs int64) uint32 {
	var deadline time.Time
	if timeoutNs >= 0 {
		deadline = time.Now().Add(time.Duration(timeoutNs))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Load32(off) != expect {
		return WaitNotEqual
	}
	// Poll with a short timer so that a Notify racing with this check is never
	// missed for long; real futexes do not need this.
	t := time.AfterFunc(time.Millisecond, func() { h.mu.Lock(); h.cond.Broadcast(); h.mu.Unlock() })
	defer t.Stop()
	h.cond.Wait()
	if timeoutNs >= 0 && time.Now().After(deadline) && h.Load32(off) == expect {
		return WaitTimedOut
	}
	return WaitWoken
}

func (h *HeapMem) Notify(off, count uint32) uint32 {
	h.mu.Lock()
	h.cond.Broadcast()
	h.mu.Unlock()
	return count
}

func (h *HeapMem) Load8(off uint32) byte {
	return byte(atomic.LoadUint32(h.w(off&^3)) >> (8 * (off & 3)))
}

func (h *HeapMem) Store8(off uint32, v byte) {
	p, shift := h.w(off&^3), 8*(off&3)
	for {
		old := atomic.LoadUint32(p)
		n := old&^(0xff<<shift) | uint32(v)<<shift
		if atomic.CompareAndSwapUint32(p, old, n) {
			return
		}
	}
}
