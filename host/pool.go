package host

import (
	"sort"
	"time"

	"github.com/linuxwasm/gohost/bridge"
)

// Pool is the main thread's book of the machine's pooled workers: how many
// to start, which are still starting, and which have left and may be
// terminated. It decides; the Machine (workers_js.go, loop_js.go) creates and
// terminates the Web Workers. Plain Go, so the policy is tested natively.
//
// Two rules keep a host bug from freezing the machine:
//
//   - A worker is terminated only once it can no longer hold a bridge lock:
//     after EvLeave, when its board record says stopped (bridge.Leave sets it
//     after the post returned and the control mutex was released). A worker
//     terminated on the event alone could die holding that mutex.
//   - A worker that has not said it is ready within StartBound stops being
//     counted as starting, so a lost EvReady (a control ring full for a
//     second) or a worker the browser never starts cannot hold the count up
//     and leave a queued job without a worker. If its board record shows it
//     took its place in the pool, it is up and only its event was lost;
//     otherwise it is counted as failed and another is started in its place.
//     It is not terminated: it may be just about to claim a record and take
//     the control mutex, and a late start only adds an idle worker.
type Pool struct {
	floor, ceiling int
	// StartBound is how long a new worker may take to report ready.
	StartBound time.Duration

	starting map[uint32]time.Time // spawned, not yet ready: when spawned
	leaving  map[uint32]bool      // said EvLeave, not yet seen stopped
	failed   int                  // workers counted as failed to start
	// cpu0Up: CPU 0's worker has its kernel instance. Until then the floor
	// is not kept, only queued jobs get workers: the pool's kernel
	// instantiations would share the cores with CPU 0's own, which every
	// console line waits for, and nothing can queue a job before CPU 0 runs.
	cpu0Up bool
}

// DefaultStartBound is far above a worker's start-up (tens of milliseconds,
// about a second and a half for 32 at once on two busy cores).
const DefaultStartBound = 10 * time.Second

// NewPool returns the book of a pool keeping floor idle workers ready and at
// most ceiling idle (raised to floor).
func NewPool(floor, ceiling int) *Pool {
	return &Pool{floor: floor, ceiling: PoolCeiling(floor, ceiling), StartBound: DefaultStartBound,
		starting: map[uint32]time.Time{}, leaving: map[uint32]bool{}}
}

// Floor is the number of idle workers kept ready; 0 starts workers on demand.
func (p *Pool) Floor() int { return p.floor }

// Ceiling is the number of idle workers kept at most.
func (p *Pool) Ceiling() int { return p.ceiling }

// Spawned records a pool worker just created.
func (p *Pool) Spawned(id uint32, now time.Time) { p.starting[id] = now }

// Ready records a worker's EvReady. It reports whether the worker was still
// counted as starting (false: it was already given up on, or is unknown).
func (p *Pool) Ready(id uint32) bool {
	_, ok := p.starting[id]
	delete(p.starting, id)
	return ok
}

// Starting is the number of workers counted as starting.
func (p *Pool) Starting() int { return len(p.starting) }

// Failed is the number of workers given up on because they did not start.
func (p *Pool) Failed() int { return p.failed }

// Forget drops a worker from the book (it was terminated, or its machine stopped).
func (p *Pool) Forget(id uint32) {
	delete(p.starting, id)
	delete(p.leaving, id)
}

// Spawn is how many workers to start now for backlog queued jobs with idle
// workers waiting and total workers alive, after reconciling the starting
// count at now against the workers' board records. It also returns the
// workers given up on in this call, oldest first, for the log.
func (p *Pool) Spawn(now time.Time, board BoardReader, backlog, idle, total int) (n int, gaveUp []uint32) {
	for id, at := range p.starting {
		if now.Sub(at) < p.StartBound {
			continue
		}
		delete(p.starting, id)
		if r, ok := board.Get(id); ok && r.State != bridge.WorkerNone {
			continue // up: only its EvReady was lost
		}
		p.failed++
		gaveUp = append(gaveUp, id)
	}
	sort.Slice(gaveUp, func(i, j int) bool { return gaveUp[i] < gaveUp[j] })
	floor := p.floor
	if !p.cpu0Up {
		floor = 0
	}
	return SpawnCount(backlog, idle, len(p.starting), total, floor), gaveUp
}

// CPU0Up records that CPU 0's worker has its kernel instance (its board
// record is claimed): from now on the floor is kept.
func (p *Pool) CPU0Up() { p.cpu0Up = true }

// WaitsForCPU0 reports whether the floor still waits for CPU0Up.
func (p *Pool) WaitsForCPU0() bool { return !p.cpu0Up }

// BoardReader reads a worker's board record (bridge.Board).
type BoardReader interface {
	Get(id uint32) (bridge.WorkerRecord, bool)
}

// Leave records a worker's EvLeave: it is terminated once Departed says so.
func (p *Pool) Leave(id uint32) { p.leaving[id] = true }

// Departed returns the leaving workers that may be terminated now (their
// board record says stopped, or belongs to another worker, so it can tell
// nothing more) and drops them from the book.
func (p *Pool) Departed(board BoardReader) []uint32 {
	var out []uint32
	for id := range p.leaving {
		r, ok := board.Get(id)
		if ok && r.State != bridge.WorkerStopped {
			continue
		}
		delete(p.leaving, id)
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Leaving is the number of workers that left but are not yet terminated.
func (p *Pool) Leaving() int { return len(p.leaving) }

// StockSizes is how many started workers (Go running, no machine yet) the
// page keeps, by phase, for a browser reporting cores hardware threads.
//
//   - early: made while the kernel downloads and compiles. The kernel's
//     compile is the longest job before the first console line and runs on
//     the browser's compile threads; every Go runtime started meanwhile
//     takes a core from it. Only CPU 0's worker and the first kthread's
//     are worth that.
//   - boot: made once the kernel is compiled, for the boot's first burst
//     (about 40 kthreads, one after another, each waiting for a worker):
//     a worker started on demand costs its Go start-up (tens of
//     milliseconds, more on busy cores) on the kernel's critical path.
//     Starting more at once than there are cores to start them only
//     queues them, so it grows with the cores, up to 12.
//   - quiet: kept once a machine is quiet, for the next command.
func StockSizes(cores int) (early, boot, quiet int) {
	if cores < 1 {
		cores = 1
	}
	return 2, min(12, 4*cores), 2
}
