// Package bridge defines the shared-memory layouts and protocols through which
// the host's workers and the page's main thread cooperate without postMessage:
//
//   - a task table of park cells keyed by kernel task pointer, so the worker that
//     switches tasks wakes the next task's worker itself (section 5 of the ABI);
//   - a job queue from which pooled workers take "run this CPU" or "run this new
//     task" work, so a switch to a new task never waits for the main thread;
//   - byte rings: console output (any worker to the main thread), console input
//     (main thread to whichever worker polls), control events (workers to the
//     main thread);
//   - a doorbell the main thread waits on with Atomics.waitAsync;
//   - the shared clock clamp that keeps the kernel's clock monotonic across workers.
//
// Everything lives in one shared WebAssembly.Memory, the "bridge memory",
// separate from the kernel's memory. The logic here is plain Go over the Mem
// interface: workers implement Mem with wasm atomics (worker/), the main thread
// with JS Atomics (host/), and tests with sync/atomic (HeapMem).
package bridge

// Mem is atomic access to the bridge memory. Offsets are byte offsets; 32-bit
// operations need 4-byte alignment, 64-bit ones 8-byte alignment.
type Mem interface {
	Load32(off uint32) uint32
	Store32(off, v uint32)
	Add32(off, v uint32) uint32 // returns the old value
	Or32(off, v uint32) uint32  // returns the old value
	And32(off, v uint32) uint32 // returns the old value
	Xchg32(off, v uint32) uint32
	CAS32(off, old, new uint32) uint32 // returns the value found
	Load64(off uint32) uint64
	CAS64(off uint32, old, new uint64) uint64
	// Wait32 blocks while the word at off equals expect, for at most timeoutNs
	// (negative: forever). It returns 0 when woken, 1 when the value differed,
	// 2 on timeout. Only workers may call it; wake-ups can be spurious.
	Wait32(off, expect uint32, timeoutNs int64) uint32
	Notify(off, count uint32) uint32
	Load8(off uint32) byte
	Store8(off uint32, v byte)
}

// Wait results.
const (
	WaitWoken    = 0
	WaitNotEqual = 1
	WaitTimedOut = 2
)

// Mutex is a futex lock at a word of the bridge memory: 0 free, 1 held,
// 2 held with waiters. Only workers may take it (it can wait).
type Mutex struct {
	m   Mem
	off uint32
}

// Lock takes the mutex.
func (mu Mutex) Lock() {
	if mu.m.CAS32(mu.off, 0, 1) == 0 {
		return
	}
	for mu.m.Xchg32(mu.off, 2) != 0 {
		mu.m.Wait32(mu.off, 2, -1)
	}
}

// Held reports whether some worker holds the mutex (for checks and dumps:
// the answer may be stale at once).
func (mu Mutex) Held() bool { return mu.m.Load32(mu.off) != 0 }

// Addr is the mutex word's offset in the bridge memory.
func (mu Mutex) Addr() uint32 { return mu.off }

// Unlock releases the mutex.
func (mu Mutex) Unlock() {
	if mu.m.Xchg32(mu.off, 0) == 2 {
		mu.m.Notify(mu.off, 1)
	}
}
