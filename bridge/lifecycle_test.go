package bridge

import (
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The task lifecycle under churn, end to end over the bridge (issue 15): a
// model kernel forks children whose task pointers recur (freed addresses are
// reused LIFO, as the kernel's allocator does), children exit and are reaped
// either by themselves before their final switch (kthreads) or by their
// parent, which runs right after the child's final switch and so races the
// child's worker into its final park; pooled workers take the new tasks from
// the job queue under a ceiling, leave when above it, and are reused for the
// next task. Each model worker runs the same steps as worker/ does.
//
// It fails when a worker is handed back to the pool before its task made its
// final switch and was released, when a park returns for a dead task or
// retires a live one, when a wake is lost (the run stalls), when a slot is
// reused under a parked worker, or when a switch returns the wrong last task.

type lifeTask struct {
	ptr      uint32
	selfReap bool
	steps    int  // yields left before it exits
	everRun  bool // a first switch to it was made (create vs serialize)
	dead     bool
	released atomic.Bool
	out      bool // its final switch completed (the next task ran)
	slot     uint32
}

type lifeModel struct {
	t       *testing.T
	b       *Bridge
	cpu     sync.Mutex // held by the task that runs: the one CPU
	rng     *rand.Rand // only under cpu
	free    []uint32   // free task addresses, reused last-in first-out
	runq    []*lifeTask
	byPtr   map[uint32]*lifeTask
	zombies []*lifeTask // the parent's unreaped children
	expect  map[uint32]uint32
	created int
	failed  atomic.Value // first invariant violation (string)
	leaves  atomic.Int32 // workers that left the pool above its ceiling
	reuses  atomic.Int32 // tasks run by a worker that had run one before
	recur   int          // tasks created at an address used before
	used    map[uint32]bool
	done    chan struct{}
}

func (m *lifeModel) fail(format string, a ...any) {
	m.failed.CompareAndSwap(nil, fmt.Sprintf(format, a...))
}

// switchTo is __switch_to on the model's one CPU: the caller holds cpu and
// gives it up. It returns what the caller's park returned.
func (m *lifeModel) switchTo(cur, next *lifeTask) (last uint32, retire bool) {
	m.expect[next.ptr] = cur.ptr
	if !next.everRun {
		next.everRun = true
		// wasm_create_and_run_task: register before parking.
		slot, retired := m.b.Tasks.Register(next.ptr, 0, 0)
		if retired != NoSlot {
			m.fail("task %#x created while its old entry was still indexed", next.ptr)
			m.b.Tasks.Retire(retired)
		}
		next.slot = slot
		for !m.b.Jobs.Push(&Job{Kind: JobTask, Slot: slot, A: cur.ptr, B: next.ptr}, nil) {
			runtime.Gosched()
		}
	} else {
		// wasm_serialize_tasks: wake the next task, then park.
		slot := m.b.Tasks.Lookup(next.ptr)
		if slot == NoSlot {
			m.fail("switch to %#x, which has no park cell", next.ptr)
			return 0, true
		}
		m.b.Tasks.Wake(slot, cur.ptr)
	}
	mySlot := cur.slot
	dying := cur.dead
	m.cpu.Unlock()
	if dying && m.rng2() {
		runtime.Gosched() // let the parent reap before this worker parks
	}
	last, retire = m.b.Tasks.Park(mySlot)
	if m.b.Tasks.Task(mySlot) != cur.ptr {
		m.fail("slot %d of parked task %#x was reused for %#x", mySlot, cur.ptr, m.b.Tasks.Task(mySlot))
	}
	return last, retire
}

var coin atomic.Uint32

func (m *lifeModel) rng2() bool { return coin.Add(1)%3 == 0 }

// resumed runs when a task gets the CPU back (or for the first time):
// finish_task_switch, which frees a dead predecessor's address once it has
// also been released.
func (m *lifeModel) resumed(self *lifeTask, last uint32) {
	if want := m.expect[self.ptr]; last != want {
		m.fail("task %#x resumed with last %#x, want %#x", self.ptr, last, want)
	}
	if prev := m.byPtr[last]; prev != nil && prev.dead {
		prev.out = true
		m.maybeFree(prev)
	}
}

func (m *lifeModel) maybeFree(d *lifeTask) {
	if d.out && d.released.Load() && m.byPtr[d.ptr] == d {
		delete(m.byPtr, d.ptr)
		m.free = append(m.free, d.ptr)
	}
}

// release is wasm_release_task: unlink at once, then mark released.
func (m *lifeModel) release(d *lifeTask) {
	slot := m.b.Tasks.Unlink(d.ptr)
	if slot == NoSlot {
		m.fail("release of %#x: no park cell", d.ptr)
		return
	}
	d.released.Store(true)
	m.b.Tasks.Release(slot)
	m.maybeFree(d)
}

// pick takes the next runnable task, or nil.
func (m *lifeModel) pick() *lifeTask {
	if len(m.runq) == 0 {
		return nil
	}
	n := m.runq[0]
	m.runq = m.runq[1:]
	return n
}

// child is a forked task's body, run by whichever worker took its job.
func (m *lifeModel) child(self *lifeTask) {
	for ; self.steps > 0; self.steps-- {
		m.runq = append(m.runq, self)
		last, retire := m.switchTo(self, m.pick())
		if retire {
			m.fail("live task %#x was retired at a yield", self.ptr)
			return
		}
		m.cpu.Lock()
		m.resumed(self, last)
	}
	self.dead = true
	if self.selfReap {
		m.release(self) // kthreads release themselves before the final switch
	} else {
		m.zombies = append(m.zombies, self)
	}
	next := m.pick()
	if next == nil {
		m.fail("no task to switch to from dying %#x", self.ptr)
		m.cpu.Unlock()
		return
	}
	if _, retire := m.switchTo(self, next); !retire {
		m.fail("dead task %#x was woken", self.ptr)
		return
	}
	if !self.released.Load() {
		m.fail("worker of %#x retired before the task was released", self.ptr)
	}
}

// parent is the long-lived task that forks, yields and reaps.
func (m *lifeModel) parent(self *lifeTask, forks int) {
	m.cpu.Lock()
	for m.created < forks || len(m.zombies) > 0 || len(m.byPtr) > 1 {
		// wait4: reap every zombie, possibly before its final park.
		for _, z := range m.zombies {
			m.release(z)
		}
		m.zombies = m.zombies[:0]
		if m.created < forks && len(m.runq) < 6 {
			n := m.rng.Intn(3) + 1
			for i := 0; i < n && m.created < forks && len(m.free) > 0; i++ {
				p := m.free[len(m.free)-1]
				m.free = m.free[:len(m.free)-1]
				if m.used[p] {
					m.recur++
				}
				m.used[p] = true
				c := &lifeTask{ptr: p, selfReap: m.rng.Intn(3) == 0, steps: m.rng.Intn(4)}
				m.byPtr[p] = c
				m.runq = append(m.runq, c)
				m.created++
			}
		}
		if next := m.pick(); next != nil {
			m.runq = append(m.runq, self)
			last, retire := m.switchTo(self, next)
			if retire {
				m.fail("the parent was retired")
				return
			}
			m.cpu.Lock()
			m.resumed(self, last)
		}
	}
	m.cpu.Unlock()
	close(m.done)
}

// worker is worker/run_js.go's pool loop: take a job under the ceiling (or
// leave), run the task, retire, free the slot, go again.
func (m *lifeModel) worker(ceiling uint32, live *atomic.Int32) {
	defer live.Add(-1)
	ran := false
	for {
		j, ok := m.b.Jobs.TakeUnder(ceiling)
		if !ok {
			m.leaves.Add(1)
			return
		}
		if j.Kind == 0 {
			return // the test is over
		}
		if ran {
			m.reuses.Add(1)
		}
		ran = true
		m.cpu.Lock()
		self := m.byPtr[j.B]
		if self == nil || self.slot != j.Slot {
			m.fail("job for %#x names slot %d, which is not its park cell", j.B, j.Slot)
			m.cpu.Unlock()
			return
		}
		m.b.Tasks.SetWorker(j.Slot, 1)
		m.resumed(self, j.A) // ret_from_fork(prev, new)
		m.child(self)
		m.b.Tasks.Free(j.Slot)
	}
}

func runLifecycle(t *testing.T, seed int64, forks int, ceiling uint32) *lifeModel {
	c := Config{TaskSlots: 64, JobCap: 16, ConsoleOutCap: 256, ConsoleInCap: 64, ControlCap: 256}
	b := Open(NewHeapMem(c.Size()), c, true)
	m := &lifeModel{t: t, b: b, rng: rand.New(rand.NewSource(seed)), byPtr: map[uint32]*lifeTask{},
		expect: map[uint32]uint32{}, used: map[uint32]bool{}, done: make(chan struct{})}
	// Eight recurring addresses, shaped like task pointers (8 KiB blocks).
	for i := uint32(8); i > 0; i-- {
		m.free = append(m.free, 0x200000+i*0x2000+0x1c00)
	}
	init := &lifeTask{ptr: 0x100000 + 0x1c00, everRun: true}
	init.slot, _ = b.Tasks.Register(init.ptr, Idle, 0)
	m.byPtr[init.ptr] = init

	// The main thread's part: start a worker while jobs wait and too few are
	// idle (host.SpawnCount with floor 0).
	var live atomic.Int32
	stop := make(chan struct{})
	spawned := make(chan struct{})
	go func() {
		defer close(spawned)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if b.Jobs.Backlog() > b.Jobs.Idle() && live.Load() < 40 {
				live.Add(1)
				go m.worker(ceiling, &live)
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()
	go m.parent(init, forks)
	select {
	case <-m.done:
	case <-time.After(60 * time.Second):
		s := b.Snapshot()
		t.Fatalf("seed %d: the model machine stalled after %d forks (a lost wake, a lost retirement or an untaken job): %d jobs queued, %d idle, %d live workers, %d park cells in use",
			seed, m.created, len(s.Jobs.Queued), s.Jobs.Idle, live.Load(), len(s.Tasks))
	}
	close(stop)
	<-spawned
	for live.Load() > 0 { // wake the pool's waiters with empty jobs so they end
		b.Jobs.Push(&Job{}, nil)
		time.Sleep(time.Millisecond)
	}
	if f := m.failed.Load(); f != nil {
		t.Fatalf("seed %d: %s", seed, f)
	}
	return m
}

func TestLifecycleChurnWithRecurringPointers(t *testing.T) {
	forks := 3000
	if testing.Short() {
		forks = 500
	}
	var recur, leaves, reuses int
	for seed := int64(1); seed <= 4; seed++ {
		m := runLifecycle(t, seed, forks, uint32(seed%3))
		recur += m.recur
		leaves += int(m.leaves.Load())
		reuses += int(m.reuses.Load())
		require.Equal(t, uint32(1), m.b.Tasks.Live(), "seed %d: every child's slot freed, the parent's left", seed)
	}
	// The run exercised what it claims to.
	require.Greater(t, recur, 1000, "task pointers recurred")
	require.Greater(t, reuses, 1000, "pooled workers ran task after task")
	require.Greater(t, leaves, 0, "workers left the pool above its ceiling")
	t.Logf("recurring pointers %d, worker reuses %d, pool leaves %d", recur, reuses, leaves)
}
