package bridge

// The task table: one park cell per kernel task known to the host, found by
// task pointer through an open-addressing index. Section 5 of the ABI.
//
// Slot layout (32 bytes at SlotsBase + i*32):
//
//	+0  lock   park lock: 0 nothing pending, 1 wake pending, 2 retire
//	+4  last   the task that switched to this one (written before lock)
//	+8  task   the task pointer (0: slot free)
//	+12 flags  Parked | Released | Idle
//	+16 worker id of the worker running this task (0 before one took it)
//	+20 cpu    CPU number for idle tasks, else 0
//	+24 gen    generation, bumped on every reuse of the slot (for diagnostics)
//
// The index maps a task pointer to slot+1 (0 = empty) with linear probing and
// backward-shift deletion; it and the free-slot stack are guarded by one mutex.
// Lookups take the mutex too: they happen once per switch and the critical
// section is a few loads, far below the cost of the switch itself.
type Tasks struct {
	m        Mem
	mu       Mutex
	slots    uint32 // base of slot array
	index    uint32 // base of index (u32 per bucket)
	free     uint32 // base of free stack: count u32, then indices
	nSlots   uint32
	nBuckets uint32 // power of two
}

// Slot flags.
const (
	Parked   = 1
	Released = 2
	Idle     = 4
)

// Park lock values.
const (
	lockNone   = 0
	lockWake   = 1
	lockRetire = 2
)

const slotSize = 32

// NoSlot is returned when a lookup finds nothing.
const NoSlot = ^uint32(0)

func tasksSize(nSlots uint32) uint32 {
	return 16 + nSlots*slotSize + 2*nSlots*4 + 4 + nSlots*4
}

func newTasks(m Mem, base, nSlots uint32) Tasks {
	t := Tasks{m: m, mu: Mutex{m, base}, nSlots: nSlots, nBuckets: 2 * nSlots}
	if t.nBuckets&(t.nBuckets-1) != 0 {
		panic("bridge: task slots must be a power of two")
	}
	t.slots = base + 16
	t.index = t.slots + nSlots*slotSize
	t.free = t.index + t.nBuckets*4
	return t
}

// init fills the free stack; called once by the creator of the memory.
func (t Tasks) init() {
	for i := uint32(0); i < t.nSlots; i++ {
		t.m.Store32(t.free+4+4*i, t.nSlots-1-i)
	}
	t.m.Store32(t.free, t.nSlots)
}

func (t Tasks) slot(i uint32) uint32 { return t.slots + i*slotSize }

func (t Tasks) bucket(task uint32) uint32 {
	// Task pointers are 8 KiB-block aligned-ish: mix the bits before masking.
	h := task * 0x9e3779b1
	return (h ^ h>>15) & (t.nBuckets - 1)
}

// find returns the bucket holding task, or the empty bucket where it would go.
func (t Tasks) find(task uint32) (b uint32, found bool) {
	b = t.bucket(task)
	// The index never holds more entries than slots, half its buckets, so an
	// empty bucket always ends the probe; the bound only guards corruption.
	for i := uint32(0); i < t.nBuckets; i++ {
		v := t.m.Load32(t.index + 4*b)
		if v == 0 {
			return b, false
		}
		if t.m.Load32(t.slot(v-1)+8) == task {
			return b, true
		}
		b = (b + 1) & (t.nBuckets - 1)
	}
	panic("bridge: task index corrupt")
}

// Register creates the park cell of a task that is about to run for the first
// time (section 2.4 step 1, or an idle task of a CPU). If the pointer still
// names an old entry (the kernel reuses freed task addresses, 5.6), that entry
// is unlinked first and returned as retired so its worker can be reclaimed.
// It returns NoSlot when the table is full.
func (t Tasks) Register(task, flags, cpu uint32) (slot uint32, retired uint32) {
	retired = NoSlot
	t.mu.Lock()
	defer t.mu.Unlock()
	if b, found := t.find(task); found {
		retired = t.m.Load32(t.index+4*b) - 1
		t.unlinkBucket(b)
	}
	n := t.m.Load32(t.free)
	if n == 0 {
		return NoSlot, retired
	}
	slot = t.m.Load32(t.free + 4*n)
	t.m.Store32(t.free, n-1)
	s := t.slot(slot)
	t.m.Store32(s+0, lockNone)
	t.m.Store32(s+4, 0)
	t.m.Store32(s+8, task)
	t.m.Store32(s+12, flags)
	t.m.Store32(s+16, 0)
	t.m.Store32(s+20, cpu)
	t.m.Add32(s+24, 1)
	b, _ := t.find(task)
	t.m.Store32(t.index+4*b, slot+1)
	return slot, retired
}

// Lookup finds the slot of a task, or NoSlot.
func (t Tasks) Lookup(task uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, found := t.find(task)
	if !found {
		return NoSlot
	}
	return t.m.Load32(t.index+4*b) - 1
}

// Unlink removes a task pointer from the index (its slot stays allocated
// until Free) and returns its slot, or NoSlot.
func (t Tasks) Unlink(task uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, found := t.find(task)
	if !found {
		return NoSlot
	}
	slot := t.m.Load32(t.index+4*b) - 1
	t.unlinkBucket(b)
	return slot
}

// unlinkBucket empties bucket b and shifts later entries of its probe run back.
func (t Tasks) unlinkBucket(b uint32) {
	mask := t.nBuckets - 1
	for {
		t.m.Store32(t.index+4*b, 0)
		j := b
		for {
			j = (j + 1) & mask
			v := t.m.Load32(t.index + 4*j)
			if v == 0 {
				return
			}
			home := t.bucket(t.m.Load32(t.slot(v-1) + 8))
			// Move v back to b unless its home lies cyclically in (b, j].
			if (j > b && (home <= b || home > j)) || (j < b && home <= b && home > j) {
				t.m.Store32(t.index+4*b, v)
				b = j
				break
			}
		}
	}
}

// Free returns a slot to the free stack once its worker is done with it.
func (t Tasks) Free(slot uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.slot(slot)
	// A slot freed while its pointer is still indexed (never released) must
	// not leave a stale index entry behind.
	if b, found := t.find(t.m.Load32(s + 8)); found && t.m.Load32(t.index+4*b)-1 == slot {
		t.unlinkBucket(b)
	}
	t.m.Store32(s+8, 0)
	t.m.Store32(s+12, 0)
	n := t.m.Load32(t.free)
	t.m.Store32(t.free+4+4*n, slot)
	t.m.Store32(t.free, n+1)
}

// Live is the number of allocated slots.
func (t Tasks) Live() uint32 { return t.nSlots - t.m.Load32(t.free) }

// Task returns the task pointer of a slot.
func (t Tasks) Task(slot uint32) uint32 { return t.m.Load32(t.slot(slot) + 8) }

// SetWorker records which worker runs the slot's task.
func (t Tasks) SetWorker(slot, worker uint32) { t.m.Store32(t.slot(slot)+16, worker) }

// Worker is the id of the worker running the slot's task.
func (t Tasks) Worker(slot uint32) uint32 { return t.m.Load32(t.slot(slot) + 16) }

// CPU is the CPU number of an idle task's slot.
func (t Tasks) CPU(slot uint32) uint32 { return t.m.Load32(t.slot(slot) + 20) }

// Flags returns the slot's flags.
func (t Tasks) Flags(slot uint32) uint32 { return t.m.Load32(t.slot(slot) + 12) }

// Wake hands the CPU to the slot's task: last_task first, then the lock, so the
// woken side reads the right last_task (5.3 rule 1).
func (t Tasks) Wake(slot, from uint32) {
	s := t.slot(slot)
	t.m.Store32(s+4, from)
	t.m.Store32(s+0, lockWake)
	t.m.Notify(s, 1)
}

// Park blocks the calling worker until its task is switched to, and returns
// the task that switched to it. retire is true instead when the task was
// released and its worker may be reclaimed (2.5): either the release came
// while it was parked, or it had been released before it parked (self-reaping
// tasks release themselves before their final switch).
func (t Tasks) Park(slot uint32) (last uint32, retire bool) {
	s := t.slot(slot)
	if t.m.Or32(s+12, Parked)&Released != 0 {
		return 0, true
	}
	for {
		switch t.m.Xchg32(s, lockNone) {
		case lockWake:
			t.m.And32(s+12, ^uint32(Parked))
			return t.m.Load32(s + 4), false
		case lockRetire:
			return 0, true
		}
		t.m.Wait32(s, lockNone, -1)
	}
}

// Release marks the slot's task as reaped. It reports whether the task is
// parked right now, in which case its worker has been told to retire; if not,
// the task retires itself when it parks for the last time.
func (t Tasks) Release(slot uint32) (parked bool) {
	s := t.slot(slot)
	if t.m.Or32(s+12, Released)&Parked == 0 {
		return false
	}
	t.m.Store32(s, lockRetire)
	t.m.Notify(s, 1)
	return true
}

// Retire tells the slot's worker to abandon the task even though it was not
// released (used when a machine stops and parked workers are recycled).
func (t Tasks) Retire(slot uint32) {
	s := t.slot(slot)
	t.m.Or32(s+12, Released)
	t.m.Store32(s, lockRetire)
	t.m.Notify(s, 1)
}
