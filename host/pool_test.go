package host

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/bridge"
)

// pauseMem stops the goroutine that releases one mutex word just before it
// does, until resumed: the moment a Web Worker could be terminated between
// publishing an event and unlocking the control ring.
type pauseMem struct {
	*bridge.HeapMem
	addr    uint32
	once    sync.Once
	paused  chan struct{}
	resumed chan struct{}
}

func (p *pauseMem) Xchg32(off, v uint32) uint32 {
	if off == p.addr && v == 0 {
		p.once.Do(func() {
			close(p.paused)
			<-p.resumed
		})
	}
	return p.HeapMem.Xchg32(off, v)
}

// A pooled worker above the ceiling leaves with EvLeave. The main thread can
// read the event while the worker has not yet released the control mutex;
// terminating it then would leave the mutex held for good. The pool must
// say "terminate" only once the worker's board says stopped, and by then the
// mutex must be free.
func TestPoolTerminatesALeaverOnlyOnceItHoldsNoLock(t *testing.T) {
	size := bridge.DefaultConfig.Size()
	pm := &pauseMem{HeapMem: bridge.NewHeapMem(size), paused: make(chan struct{}), resumed: make(chan struct{})}
	b := bridge.Open(pm, bridge.DefaultConfig, true)
	mu := b.Control.Mutex()
	pm.addr = mu.Addr()
	p := NewPool(1, 1)
	const id = 7

	left := make(chan bool)
	go func() {
		b.Board.Claim(id, bridge.WorkerJobWait)
		left <- b.Leave(id)
	}()
	<-pm.paused

	ev, ok := b.NextEvent()
	require.True(t, ok, "the event is visible before the worker unlocks")
	require.Equal(t, uint32(bridge.EvLeave), ev.Kind)
	p.Leave(ev.Arg)
	require.True(t, mu.Held(), "the window is real: the worker holds the control mutex")
	assert.Empty(t, p.Departed(b.Board), "terminated while it holds the control mutex")
	assert.Equal(t, 1, p.Leaving())

	close(pm.resumed)
	require.True(t, <-left)
	dep := p.Departed(b.Board)
	assert.Equal(t, []uint32{id}, dep)
	assert.False(t, mu.Held(), "a departed worker holds no lock")
	assert.Equal(t, 0, p.Leaving())
	assert.Empty(t, p.Departed(b.Board), "terminated once only")
}

type fakeBoard map[uint32]uint32

func (f fakeBoard) Get(id uint32) (bridge.WorkerRecord, bool) {
	s, ok := f[id]
	return bridge.WorkerRecord{ID: id, State: s}, ok
}

// A worker that never reports ready must not hold the starting count up: a
// queued job with no pool floor would otherwise never get a worker.
func TestPoolReconcilesWorkersThatNeverStart(t *testing.T) {
	p := NewPool(0, 8)
	t0 := time.Unix(1000, 0)
	p.Spawned(1, t0) // the browser never starts it
	p.Spawned(2, t0) // it started, but its EvReady was lost
	board := fakeBoard{2: bridge.WorkerJobWait}

	n, gaveUp := p.Spawn(t0.Add(time.Second), board, 2, 0, 3)
	assert.Equal(t, 0, n, "two jobs, two workers starting")
	assert.Empty(t, gaveUp)

	n, gaveUp = p.Spawn(t0.Add(p.StartBound), board, 1, 0, 3) // worker 2 runs the other job
	assert.Equal(t, 1, n, "the job waiting gets a new worker once the silent one is given up on")
	assert.Equal(t, []uint32{1}, gaveUp)
	assert.Equal(t, 1, p.Failed())
	assert.Equal(t, 0, p.Starting(), "worker 2 is up: not starting, not failed")

	assert.False(t, p.Ready(1), "a late EvReady of a worker given up on is not counted")
	p.Spawned(3, t0)
	assert.True(t, p.Ready(3))
	assert.Equal(t, 0, p.Starting())
}

func TestPoolFloorAndCeiling(t *testing.T) {
	p := NewPool(4, 2)
	p.CPU0Up()
	assert.Equal(t, 4, p.Ceiling(), "the ceiling is never below the floor")
	now := time.Unix(0, 0)
	n, _ := p.Spawn(now, fakeBoard{}, 0, 0, 1)
	assert.Equal(t, 4, n)
	for id := uint32(1); id <= 4; id++ {
		p.Spawned(id, now)
	}
	n, _ = p.Spawn(now, fakeBoard{}, 0, 0, 5)
	assert.Equal(t, 0, n, "workers starting count toward the floor")
	p.Forget(1)
	n, _ = p.Spawn(now, fakeBoard{}, 0, 0, 4)
	assert.Equal(t, 1, n)
}

// While CPU 0's worker instantiates the kernel, the pool starts workers only
// for queued jobs: its own instantiations would take the cores from CPU 0's.
func TestPoolKeepsItsFloorOnceCPU0IsUp(t *testing.T) {
	p := NewPool(4, 8)
	now := time.Unix(0, 0)
	n, _ := p.Spawn(now, fakeBoard{}, 0, 0, 1)
	assert.Equal(t, 0, n, "no floor while CPU 0 boots")
	n, _ = p.Spawn(now, fakeBoard{}, 2, 0, 1)
	assert.Equal(t, 2, n, "queued jobs get workers at once")
	assert.True(t, p.WaitsForCPU0())
	p.CPU0Up()
	assert.False(t, p.WaitsForCPU0())
	n, _ = p.Spawn(now, fakeBoard{}, 0, 0, 1)
	assert.Equal(t, 4, n, "the floor once CPU 0 is up")
}

func TestStockSizes(t *testing.T) {
	early, boot, quiet := StockSizes(2)
	assert.Equal(t, 2, early, "CPU 0's worker and the first kthread's, no more during the compile")
	assert.Equal(t, 8, boot)
	assert.Equal(t, 2, quiet)
	_, boot, _ = StockSizes(16)
	assert.Equal(t, 12, boot, "at most 12")
	early, boot, _ = StockSizes(0)
	assert.Equal(t, 2, early)
	assert.Equal(t, 4, boot, "an unknown core count counts as one")
}
