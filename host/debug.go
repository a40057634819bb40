package host

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/linuxwasm/gohost/bridge"
)

// A DebugState explains a machine: what every worker is doing and for how
// long, every park cell, the job queue, the rings, the CPUs, the pool and the
// stock. gohost.debugState() returns it (as Map), and the hang watchdog puts
// it (as Text) in the log when the machine stops answering (issue 15). It is
// plain Go so that its rules and its text are tested natively.
type DebugState struct {
	Stage    string
	UptimeMs int64
	Bridge   bridge.Snapshot
	Workers  []WorkerDebug
	// Main-thread bookkeeping of the pool and the stock.
	Starting, Stock, PendingInput int
	// KernelReports summarises the fault reports the kernel printed
	// (internal/kfault), oldest first.
	KernelReports []string
}

// WorkerDebug is one live worker as the main thread and its board record
// see it.
type WorkerDebug struct {
	ID    uint32
	What  string // what the main thread knows it runs ("CPU 1 [idle] (0x..)", "idle", "starting")
	State string // its board state
	Task  uint32
	Slot  uint32 // bridge.NoSlot: none
	For   time.Duration
}

// boardSeen remembers when the main thread first saw a worker's board record
// as it is now, which gives how long it has been in that state.
type boardSeen struct {
	seq, state uint32
	since      time.Time
}

// noteBoard updates seen from a record read at now and returns how long the
// record has been unchanged.
func noteBoard(seen map[uint32]boardSeen, r bridge.WorkerRecord, now time.Time) time.Duration {
	s, ok := seen[r.ID]
	if !ok || s.seq != r.Seq || s.state != r.State {
		s = boardSeen{seq: r.Seq, state: r.State, since: now}
		seen[r.ID] = s
	}
	return now.Sub(s.since)
}

// HangAfter is how long console input may wait unread, or a job for a
// worker, before the watchdog calls the machine hung. The real kernel polls
// the console at least every 2 s (khvcd's longest back-off), and a pooled
// worker takes a job within milliseconds.
var HangAfter = 10 * time.Second

// hangWatch notices a machine that stopped answering. It fires once per
// episode, and again only after progress resumed; takeResumed reports that
// progress once per fired episode, so the page can take back "not answering".
type hangWatch struct {
	inConsumed, jobHead uint32
	inSince, jobSince   time.Time
	inSwitches          uint32 // task switches when input began to wait
	fired, resumed      bool
}

// check looks at the input ring (bytes waiting, bytes consumed so far), the
// job queue (jobs waiting, head position) and the task switch counter at now,
// and returns why the machine looks hung, or "".
//
// Input left unread while tasks go on switching is reported too, with that
// said: the kernel stops reading the console when the terminal's buffer is
// full and the program in the foreground does not read (a long paste into
// `sleep`), which is not a hang, but neither the spec nor the facts let the
// host tell it from a console thread that no longer runs.
func (w *hangWatch) check(now time.Time, inLen, inConsumed, backlog, jobHead, switches uint32) string {
	// Progress: the kernel read input, or a worker took a job.
	if inConsumed != w.inConsumed || jobHead != w.jobHead {
		if w.fired {
			w.resumed = true
		}
		w.fired = false
	}
	// Each clock starts when something is first seen waiting with no
	// progress since.
	if inLen == 0 || inConsumed != w.inConsumed {
		w.inSince = time.Time{}
	}
	if inLen > 0 && w.inSince.IsZero() {
		w.inSince, w.inSwitches = now, switches
	}
	if backlog == 0 || jobHead != w.jobHead {
		w.jobSince = time.Time{}
	}
	if backlog > 0 && w.jobSince.IsZero() {
		w.jobSince = now
	}
	w.inConsumed, w.jobHead = inConsumed, jobHead
	if w.fired {
		return ""
	}
	var why []string
	if inLen > 0 && now.Sub(w.inSince) >= HangAfter {
		s := fmt.Sprintf("%d bytes of console input have waited %v unread by the kernel", inLen, now.Sub(w.inSince).Round(time.Second))
		if n := switches - w.inSwitches; n > 0 {
			s += fmt.Sprintf(" while its tasks went on switching (%d switches): the program in the foreground may not be reading (a full terminal buffer), or the console thread is stuck", n)
		}
		why = append(why, s)
	}
	if backlog > 0 && now.Sub(w.jobSince) >= HangAfter {
		why = append(why, fmt.Sprintf("%d jobs (new tasks or CPUs) have waited %v for a worker", backlog, now.Sub(w.jobSince).Round(time.Second)))
	}
	if len(why) == 0 {
		return ""
	}
	w.fired = true
	return strings.Join(why, "; ")
}

// takeResumed reports, once, that a machine the watchdog fired on has made
// progress since (input read, or a job taken).
func (w *hangWatch) takeResumed() bool {
	r := w.resumed
	w.resumed = false
	return r
}

func hex32(v uint32) string { return fmt.Sprintf("0x%x", v) }

func slotText(s uint32) any {
	if s == bridge.NoSlot {
		return nil
	}
	return s
}

func flagsText(f uint32) string {
	var parts []string
	for _, x := range []struct {
		bit  uint32
		name string
	}{{bridge.Parked, "parked"}, {bridge.Released, "released"}, {bridge.Idle, "idle-task"}} {
		if f&x.bit != 0 {
			parts = append(parts, x.name)
		}
	}
	return strings.Join(parts, "|")
}

func lockText(l uint32) string {
	switch l {
	case 0:
		return "none"
	case 1:
		return "wake-pending"
	case 2:
		return "retire"
	}
	return fmt.Sprint(l)
}

func jobText(j bridge.Job) string {
	switch j.Kind {
	case bridge.JobCPU:
		return fmt.Sprintf("start CPU %d (idle task %s)", j.A, hex32(j.B))
	case bridge.JobTask:
		return fmt.Sprintf("run new task %s %q from %s (program %s-%s)", hex32(j.B), j.TaskName(), hex32(j.A), hex32(j.C), hex32(j.D))
	}
	return fmt.Sprintf("kind %d", j.Kind)
}

func ringMap(r bridge.RingState) map[string]any {
	return map[string]any{"head": r.Head, "tail": r.Tail, "unread": r.Tail - r.Head, "cap": r.Cap, "mutex": r.Mutex}
}

// Map is the state as plain values (numbers, strings, lists, maps), which
// syscall/js turns into a JS object.
func (d *DebugState) Map() map[string]any {
	b := &d.Bridge
	workers := make([]any, 0, len(d.Workers))
	for _, w := range d.Workers {
		workers = append(workers, map[string]any{"id": w.ID, "what": w.What, "state": w.State,
			"task": hex32(w.Task), "slot": slotText(w.Slot), "forMs": w.For.Milliseconds()})
	}
	cells := make([]any, 0, len(b.Tasks))
	for _, c := range b.Tasks {
		cells = append(cells, map[string]any{"slot": c.Slot, "task": hex32(c.Task), "lock": lockText(c.Lock),
			"last": hex32(c.Last), "flags": flagsText(c.Flags), "worker": c.Worker, "cpu": c.CPU, "gen": c.Gen, "indexed": c.Indexed})
	}
	cpus := make([]any, 0, len(b.CPUs))
	for _, c := range b.CPUs {
		cpus = append(cpus, map[string]any{"cpu": c.CPU, "idleTask": hex32(c.Task), "slot": c.Slot})
	}
	jobs := make([]any, 0, len(b.Jobs.Queued))
	for _, j := range b.Jobs.Queued {
		jobs = append(jobs, jobText(j))
	}
	return map[string]any{
		"stage": d.Stage, "uptimeMs": d.UptimeMs, "machineState": b.State,
		"doorbell": b.Doorbell, "switches": b.Switches, "tasksCreated": b.Created,
		"cpus": cpus, "workers": workers, "parkCells": cells,
		"jobs":          map[string]any{"head": b.Jobs.Head, "tail": b.Jobs.Tail, "idleWorkers": b.Jobs.Idle, "mutex": b.Jobs.Mutex, "queued": jobs},
		"rings":         map[string]any{"consoleOut": ringMap(b.ConsoleOut), "consoleIn": ringMap(b.ConsoleIn), "control": ringMap(b.Control)},
		"pool":          map[string]any{"idle": b.Jobs.Idle, "starting": d.Starting, "stock": d.Stock},
		"pendingInput":  d.PendingInput,
		"kernelReports": stringsAny(d.KernelReports),
		"irqWords":      "not available: the kernel keeps its per-CPU raised_irqs words at addresses the host interface does not name",
	}
}

// Text is the state as a readable report, one line per worker and park cell.
func (d *DebugState) Text() string {
	b := &d.Bridge
	var s strings.Builder
	fmt.Fprintf(&s, "gohost state dump: stage %s, uptime %v, machine state %d, %d switches, %d tasks created, doorbell %d\n",
		d.Stage, time.Duration(d.UptimeMs)*time.Millisecond, b.State, b.Switches, b.Created, b.Doorbell)
	fmt.Fprintf(&s, "CPUs online: %d:", len(b.CPUs))
	for _, c := range b.CPUs {
		fmt.Fprintf(&s, " cpu%d=%s(slot %d)", c.CPU, hex32(c.Task), c.Slot)
	}
	fmt.Fprintf(&s, "\nworkers: %d (starting %d, idle in pool %d, stock %d)\n", len(d.Workers), d.Starting, b.Jobs.Idle, d.Stock)
	for _, w := range d.Workers {
		fmt.Fprintf(&s, "  worker %d: %s for %v, task %s slot %v; %s\n", w.ID, w.State, w.For.Round(time.Millisecond), hex32(w.Task), slotText(w.Slot), w.What)
	}
	fmt.Fprintf(&s, "park cells: %d\n", len(b.Tasks))
	for _, c := range b.Tasks {
		idx := ""
		if !c.Indexed {
			idx = ", unlinked"
		}
		fmt.Fprintf(&s, "  slot %d: task %s lock %s last %s flags [%s] worker %d cpu %d gen %d%s\n",
			c.Slot, hex32(c.Task), lockText(c.Lock), hex32(c.Last), flagsText(c.Flags), c.Worker, c.CPU, c.Gen, idx)
	}
	fmt.Fprintf(&s, "job queue: head %d tail %d, %d idle workers, mutex %d\n", b.Jobs.Head, b.Jobs.Tail, b.Jobs.Idle, b.Jobs.Mutex)
	for _, j := range b.Jobs.Queued {
		fmt.Fprintf(&s, "  queued: %s\n", jobText(j))
	}
	for _, r := range []struct {
		name string
		st   bridge.RingState
	}{{"console out", b.ConsoleOut}, {"console in", b.ConsoleIn}, {"control", b.Control}} {
		fmt.Fprintf(&s, "ring %s: head %d tail %d (%d unread of %d), mutex %d\n", r.name, r.st.Head, r.st.Tail, r.st.Tail-r.st.Head, r.st.Cap, r.st.Mutex)
	}
	fmt.Fprintf(&s, "input waiting in the host (not yet in the ring): %d bytes\n", d.PendingInput)
	for _, k := range d.KernelReports {
		fmt.Fprintf(&s, "kernel report: %s\n", k)
	}
	return s.String()
}

func stringsAny(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}

// sortWorkers orders workers by id, for a stable dump.
func sortWorkers(ws []WorkerDebug) {
	sort.Slice(ws, func(i, j int) bool { return ws[i].ID < ws[j].ID })
}
