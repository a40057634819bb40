package bridge

import (
	"bytes"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var small = Config{TaskSlots: 64, JobCap: 8, ConsoleOutCap: 256, ConsoleInCap: 64, ControlCap: 256}

func newBridge(t testing.TB, c Config) *Bridge {
	t.Helper()
	return Open(NewHeapMem(c.Size()), c, true)
}

// writeFrom and readInto adapt rings to Go byte slices.
func writeFrom(m Mem, src []byte) CopyFunc {
	return func(ringOff, bufOff, k uint32) { WriteBytes(m, ringOff, src[bufOff:bufOff+k]) }
}

func readInto(m Mem, dst []byte) CopyFunc {
	return func(ringOff, bufOff, k uint32) { ReadBytes(m, ringOff, dst[bufOff:bufOff+k]) }
}

func TestRingWrapsAndKeepsOrder(t *testing.T) {
	b := newBridge(t, small)
	r := b.ConsoleIn // 64 bytes
	var got, want []byte
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		chunk := make([]byte, rng.Intn(40))
		rng.Read(chunk)
		n := r.Write(uint32(len(chunk)), writeFrom(b.M, chunk))
		want = append(want, chunk[:n]...)
		assert.LessOrEqual(t, r.Len(), r.Cap())
		buf := make([]byte, rng.Intn(50))
		k := r.Read(uint32(len(buf)), readInto(b.M, buf))
		got = append(got, buf[:k]...)
	}
	buf := make([]byte, 64)
	k := r.Read(64, readInto(b.M, buf))
	got = append(got, buf[:k]...)
	require.Equal(t, want, got)
	assert.Zero(t, r.Len())
}

func TestRingFullWritesPartially(t *testing.T) {
	b := newBridge(t, small)
	r := b.ConsoleIn
	data := bytes.Repeat([]byte{7}, 100)
	assert.EqualValues(t, 64, r.Write(100, writeFrom(b.M, data)))
	assert.EqualValues(t, 0, r.Write(1, writeFrom(b.M, data)))
	assert.False(t, r.WriteAll(1, writeFrom(b.M, data)))
}

// Several producers serialised by the ring mutex, one consumer: every byte
// arrives once and each producer's bytes stay in order.
func TestRingConcurrentProducers(t *testing.T) {
	b := newBridge(t, small)
	r := b.ConsoleOut
	const producers, per = 4, 2000
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < per; {
				msg := []byte{byte(p), byte(i), byte(i >> 8)}
				mu := r.Mutex()
				mu.Lock()
				ok := r.WriteAll(3, writeFrom(b.M, msg))
				mu.Unlock()
				if ok {
					i++
				}
			}
		}(p)
	}
	next := make([]int, producers)
	var pending []byte
	for total := 0; total < producers*per; {
		buf := make([]byte, 64)
		n := r.Read(64, readInto(b.M, buf))
		pending = append(pending, buf[:n]...)
		for len(pending) >= 3 {
			p, i := int(pending[0]), int(pending[1])|int(pending[2])<<8
			require.Less(t, p, producers)
			require.Equal(t, next[p], i, "producer %d out of order", p)
			next[p]++
			pending = pending[3:]
			total++
		}
	}
	wg.Wait()
}

func TestTaskTableRegisterLookupUnlink(t *testing.T) {
	b := newBridge(t, small)
	tt := b.Tasks
	slots := map[uint32]uint32{}
	// Pointers shaped like real task pointers: 8 KiB blocks, task at the top.
	for i := uint32(0); i < 60; i++ {
		task := 0x100000 + i*0x2000 + 0x1c00
		s, retired := tt.Register(task, 0, 0)
		require.NotEqual(t, NoSlot, s)
		require.Equal(t, NoSlot, retired)
		slots[task] = s
	}
	for task, s := range slots {
		assert.Equal(t, s, tt.Lookup(task))
	}
	// Unlink every other one; the rest must still be found (backward shift).
	i := 0
	for task, s := range slots {
		if i%2 == 0 {
			assert.Equal(t, s, tt.Unlink(task))
			assert.Equal(t, NoSlot, tt.Lookup(task))
			tt.Free(s)
			delete(slots, task)
		}
		i++
	}
	for task, s := range slots {
		assert.Equal(t, s, tt.Lookup(task))
	}
	assert.EqualValues(t, len(slots), tt.Live())
}

func TestTaskTableReusedAddressRetiresOldEntry(t *testing.T) {
	b := newBridge(t, small)
	old, _ := b.Tasks.Register(0x4000, 0, 0)
	s, retired := b.Tasks.Register(0x4000, 0, 0)
	assert.Equal(t, old, retired)
	assert.NotEqual(t, old, s)
	assert.Equal(t, s, b.Tasks.Lookup(0x4000))
}

func TestTaskTableFull(t *testing.T) {
	b := newBridge(t, small)
	for i := uint32(0); i < small.TaskSlots; i++ {
		s, _ := b.Tasks.Register(0x10000+i*0x2000, 0, 0)
		require.NotEqual(t, NoSlot, s)
	}
	s, _ := b.Tasks.Register(0xfff0000, 0, 0)
	assert.Equal(t, NoSlot, s)
}

// Two tasks ping-pong like wasm_serialize_tasks: each wake carries the waker
// as last_task, and wakes issued before the target parks are not lost.
func TestParkWakePingPong(t *testing.T) {
	b := newBridge(t, small)
	const ta, tb = 0x3000, 0x5000
	sa, _ := b.Tasks.Register(ta, 0, 0)
	sb, _ := b.Tasks.Register(tb, 0, 0)
	const rounds = 2000
	done := make(chan error, 1)
	go func() {
		for i := 0; i < rounds; i++ {
			last, retire := b.Tasks.Park(sb)
			if retire || last != ta {
				done <- assert.AnError
				return
			}
			b.Tasks.Wake(b.Tasks.Lookup(ta), tb)
		}
		done <- nil
	}()
	for i := 0; i < rounds; i++ {
		b.Tasks.Wake(b.Tasks.Lookup(tb), ta)
		last, retire := b.Tasks.Park(sa)
		require.False(t, retire)
		require.EqualValues(t, tb, last)
	}
	require.NoError(t, <-done)
}

// Release and the final park may come in either order; exactly one path
// retires the worker and neither blocks forever.
func TestReleaseBeforeAndAfterFinalPark(t *testing.T) {
	b := newBridge(t, small)
	// Self-release first (kthread style), then the final park returns at once.
	s1, _ := b.Tasks.Register(0x7000, 0, 0)
	assert.False(t, b.Tasks.Release(s1))
	_, retire := b.Tasks.Park(s1)
	assert.True(t, retire)

	// Parent-side release while the zombie is parked.
	s2, _ := b.Tasks.Register(0x9000, 0, 0)
	res := make(chan bool)
	go func() { _, r := b.Tasks.Park(s2); res <- r }()
	for b.Tasks.Flags(s2)&Parked == 0 {
	}
	assert.True(t, b.Tasks.Release(s2))
	assert.True(t, <-res)
}

func TestReleaseRacesPark(t *testing.T) {
	b := newBridge(t, small)
	for i := 0; i < 300; i++ {
		s, _ := b.Tasks.Register(0x1000+uint32(i)*0x2000, 0, 0)
		res := make(chan bool)
		go func() { _, r := b.Tasks.Park(s); res <- r }()
		b.Tasks.Release(s)
		require.True(t, <-res)
		b.Tasks.Free(s)
	}
}

func TestJobsPushTake(t *testing.T) {
	b := newBridge(t, small)
	var wg sync.WaitGroup
	got := make(chan Job, 100)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j := b.Jobs.Take()
				if j.Kind == 0 {
					return
				}
				got <- j
			}
		}()
	}
	for i := uint32(0); i < 50; i++ {
		j := Job{Kind: JobTask, Slot: i, A: i * 2, F: 99}
		copy(j.Name[:], "kworker/0:1")
		for !b.Jobs.Push(&j, nil) {
		}
	}
	seen := map[uint32]bool{}
	for i := 0; i < 50; i++ {
		j := <-got
		assert.Equal(t, "kworker/0:1", j.TaskName())
		assert.Equal(t, j.Slot*2, j.A)
		assert.EqualValues(t, 99, j.F)
		seen[j.Slot] = true
	}
	assert.Len(t, seen, 50)
	for w := 0; w < 3; w++ {
		for !b.Jobs.Push(&Job{}, nil) {
		}
	}
	wg.Wait()
}

// A pool with a ceiling: workers beyond it leave instead of waiting, but a
// queued job is taken whatever the ceiling, and a worker that took a job
// frees its idle place.
func TestJobsCeiling(t *testing.T) {
	b := newBridge(t, small)
	const ceiling = 2
	got := make(chan Job)
	for w := 0; w < ceiling; w++ {
		go func() {
			j, ok := b.Jobs.TakeUnder(ceiling)
			assert.True(t, ok)
			got <- j
		}()
	}
	require.Eventually(t, func() bool { return b.Jobs.Idle() == ceiling }, 5*time.Second, time.Millisecond)
	_, ok := b.Jobs.TakeUnder(ceiling)
	assert.False(t, ok, "a third idle worker is above the ceiling")
	assert.EqualValues(t, ceiling, b.Jobs.Idle(), "leaving does not count as idle")

	require.True(t, b.Jobs.Push(&Job{Kind: JobTask, Slot: 1}, nil))
	assert.EqualValues(t, 1, (<-got).Slot)
	require.Eventually(t, func() bool { return b.Jobs.Idle() == ceiling-1 }, 5*time.Second, time.Millisecond)

	// Queued work is taken even at the ceiling, and even with ceiling 0.
	require.True(t, b.Jobs.Push(&Job{Kind: JobTask, Slot: 2}, nil))
	require.True(t, b.Jobs.Push(&Job{Kind: JobTask, Slot: 3}, nil))
	// The waiting worker may take slot 2 first; whoever does, both are taken once.
	j, ok := b.Jobs.TakeUnder(0)
	require.True(t, ok)
	other := <-got
	assert.ElementsMatch(t, []uint32{2, 3}, []uint32{j.Slot, other.Slot})
	assert.EqualValues(t, 0, b.Jobs.Backlog())
	assert.EqualValues(t, 0, b.Jobs.Idle())
}

func TestJobsQueueFull(t *testing.T) {
	b := newBridge(t, small)
	for i := uint32(0); i < small.JobCap; i++ {
		require.True(t, b.Jobs.Push(&Job{Kind: JobCPU}, nil))
	}
	assert.False(t, b.Jobs.Push(&Job{Kind: JobCPU}, nil))
	assert.EqualValues(t, small.JobCap, b.Jobs.Backlog())
}

func TestControlEvents(t *testing.T) {
	b := newBridge(t, small)
	require.True(t, b.PostText(EvLog, 3, "hello"))
	require.True(t, b.PostText(EvPanic, 0, "Attempted to kill init!"))
	ev, ok := b.NextEvent()
	require.True(t, ok)
	assert.Equal(t, Event{EvLog, 3, []byte("hello")}, ev)
	ev, ok = b.NextEvent()
	require.True(t, ok)
	assert.EqualValues(t, EvPanic, ev.Kind)
	assert.Equal(t, "Attempted to kill init!", string(ev.Payload))
	_, ok = b.NextEvent()
	assert.False(t, ok)
	assert.EqualValues(t, 2, b.Doorbell())
}

func TestControlEventsWrapAndConcurrent(t *testing.T) {
	b := newBridge(t, small)
	const n = 500
	go func() {
		for i := 0; i < n; i++ {
			msg := string(bytes.Repeat([]byte{byte('a' + i%26)}, i%40))
			for !b.PostText(EvLog, uint32(i), msg) {
			}
		}
	}()
	for i := 0; i < n; {
		ev, ok := b.NextEvent()
		if !ok {
			continue
		}
		require.EqualValues(t, i, ev.Arg)
		require.Equal(t, string(bytes.Repeat([]byte{byte('a' + i%26)}, i%40)), string(ev.Payload))
		i++
	}
}

// An event that cannot be posted (the ring stays full, the main thread does
// not drain it) is not simply gone: the bridge records that one of its kind
// was lost, so a lost panic or CPU stop still reaches the main thread.
func TestControlEventLostIsRecorded(t *testing.T) {
	b := newBridge(t, small)
	for b.PostText(EvLog, 1, "fill the ring up") && b.Control.Free() >= eventHeader+16 {
	}
	n, kinds := b.Lost()
	require.Zero(t, n)
	require.Zero(t, kinds)
	bell := b.Doorbell()
	require.False(t, b.PostText(EvPanic, 1, "a panic that finds no room"))
	n, kinds = b.Lost()
	assert.EqualValues(t, 1, n)
	assert.EqualValues(t, 1<<EvPanic, kinds)
	assert.NotEqual(t, bell, b.Doorbell(), "the main thread is rung about the loss")

	b.SetState(StateStopping)
	require.False(t, b.PostText(EvLog, 1, "after the stop"))
	n, _ = b.Lost()
	assert.EqualValues(t, 1, n, "a post refused because the machine stops is not a loss")
}

func TestClockNeverGoesBack(t *testing.T) {
	b := newBridge(t, small)
	assert.EqualValues(t, 100, b.Clock(100))
	assert.EqualValues(t, 100, b.Clock(90), "a reading behind another worker's is clamped")
	assert.EqualValues(t, 150, b.Clock(150))
	assert.EqualValues(t, 150, b.Clock(-5))
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			prev := int64(0)
			for i := 0; i < 1000; i++ {
				v := b.Clock(int64(1000 + i*4 + w*7))
				if v < prev {
					t.Errorf("clock went back: %d after %d", v, prev)
				}
				prev = v
			}
		}(w)
	}
	wg.Wait()
}

func TestMutexExcludes(t *testing.T) {
	b := newBridge(t, small)
	mu := b.ConsoleOut.Mutex()
	counter := 0
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 4000, counter)
}

func TestLayoutFitsDefault(t *testing.T) {
	size := DefaultConfig.Size()
	assert.Greater(t, size, uint32(1<<20))
	assert.LessOrEqual(t, size, DefaultConfig.Pages()<<16)
}

// interleaveMem runs hook once, right after the first load of word at, to
// put another agent's operations between two loads of a reader.
type interleaveMem struct {
	*HeapMem
	at   uint32
	hook func()
}

func (m *interleaveMem) Load32(off uint32) uint32 {
	v := m.HeapMem.Load32(off)
	if off == m.at && m.hook != nil {
		h := m.hook
		m.hook = nil
		h()
	}
	return v
}

// The main thread reads Backlog and Len while workers push and take. Had a
// reader loaded the tail before the head, a push and a take in between would
// make head pass the tail it read and the difference wrap to ~4 billion: the
// host once spawned workers up to its limit that way.
func TestCountersNeverWrapWhenOthersMoveBetweenLoads(t *testing.T) {
	heap := NewHeapMem(small.Size())
	m := &interleaveMem{HeapMem: heap}
	b := Open(m, small, true)
	require.True(t, b.Jobs.Push(&Job{Kind: JobTask}, nil))
	for _, at := range []uint32{b.Jobs.base + 4, b.Jobs.base + 8} { // head, tail
		m.at = at
		m.hook = func() { // one more job, then both taken: head passes the tail read
			require.True(t, b.Jobs.Push(&Job{Kind: JobTask}, nil))
			b.Jobs.Take()
			b.Jobs.Take()
			require.True(t, b.Jobs.Push(&Job{Kind: JobTask}, nil))
		}
		assert.LessOrEqual(t, b.Jobs.Backlog(), small.JobCap)
	}

	r := b.ConsoleIn
	r.Write(3, writeFrom(heap, []byte("abc")))
	for _, at := range []uint32{r.HeadAddr(), r.TailAddr()} {
		m.at = at
		m.hook = func() {
			r.Write(5, writeFrom(heap, []byte("defgh")))
			r.Read(6, readInto(heap, make([]byte, 6)))
		}
		assert.LessOrEqual(t, r.Len(), r.Cap())
	}
}
