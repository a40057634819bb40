package bridge

// Ring is a byte ring in the bridge memory with one consumer and one producer
// at a time. Positions are free-running uint32 counters (wrapping is fine since
// the capacity is a power of two well below 2^31); the producer publishes with
// an atomic store of tail after writing the bytes, the consumer frees space
// with an atomic store of head after reading them, which gives the
// happens-before edges in both directions.
//
// Where several agents share one side (workers writing console output or
// control events, workers polling console input) they serialise on the ring's
// mutex; the main thread is always alone on its side and never takes it.
//
// Layout at Base: head u32, tail u32, mutex u32, pad u32, then Cap bytes.
type Ring struct {
	m    Mem
	base uint32
	cap  uint32
}

const ringHeader = 16

func ringSize(capacity uint32) uint32 { return ringHeader + capacity }

// NewRing views a ring at base with the given power-of-two capacity.
func NewRing(m Mem, base, capacity uint32) Ring {
	if capacity == 0 || capacity&(capacity-1) != 0 || capacity > 1<<30 {
		panic("bridge: ring capacity must be a power of two")
	}
	return Ring{m, base, capacity}
}

// Cap is the ring's capacity in bytes.
func (r Ring) Cap() uint32 { return r.cap }

// Mutex serialises agents that share one side of the ring.
func (r Ring) Mutex() Mutex { return Mutex{r.m, r.base + 8} }

// Len is the number of bytes readable now. Head is loaded first, for the
// reason given at Jobs.Backlog: any agent may call it.
func (r Ring) Len() uint32 {
	head := r.m.Load32(r.base)
	return min(r.m.Load32(r.base+4)-head, r.cap)
}

// Free is the number of bytes writable now.
func (r Ring) Free() uint32 { return r.cap - r.Len() }

// Produced is the total number of bytes ever written (mod 2^32).
func (r Ring) Produced() uint32 { return r.m.Load32(r.base + 4) }

// Consumed is the total number of bytes ever read (mod 2^32).
func (r Ring) Consumed() uint32 { return r.m.Load32(r.base) }

// WaitRead blocks a worker until the consumer reads past seen (a Consumed
// value) or timeoutNs passes; consumers notify HeadAddr after reading.
func (r Ring) WaitRead(seen uint32, timeoutNs int64) { r.m.Wait32(r.base, seen, timeoutNs) }

// TailAddr is the address of the tail counter: consumers may wait on it.
func (r Ring) TailAddr() uint32 { return r.base + 4 }

// HeadAddr is the address of the head counter: producers may wait on it.
func (r Ring) HeadAddr() uint32 { return r.base }

// CopyFunc moves k bytes between the ring's data at bridge offset ringOff and
// the other side's buffer at offset bufOff.
type CopyFunc func(ringOff, bufOff, k uint32)

// Write copies up to n bytes into the ring through copyIn and returns how many
// it wrote (less than n when the ring is full).
func (r Ring) Write(n uint32, copyIn CopyFunc) uint32 {
	head, tail := r.m.Load32(r.base), r.m.Load32(r.base+4)
	free := r.cap - (tail - head)
	if n > free {
		n = free
	}
	r.span(tail, n, copyIn)
	r.m.Store32(r.base+4, tail+n)
	return n
}

// WriteAll writes exactly n bytes or nothing; it reports whether it wrote.
// Used for framed records, which must never be torn.
func (r Ring) WriteAll(n uint32, copyIn CopyFunc) bool {
	head, tail := r.m.Load32(r.base), r.m.Load32(r.base+4)
	if n > r.cap-(tail-head) {
		return false
	}
	r.span(tail, n, copyIn)
	r.m.Store32(r.base+4, tail+n)
	return true
}

// Read copies up to n readable bytes out through copyOut and returns how many.
func (r Ring) Read(n uint32, copyOut CopyFunc) uint32 {
	head, tail := r.m.Load32(r.base), r.m.Load32(r.base+4)
	if avail := tail - head; n > avail {
		n = avail
	}
	r.span(head, n, copyOut)
	r.m.Store32(r.base, head+n)
	return n
}

// Peek copies n bytes starting skip bytes past the head without consuming
// them. The caller must know they are there (Len).
func (r Ring) Peek(skip, n uint32, copyOut CopyFunc) {
	r.span(r.m.Load32(r.base)+skip, n, copyOut)
}

// Discard consumes n bytes (n <= Len).
func (r Ring) Discard(n uint32) { r.m.Store32(r.base, r.m.Load32(r.base)+n) }

// span calls f for the one or two contiguous pieces of [pos, pos+n).
func (r Ring) span(pos, n uint32, f CopyFunc) {
	if n == 0 {
		return
	}
	data := r.base + ringHeader
	at := pos & (r.cap - 1)
	first := n
	if at+first > r.cap {
		first = r.cap - at
	}
	f(data+at, 0, first)
	if first < n {
		f(data, first, n-first)
	}
}
