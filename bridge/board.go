package bridge

// The worker board: one record per worker in which the worker says what it is
// doing, so that a machine that stops answering can be explained (issue 15):
// which workers wait for a job, run, are parked in which switch import, wait
// for console room or for the job queue. A worker writes only its own record,
// with plain atomic stores and no clock reading (a switch must stay cheap);
// the main thread notes when a record last changed, which gives "for how
// long".
//
// Record layout (16 bytes at the board's base + (id % BoardCap) * 16):
//
//	+0  id    the worker id that owns the record (0: never used)
//	+4  word  seq<<8 | state: seq counts changes, so an unchanged word means
//	          the worker has not moved since it was last read
//	+8  task  the task the worker runs (0: none)
//	+12 slot  its task table slot + 1 (0: none)
//
// Worker ids are handed out from 1 and never reused; two live workers share a
// record only when their ids are BoardCap apart, far more workers than a
// browser gives a page (WorkerLimit in host/ is 512).
type Board struct {
	m    Mem
	base uint32
}

// BoardCap is the number of worker records.
const BoardCap = 4096

const boardRec = 16

func boardSize() uint32 { return BoardCap * boardRec }

// Worker states, as a worker reports them on its board record.
const (
	WorkerNone         = 0  // no record
	WorkerJobWait      = 1  // in the pool, waiting for a job
	WorkerRunning      = 2  // running its task (kernel or user code)
	WorkerParkedCreate = 3  // parked in wasm_create_and_run_task
	WorkerParkedSwitch = 4  // parked in wasm_serialize_tasks
	WorkerConsoleWait  = 5  // in wasm_driver_hvc_put, waiting for room in the output ring
	WorkerQueueWait    = 6  // waiting for room in the job queue
	WorkerLoading      = 7  // copying and compiling a user program
	WorkerRetiring     = 8  // its task was reaped; giving the worker back
	WorkerStopped      = 9  // parked for good (the machine stopped, or it left the pool)
	WorkerBooting      = 10 // CPU 0's worker before and during _start
	numWorkerStates    = 11
)

const (
	workerStateMask = 0xff
	workerSeqShift  = 8
)

var workerStateNames = [numWorkerStates]string{
	WorkerNone:         "no record",
	WorkerJobWait:      "waiting for a job",
	WorkerRunning:      "running",
	WorkerParkedCreate: "parked in wasm_create_and_run_task",
	WorkerParkedSwitch: "parked in wasm_serialize_tasks",
	WorkerConsoleWait:  "waiting for console output room",
	WorkerQueueWait:    "waiting for job queue room",
	WorkerLoading:      "loading a program",
	WorkerRetiring:     "retiring (task reaped)",
	WorkerStopped:      "stopped",
	WorkerBooting:      "booting (_start)",
}

// WorkerStateName names a worker state for a dump.
func WorkerStateName(s uint32) string {
	if s < numWorkerStates {
		return workerStateNames[s]
	}
	return "unknown"
}

func (bd Board) rec(id uint32) uint32 { return bd.base + (id%BoardCap)*boardRec }

// Claim makes the record the worker's own, with a state and no task.
func (bd Board) Claim(id, state uint32) {
	r := bd.rec(id)
	bd.m.Store32(r, id)
	bd.m.Store32(r+8, 0)
	bd.m.Store32(r+12, 0)
	bd.set(r, state)
}

// Set records the worker's state. Only the owning worker calls it.
func (bd Board) Set(id, state uint32) { bd.set(bd.rec(id), state) }

func (bd Board) set(r, state uint32) {
	old := bd.m.Load32(r + 4)
	bd.m.Store32(r+4, (old>>workerSeqShift+1)<<workerSeqShift|state&workerStateMask)
}

// SetTask records the task (and its slot, NoSlot for none) the worker runs.
func (bd Board) SetTask(id, task, slot uint32) {
	r := bd.rec(id)
	bd.m.Store32(r+8, task)
	bd.m.Store32(r+12, slot+1)
}

// WorkerRecord is one worker's board record as read.
type WorkerRecord struct {
	ID    uint32
	State uint32
	Seq   uint32 // changes whenever the state is set
	Task  uint32
	Slot  uint32 // NoSlot: none
}

// Get reads the record of worker id; ok is false when the record belongs to
// no worker or to another one.
func (bd Board) Get(id uint32) (w WorkerRecord, ok bool) {
	r := bd.rec(id)
	if bd.m.Load32(r) != id || id == 0 {
		return WorkerRecord{ID: id}, false
	}
	word := bd.m.Load32(r + 4)
	return WorkerRecord{ID: id, State: word & workerStateMask, Seq: word >> workerSeqShift,
		Task: bd.m.Load32(r + 8), Slot: bd.m.Load32(r+12) - 1}, true
}
