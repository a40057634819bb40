package bridge

// A Snapshot is everything the bridge memory says about a machine at one
// moment: the header counters, the online CPUs, every park cell, the job
// queue, the rings' positions. It is read without taking any lock (a
// machine that has stopped answering may hold one for good), so fields read
// while agents move can disagree slightly; it is for diagnostics only.
type Snapshot struct {
	State, Doorbell, Switches, Created uint32
	CPUs                               []CPUCell
	Tasks                              []TaskCell
	Jobs                               JobsState
	ConsoleOut, ConsoleIn, Control     RingState
}

// CPUCell is an online CPU and its idle task.
type CPUCell struct {
	CPU, Slot, Task uint32
}

// TaskCell is one task table slot in use: its park cell and bookkeeping.
type TaskCell struct {
	Slot, Task, Lock, Last, Flags, Worker, CPU, Gen uint32
	Indexed                                         bool // found by its task pointer (not yet released)
}

// JobsState is the job queue: positions, waiting workers, queued jobs.
type JobsState struct {
	Head, Tail, Idle, Mutex uint32
	Queued                  []Job
}

// RingState is a ring's positions and mutex word.
type RingState struct {
	Head, Tail, Cap, Mutex uint32
}

// Snapshot reads the whole structure. Any agent may call it.
func (b *Bridge) Snapshot() Snapshot {
	s := Snapshot{State: b.State(), Doorbell: b.Doorbell(), Switches: b.Switches(), Created: b.Created()}
	for cpu := uint32(0); cpu < 64; cpu++ {
		if slot := b.CPUSlot(cpu); slot != NoSlot {
			s.CPUs = append(s.CPUs, CPUCell{CPU: cpu, Slot: slot, Task: b.Tasks.Task(slot)})
		}
	}
	s.Tasks = b.Tasks.cells()
	s.Jobs = b.Jobs.state()
	s.ConsoleOut, s.ConsoleIn, s.Control = b.ConsoleOut.state(), b.ConsoleIn.state(), b.Control.state()
	return s
}

// cells lists the slots in use, without the mutex.
func (t Tasks) cells() []TaskCell {
	var out []TaskCell
	for i := uint32(0); i < t.nSlots; i++ {
		s := t.slot(i)
		task := t.m.Load32(s + 8)
		if task == 0 {
			continue
		}
		c := TaskCell{Slot: i, Task: task, Lock: t.m.Load32(s), Last: t.m.Load32(s + 4), Flags: t.m.Load32(s + 12),
			Worker: t.m.Load32(s + 16), CPU: t.m.Load32(s + 20), Gen: t.m.Load32(s + 24)}
		b := t.bucket(task)
		for j := uint32(0); j < t.nBuckets; j++ {
			v := t.m.Load32(t.index + 4*b)
			if v == 0 {
				break
			}
			if v-1 == i {
				c.Indexed = true
				break
			}
			b = (b + 1) & (t.nBuckets - 1)
		}
		out = append(out, c)
	}
	return out
}

// state reads the queue's positions and the jobs not yet taken.
func (q Jobs) state() JobsState {
	st := JobsState{Head: q.m.Load32(q.base + 4), Tail: q.m.Load32(q.base + 8), Idle: q.Idle(), Mutex: q.m.Load32(q.base)}
	for pos := st.Head; pos != st.Tail && uint32(len(st.Queued)) < q.cap; pos++ {
		st.Queued = append(st.Queued, q.read(pos))
	}
	return st
}

func (r Ring) state() RingState {
	return RingState{Head: r.m.Load32(r.base), Tail: r.m.Load32(r.base + 4), Cap: r.cap, Mutex: r.m.Load32(r.base + 8)}
}
