package bridge

// Control events travel from workers to the main thread through the Control
// ring as records: kind u32, arg u32, payload length u32, payload padded to 4
// bytes. Records are written whole or not at all (WriteAll under the ring's
// mutex), so the main thread never sees a torn one.

// Event kinds.
const (
	EvLog        = 1 // payload: text
	EvPanic      = 2 // payload: the kernel's panic message
	EvStopCPU    = 3 // arg: cpu
	EvWorkerDied = 4 // arg: worker id; payload: what happened
	EvHalt       = 5 // _start returned or the kernel stopped without a panic; payload: reason
	EvTaskStart  = 6 // arg: worker id; payload: "name (0xtask)", for the status panel
	EvTaskEnd    = 7 // arg: worker id: its task retired, the worker is idle again
	EvReady      = 8 // arg: worker id: a new pool worker is up and takes jobs
	EvLeave      = 9 // arg: worker id: an idle worker above the pool's ceiling left; terminate it
)

const eventHeader = 12

// Bulk is implemented by Mem implementations that copy bytes in bulk faster
// than byte by byte.
type Bulk interface {
	ReadBytes(off uint32, dst []byte)
	WriteBytes(off uint32, src []byte)
}

// ReadBytes copies bridge bytes into dst.
func ReadBytes(m Mem, off uint32, dst []byte) {
	if b, ok := m.(Bulk); ok {
		b.ReadBytes(off, dst)
		return
	}
	for i := range dst {
		dst[i] = m.Load8(off + uint32(i))
	}
}

// WriteBytes copies src into the bridge memory.
func WriteBytes(m Mem, off uint32, src []byte) {
	if b, ok := m.(Bulk); ok {
		b.WriteBytes(off, src)
		return
	}
	for i, c := range src {
		m.Store8(off+uint32(i), c)
	}
}

// Post sends an event whose payload is n bytes produced by fill (which copies
// payload bytes [bufOff, bufOff+k) to bridge offset ringOff). Workers only. It
// waits up to about a second for room, then drops the event and reports false.
func (b *Bridge) Post(kind, arg, n uint32, fill CopyFunc) bool {
	if n > b.Control.Cap()/4 {
		n = b.Control.Cap() / 4 // a runaway message must not clog the queue
	}
	total := eventHeader + (n+3)&^3
	var hdr [eventHeader]byte
	for i, v := range [...]uint32{kind, arg, n} {
		hdr[4*i], hdr[4*i+1], hdr[4*i+2], hdr[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	r := b.Control
	mu := r.Mutex()
	for try := 0; ; try++ {
		mu.Lock()
		ok := r.WriteAll(total, func(ringOff, bufOff, k uint32) {
			end := bufOff + k
			if bufOff < eventHeader {
				hk := min(end, eventHeader) - bufOff
				WriteBytes(b.M, ringOff, hdr[bufOff:bufOff+hk])
				ringOff, bufOff = ringOff+hk, bufOff+hk
			}
			if pe := min(end, eventHeader+n); bufOff < pe {
				fill(ringOff, bufOff-eventHeader, pe-bufOff)
			}
		})
		mu.Unlock()
		if ok {
			b.Ring()
			return true
		}
		if b.State() == StateStopping {
			return false // the machine is going down; the page no longer listens
		}
		if try >= 100 {
			b.lose(kind)
			return false
		}
		b.Ring()
		r.WaitRead(r.Consumed(), 10_000_000)
	}
}

// lose records a dropped event, so that the main thread learns of it even
// though the event itself could not be delivered (a lost panic or CPU stop
// would otherwise leave the page waiting for a machine that has stopped).
func (b *Bridge) lose(kind uint32) {
	b.M.Add32(offLost, 1)
	if kind < 32 {
		b.M.Or32(offLostKind, 1<<kind)
	}
	b.Ring()
}

// Lost reports how many control events were dropped so far and which kinds
// (bit 1<<kind), for the main thread.
func (b *Bridge) Lost() (count, kinds uint32) {
	return b.M.Load32(offLost), b.M.Load32(offLostKind)
}

// PostText sends an event with a Go string payload.
func (b *Bridge) PostText(kind, arg uint32, text string) bool {
	return b.Post(kind, arg, uint32(len(text)), func(ringOff, bufOff, k uint32) {
		WriteBytes(b.M, ringOff, []byte(text[bufOff:bufOff+k]))
	})
}

// Event is one control record.
type Event struct {
	Kind, Arg uint32
	Payload   []byte
}

// NextEvent takes the next control record, if any. Main thread only.
func (b *Bridge) NextEvent() (Event, bool) {
	r := b.Control
	if r.Len() < eventHeader {
		return Event{}, false
	}
	var h [eventHeader]byte
	r.Peek(0, eventHeader, func(ringOff, bufOff, k uint32) { ReadBytes(b.M, ringOff, h[bufOff:bufOff+k]) })
	le := func(i int) uint32 { return uint32(h[i]) | uint32(h[i+1])<<8 | uint32(h[i+2])<<16 | uint32(h[i+3])<<24 }
	ev := Event{Kind: le(0), Arg: le(4)}
	n := le(8)
	total := eventHeader + (n+3)&^3
	if n > r.Cap() || r.Len() < total {
		// Cannot happen with whole-record writes; resynchronise by dropping all.
		r.Discard(r.Len())
		return Event{}, false
	}
	ev.Payload = make([]byte, n)
	r.Peek(eventHeader, n, func(ringOff, bufOff, k uint32) { ReadBytes(b.M, ringOff, ev.Payload[bufOff:bufOff+k]) })
	r.Discard(total)
	b.M.Notify(r.HeadAddr(), 1<<30)
	return ev, true
}

// Leave tells the main thread that worker id leaves the pool (EvLeave) and
// then marks its board record stopped. The order is the point: the main
// thread may terminate a worker only once it can hold no bridge lock, and the
// control mutex is released only after the event is already visible (Post
// publishes the ring's tail, then unlocks). A worker terminated on EvLeave
// alone could die between the two and leave the mutex held for good, so
// every later post (task start, panic, CPU stop) would block forever. The
// board's stopped state, stored after Post returned, is the main thread's
// signal that terminating is safe. It reports false if the event could not be
// posted (the worker should then stay in the pool).
func (b *Bridge) Leave(id uint32) bool {
	if !b.PostText(EvLeave, id, "") {
		return false
	}
	b.Board.Set(id, WorkerStopped)
	return true
}
