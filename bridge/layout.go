package bridge

// Sizes of the bridge memory's parts. Every agent builds the same Layout from
// the same Config, so the offsets agree without being transmitted.
type Config struct {
	TaskSlots     uint32 // power of two; the most tasks alive at once
	JobCap        uint32
	ConsoleOutCap uint32 // power of two
	ConsoleInCap  uint32 // power of two
	ControlCap    uint32 // power of two
}

// DefaultConfig is what the page uses.
var DefaultConfig = Config{
	TaskSlots:     4096,
	JobCap:        256,
	ConsoleOutCap: 4 << 20, // 4 MiB: a whole burst of output waits here, not in the kernel
	ConsoleInCap:  1 << 16,
	ControlCap:    1 << 18,
}

// Header words (byte offsets).
const (
	offMagic    = 0
	offDoorbell = 4               // bumped (and notified) whenever the main thread has work
	offState    = 8               // machine state, see State*
	offWorkers  = 12              // counter handing out worker ids
	offSwitches = 16              // context switches performed (statistics)
	offCreated  = 20              // tasks created (statistics)
	offClock    = 24              // u64 last clock value handed out (8-aligned)
	offCPUs     = 32              // 64 words: slot+1 of each CPU's idle task (0: offline)
	offLost     = offCPUs + 64*4  // control events dropped because the ring stayed full
	offLostKind = offLost + 4     // bit 1<<kind set for every kind of event dropped
	offMemCheck = offLostKind + 4 // host writes into kernel memory checked (memcheck mode)
	headerSize  = offMemCheck + 4
)

// Magic marks an initialised bridge memory.
const Magic = 0x47484231 // "GHB1"

// Machine states.
const (
	StateRunning  = 0
	StateStopping = 1 // a panic, halt or fatal error: workers stop taking work
)

// Bridge is the whole shared structure.
type Bridge struct {
	M          Mem
	Tasks      Tasks
	Jobs       Jobs
	ConsoleOut Ring
	ConsoleIn  Ring
	Control    Ring
	// InputStage is the offset of InputStageSize bytes only the main thread
	// uses: the page encodes console input there, and the host moves it
	// into ConsoleIn with a copy inside this memory.
	InputStage uint32
	// Board is where every worker says what it is doing (board.go).
	Board Board
	size  uint32
}

// InputStageSize is the size of the input staging area.
const InputStageSize = 4096

// Open lays the structure over m; init must be true for exactly one agent,
// the one that created the memory, before any other uses it.
func Open(m Mem, c Config, init bool) *Bridge {
	b := &Bridge{M: m}
	off := uint32(headerSize)
	place := func(n uint32) uint32 {
		at := (off + 7) &^ 7
		off = at + n
		return at
	}
	b.Tasks = newTasks(m, place(tasksSize(c.TaskSlots)), c.TaskSlots)
	b.Jobs = newJobs(m, place(jobsSize(c.JobCap)), c.JobCap)
	b.ConsoleOut = NewRing(m, place(ringSize(c.ConsoleOutCap)), c.ConsoleOutCap)
	b.ConsoleIn = NewRing(m, place(ringSize(c.ConsoleInCap)), c.ConsoleInCap)
	b.Control = NewRing(m, place(ringSize(c.ControlCap)), c.ControlCap)
	b.InputStage = place(InputStageSize)
	b.Board = Board{m, place(boardSize())}
	b.size = off
	if init {
		b.Tasks.init()
		m.Store32(offMagic, Magic)
	}
	return b
}

// Size is the number of bytes the layout needs.
func (c Config) Size() uint32 { return Open(nullMem{}, c, false).size }

// Pages is Size in 64 KiB wasm pages.
func (c Config) Pages() uint32 { return (c.Size() + 0xffff) >> 16 }

// Ring the main thread's doorbell: it waits on this word with Atomics.waitAsync.
func (b *Bridge) Ring() {
	b.M.Add32(offDoorbell, 1)
	b.M.Notify(offDoorbell, 1)
}

// Sleep blocks a worker for timeoutNs (negative: for good) on the magic
// word, which never changes once the bridge is open.
func (b *Bridge) Sleep(timeoutNs int64) { b.M.Wait32(offMagic, Magic, timeoutNs) }

// DoorbellAddr is the byte offset of the doorbell word.
func DoorbellAddr() uint32 { return offDoorbell }

// Doorbell reads the doorbell counter.
func (b *Bridge) Doorbell() uint32 { return b.M.Load32(offDoorbell) }

// State reads the machine state.
func (b *Bridge) State() uint32 { return b.M.Load32(offState) }

// SetState sets the machine state.
func (b *Bridge) SetState(s uint32) { b.M.Store32(offState, s) }

// NewWorkerID hands out worker ids from 1.
func (b *Bridge) NewWorkerID() uint32 { return b.M.Add32(offWorkers, 1) + 1 }

// CountSwitch and CountCreate feed the status panel.
func (b *Bridge) CountSwitch() { b.M.Add32(offSwitches, 1) }
func (b *Bridge) CountCreate() { b.M.Add32(offCreated, 1) }

// CountMemChecked adds n host writes into kernel memory that the memcheck
// mode checked; MemChecked reads the total, so that the page (and a test)
// can see the mode really ran.
func (b *Bridge) CountMemChecked(n uint32) { b.M.Add32(offMemCheck, n) }
func (b *Bridge) MemChecked() uint32       { return b.M.Load32(offMemCheck) }

// Switches and Created read the counters.
func (b *Bridge) Switches() uint32 { return b.M.Load32(offSwitches) }
func (b *Bridge) Created() uint32  { return b.M.Load32(offCreated) }

// SetCPU records the task table slot of CPU cpu's idle task (online), or
// clears it with NoSlot.
func (b *Bridge) SetCPU(cpu, slot uint32) {
	if cpu < 64 {
		b.M.Store32(offCPUs+4*cpu, slot+1)
	}
}

// CPUSlot returns the slot of CPU cpu's idle task, or NoSlot when offline.
func (b *Bridge) CPUSlot(cpu uint32) uint32 {
	if cpu >= 64 {
		return NoSlot
	}
	return b.M.Load32(offCPUs+4*cpu) - 1
}

// OnlineCPUs counts CPUs with an idle task.
func (b *Bridge) OnlineCPUs() int {
	n := 0
	for cpu := uint32(0); cpu < 64; cpu++ {
		if b.CPUSlot(cpu) != NoSlot {
			n++
		}
	}
	return n
}

// Clock turns raw readings of a shared time source into the kernel's clock:
// never below the last value any worker handed out (2.11, 10.13), and never
// negative.
func (b *Bridge) Clock(raw int64) int64 {
	if raw < 0 {
		raw = 0
	}
	for {
		last := b.M.Load64(offClock)
		if uint64(raw) <= last {
			return int64(last)
		}
		if b.M.CAS64(offClock, last, uint64(raw)) == last {
			return raw
		}
	}
}

// nullMem lets Config.Size compute the layout without memory.
type nullMem struct{}

func (nullMem) Load32(uint32) uint32                { return 0 }
func (nullMem) Store32(uint32, uint32)              {}
func (nullMem) Add32(uint32, uint32) uint32         { return 0 }
func (nullMem) Or32(uint32, uint32) uint32          { return 0 }
func (nullMem) And32(uint32, uint32) uint32         { return 0 }
func (nullMem) Xchg32(uint32, uint32) uint32        { return 0 }
func (nullMem) CAS32(uint32, uint32, uint32) uint32 { return 0 }
func (nullMem) Load64(uint32) uint64                { return 0 }
func (nullMem) CAS64(uint32, uint64, uint64) uint64 { return 0 }
func (nullMem) Wait32(uint32, uint32, int64) uint32 { return 0 }
func (nullMem) Notify(uint32, uint32) uint32        { return 0 }
func (nullMem) Load8(uint32) byte                   { return 0 }
func (nullMem) Store8(uint32, byte)                 {}
