package bridge

// Jobs is the queue of work for pooled workers: bring a CPU up, or run a task
// for the first time. Producers are the workers executing wasm_start_cpu and
// wasm_create_and_run_task; consumers are idle workers. Both sides are workers,
// so one mutex guards the queue; idle workers sleep on the tail counter.
//
// Layout at base: mutex, head, tail, idle (workers waiting), then Cap records
// of JobSize bytes.
type Jobs struct {
	m    Mem
	base uint32
	cap  uint32
}

// Job kinds.
const (
	JobCPU  = 1 // bring up a secondary CPU: A = cpu, B = idle task, C = start stack
	JobTask = 2 // first run of a task: A = prev, B = new, C..F = bin_start, bin_end, data_start, table_start
)

// Job is one unit of work. Slot is the task table slot of the task it runs.
type Job struct {
	Kind             uint32
	Slot             uint32
	A, B, C, D, E, F uint32
	Name             [16]byte // task name (TASK_COMM_LEN), NUL padded
}

// JobSize is the size of one record.
const JobSize = 48

func jobsSize(capacity uint32) uint32 { return 16 + capacity*JobSize }

func newJobs(m Mem, base, capacity uint32) Jobs { return Jobs{m, base, capacity} }

func (q Jobs) mu() Mutex             { return Mutex{q.m, q.base} }
func (q Jobs) rec(pos uint32) uint32 { return q.base + 16 + (pos%q.cap)*JobSize }

// Idle is the number of workers waiting for a job.
func (q Jobs) Idle() uint32 { return q.m.Load32(q.base + 12) }

// Head is the number of jobs ever taken (mod 2^32): it stands still while
// queued jobs wait for a worker.
func (q Jobs) Head() uint32 { return q.m.Load32(q.base + 4) }

// Backlog is the number of jobs no worker has taken yet. Head is loaded
// before tail, so the difference cannot wrap whatever other agents do in
// between (tail loaded first, a push and two takes in between made it read
// as ~4 billion); it can over-count when they do, hence the clamp.
func (q Jobs) Backlog() uint32 {
	head := q.m.Load32(q.base + 4)
	return min(q.m.Load32(q.base+8)-head, q.cap)
}

// Push queues a job; the name bytes are written by setName (which may copy
// them straight from kernel memory) at the given bridge offset. It returns
// false when the queue is full.
func (q Jobs) Push(j *Job, setName func(off uint32)) bool {
	mu := q.mu()
	mu.Lock()
	head, tail := q.m.Load32(q.base+4), q.m.Load32(q.base+8)
	if tail-head >= q.cap {
		mu.Unlock()
		return false
	}
	r := q.rec(tail)
	for i, v := range [...]uint32{j.Kind, j.Slot, j.A, j.B, j.C, j.D, j.E, j.F} {
		q.m.Store32(r+uint32(4*i), v)
	}
	if setName != nil {
		setName(r + 32)
	} else {
		for i := uint32(0); i < 16; i++ {
			q.m.Store8(r+32+i, j.Name[i])
		}
	}
	q.m.Store32(q.base+8, tail+1)
	mu.Unlock()
	q.m.Notify(q.base+8, 1)
	return true
}

// Take blocks until a job is available and returns it. While it waits, the
// worker counts as idle.
func (q Jobs) Take() Job {
	j, _ := q.TakeUnder(NoCeiling)
	return j
}

// NoCeiling lets any number of workers wait for jobs.
const NoCeiling = ^uint32(0)

// TakeUnder is Take for a pool with a ceiling: a worker that would make more
// than ceiling workers idle takes nothing and gets ok == false, and should
// leave the pool. A queued job is always taken, whatever the ceiling.
func (q Jobs) TakeUnder(ceiling uint32) (j Job, ok bool) {
	mu := q.mu()
	if q.tryTake(mu, &j) {
		return j, true
	}
	for {
		idle := q.m.Load32(q.base + 12)
		if idle >= ceiling {
			return Job{}, false
		}
		if q.m.CAS32(q.base+12, idle, idle+1) == idle {
			break
		}
	}
	defer q.m.Add32(q.base+12, ^uint32(0))
	for {
		tail := q.m.Load32(q.base + 8)
		if q.tryTake(mu, &j) {
			return j, true
		}
		q.m.Wait32(q.base+8, tail, -1)
	}
}

// tryTake takes the job at the head, if there is one.
func (q Jobs) tryTake(mu Mutex, j *Job) bool {
	mu.Lock()
	defer mu.Unlock()
	head, tail := q.m.Load32(q.base+4), q.m.Load32(q.base+8)
	if head == tail {
		return false
	}
	*j = q.read(head)
	q.m.Store32(q.base+4, head+1)
	return true
}

// read returns the job record at queue position pos.
func (q Jobs) read(pos uint32) Job {
	r := q.rec(pos)
	var w [8]uint32
	for i := range w {
		w[i] = q.m.Load32(r + uint32(4*i))
	}
	j := Job{Kind: w[0], Slot: w[1], A: w[2], B: w[3], C: w[4], D: w[5], E: w[6], F: w[7]}
	for i := uint32(0); i < 16; i++ {
		j.Name[i] = q.m.Load8(r + 32 + i)
	}
	return j
}

// TaskName returns the job's task name up to its NUL.
func (j *Job) TaskName() string {
	for i, c := range j.Name {
		if c == 0 {
			return string(j.Name[:i])
		}
	}
	return string(j.Name[:])
}
