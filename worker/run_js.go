package worker

import (
	"strconv"
	"syscall/js"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/hostmem"
	"github.com/linuxwasm/gohost/internal/memcheck"
)

var (
	br *bridge.Bridge
	g  glue
)

// self is this worker's state. One worker runs one task at a time, and all of
// this is touched only by this worker's single goroutine (exports run on it).
var self struct {
	id   uint32
	slot uint32 // task table slot of the running task
	task uint32

	// The program wasm_load_executable recorded, to start at the next reload.
	// A program that could not be copied or compiled is still pending, with
	// its error: exec is past its point of no return, so the task must end
	// (raise_exception) rather than fall back to the old program.
	prog struct {
		pending               bool
		loadErr               error
		module                js.Value
		tableSize             uint32
		dataStart, tableStart uint32
		// memSize is the module's own dylink.0 memory size (memcheck mode
		// only): what its start function initialises at __memory_base.
		memSize uint32
		// reserved is the data area's size by the image (DataSize), -1
		// when it has none.
		reserved int64
	}
	userLive      bool   // a user instance exists
	exports       uint32 // which optional user exports it has (bit per slot)
	signalPending bool   // flow 1 arrived before the instance existed
	handlersRun   uint32 // signal handler runs started, to tell whether raise_exception ran one
}

// Main runs the worker: set up from worker.js's gohostWorker object, then run
// the primary CPU or take jobs forever. It never returns (a returning Go main
// would break every later export call).
func Main() {
	g = glue{js.Global().Get("gohostWorker")}
	awaitMachine()
	br = bridge.Open(hostmem.Mem{}, bridge.DefaultConfig, false)
	start := g.get("start") // bridge.MachineStart
	self.id = uint32(start.Get(bridge.KeyID).Int())
	startMemcheck(start.Get(bridge.KeyMemcheck).Truthy())
	takeSharedPrograms(start.Get(bridge.KeyPrograms))
	if start.Get(bridge.KeyRole).String() == bridge.RolePrimary {
		br.Board.Claim(self.id, bridge.WorkerBooting)
		// Rings the doorbell: the main thread keeps the pool's floor from
		// now on (Pool.CPU0Up), its instantiations no longer competing with
		// this one. Dropped only if the ring stays full for a second; the
		// next round sees the claimed record anyway.
		br.PostText(bridge.EvReady, self.id, "")
		runPrimary()
		idleForever()
	}
	br.Board.Claim(self.id, bridge.WorkerJobWait)
	// Dropped only if the control ring stays full for a second: the main
	// thread's pool then sees this worker's board record instead (Pool.Spawn).
	br.PostText(bridge.EvReady, self.id, "")
	ceiling := uint32(start.Get(bridge.KeyPoolCeiling).Int())
	for {
		if br.State() == bridge.StateStopping {
			idleForever()
		}
		br.Board.Set(self.id, bridge.WorkerJobWait)
		// An idle worker waits for a job as long as it takes: it holds no
		// lock while it waits, and the main thread may terminate it only
		// after it left (bridge.Leave) or when the machine stops.
		j, ok := br.Jobs.TakeUnder(ceiling)
		if !ok {
			// Enough workers are idle already: leave, and the main thread
			// terminates this one once its board says stopped (bridge.Leave:
			// never while it could hold a bridge lock). If it cannot be
			// told, stay in the pool.
			if br.Leave(self.id) {
				idleForever()
			}
			j = br.Jobs.Take()
		}
		runJob(&j)
	}
}

// awaitMachine returns once worker.js has given this worker a machine. Go
// starts before that (so a pooled worker is ready sooner), and until then the
// hostmem forwarder's table is empty: nothing here may touch the bridge. The
// wait is the only time the worker's Go yields to its JS event loop; the
// machine message calls assign, and from inside that call Go runs the worker
// for good.
func awaitMachine() {
	given := make(chan struct{})
	assign := js.FuncOf(func(js.Value, []js.Value) any {
		close(given)
		return nil
	})
	g.v.Set("assign", assign)
	kernel, user := make([]any, len(KernelTargets)), make([]any, len(UserTargets))
	for i, n := range KernelTargets {
		kernel[i] = n
	}
	for i, n := range UserTargets {
		user[i] = n
	}
	g.v.Set("targets", map[string]any{"kernel": kernel, "user": user, "userBase": UserTargetBase})
	<-given
	g.v.Delete("assign")
	assign.Release()
}

// idleForever parks the worker for good (the machine is dead); the main thread
// terminates it.
func idleForever() {
	if br != nil {
		br.Board.Set(self.id, bridge.WorkerStopped)
	}
	for {
		br.Sleep(-1)
	}
}

// writeBootParams writes the command line and places the initrd (section 4
// steps 6-7): each into the range the spec gives it, and only there.
// It returns an error text, or "".
func writeBootParams(cmdline string) string {
	a := g.v.Call("bootAddrs")
	at, s0, e0 := uint32(a.Get("cmdline").Int()), uint32(a.Get("initrdStart").Int()), uint32(a.Get("initrdEnd").Int())
	word := uint32(a.Get("wordSize").Int())
	// boot_command_line is char[COMMAND_LINE_SIZE]: at most 511 bytes and
	// the NUL (the host refused longer ones already: host.CheckCmdline).
	cmd := []byte(cmdline)
	if len(cmd) > commandLineSize-1 {
		cmd = cmd[:commandLineSize-1]
	}
	grant(memcheck.Cmdline, at, commandLineSize)
	ok := writeKernel(memcheck.Cmdline, at, append(cmd, 0))
	overrun(memcheck.Cmdline, at+commandLineSize)
	revoke(memcheck.Cmdline)
	if !ok {
		return "the command line write was refused"
	}
	r := g.v.Call("growForInitrd")
	if e := r.Get("error"); !e.IsUndefined() {
		return e.String()
	}
	start, n, end := uint32(r.Get("start").Int()), uint32(r.Get("len").Int()), uint32(r.Get("end").Int())
	if n == 0 {
		return ""
	}
	// The initrd goes into the pages the host itself just grew, directly
	// above the memory as it stood.
	grant(memcheck.Initrd, start, end-start)
	ok = mayWrite(memcheck.Initrd, start, n)
	if ok {
		g.v.Call("copyInitrd", start)
	}
	overrun(memcheck.Initrd, start-1)
	revoke(memcheck.Initrd)
	if !ok {
		return "the initrd copy was refused"
	}
	for _, w := range []struct {
		k         memcheck.Kind
		addr, val uint32
	}{{memcheck.InitrdStart, s0, start}, {memcheck.InitrdEnd, e0, start + n}} {
		// unsigned long, little-endian: 4 bytes, 8 on wasm64
		b := make([]byte, word)
		for i := 0; i < 4; i++ {
			b[i] = byte(w.val >> (8 * i))
		}
		grant(w.k, w.addr, word)
		ok = writeKernel(w.k, w.addr, b)
		overrun(w.k, w.addr+word)
		revoke(w.k)
		if !ok {
			return "the " + w.k.String() + " write was refused"
		}
	}
	return ""
}

// commandLineSize is COMMAND_LINE_SIZE (section 4; 512 in both kernel
// generations, gen2-interface-facts.md section 2).
const commandLineSize = 512

// runPrimary boots CPU 0 (section 4, steps 4-8): the kernel instance exists
// and its one-time data initialisation is done, so the boot parameters can be
// written now without being overwritten.
func runPrimary() {
	initTask := g.uint("initTask")
	slot, _ := br.Tasks.Register(initTask, bridge.Idle, 0)
	br.SetCPU(0, slot)
	self.slot, self.task = slot, initTask
	br.Tasks.SetWorker(slot, self.id)
	br.Board.SetTask(self.id, initTask, slot)
	if err := writeBootParams(g.get("start").Get(bridge.KeyCmdline).String()); err != "" {
		fatal("boot parameters: " + err)
		return
	}
	r := call(slotStart)
	switch r.Code {
	case 0:
		// _start returns only when it could not grow memory by 16 pages.
		// The event first: a post gives up at once in the stopping state.
		// Should it be dropped (a control ring full for a second), the main
		// thread still learns of it from the bridge's lost-event record.
		br.PostText(bridge.EvHalt, 0, "the kernel could not allocate 16 pages of memory")
		br.SetState(bridge.StateStopping)
	case CodePanic:
	default:
		afterKernelUnwind(r)
	}
}

func runJob(j *bridge.Job) {
	self.slot, self.task = j.Slot, j.B
	br.Tasks.SetWorker(j.Slot, self.id)
	br.Board.SetTask(self.id, j.B, j.Slot)
	br.Board.Set(self.id, bridge.WorkerRunning)
	var r Result
	switch j.Kind {
	case bridge.JobCPU:
		// EvTaskStart and EvTaskEnd only label the worker in the status
		// panel; the board record says the same, so a dropped one costs a
		// stale label and nothing else.
		br.PostText(bridge.EvTaskStart, self.id, "CPU "+strconv.Itoa(int(j.A))+" [idle] ("+hex(j.B)+")")
		r = call(slotStartSecondary, j.C)
		if r.Code == 0 {
			fatal("_start_secondary returned on CPU " + strconv.Itoa(int(j.A)))
		}
	case bridge.JobTask:
		br.PostText(bridge.EvTaskStart, self.id, j.TaskName()+" ("+hex(j.B)+")")
		clone := false
		if j.C != 0 {
			// A user clone child: its program is the parent's image. If it
			// cannot be loaded here, setupUser ends the child alone.
			loadProgram(j.C, j.D, j.E, j.F)
			clone = true
		}
		r = call(slotRetFromFork, j.A, j.B)
		switch {
		case r.Code == 0 && r.Value == 1 && clone:
			r = runUser(true)
		case r.Code == 0 && r.Value == 0 && self.prog.pending, r.Code == CodeReload:
			r = runUser(false)
		case r.Code == 0:
			fatal("ret_from_fork returned " + strconv.Itoa(int(r.Value)) + " with no program to run")
		}
	default:
		fatal("unknown job kind " + strconv.Itoa(int(j.Kind)))
	}
	afterKernelUnwind(r)
	finishTask()
}

// afterKernelUnwind handles how a top-level call ended.
func afterKernelUnwind(r Result) {
	switch r.Code {
	case 0, CodeRetire:
	case CodePanic:
		idleForever()
	case CodeTrap, CodeHostError, CodeSigReturn:
		// A trap in kernel code (a kthread's unreachable, 6.8): the kernel kills
		// the task in raise_exception, which ends in its final switch.
		logf("task " + hex(self.task) + ": " + CodeName(r.Code) + ": " + g.lastError())
		finishTaskCode(raiseException())
	default:
		fatal("unexpected unwind " + CodeName(r.Code))
	}
}

func finishTaskCode(r Result) {
	if r.Code == CodePanic {
		idleForever()
	}
	if r.Code != CodeRetire {
		// The task was neither reaped nor able to go on: nothing in this worker
		// can resume it.
		fatal("task " + hex(self.task) + " cannot continue after " + CodeName(r.Code))
		idleForever()
	}
}

// finishTask returns the worker to the pool after its task was reaped.
func finishTask() {
	br.Board.Set(self.id, bridge.WorkerRetiring)
	if self.userLive {
		g.dropUser()
		self.userLive = false
	}
	self.prog.pending, self.prog.loadErr = false, nil
	revoke(memcheck.UserData)
	self.prog.module = js.Undefined()
	self.signalPending = false
	br.Tasks.Free(self.slot)
	br.PostText(bridge.EvTaskEnd, self.id, "")
	self.slot, self.task = bridge.NoSlot, 0
	br.Board.SetTask(self.id, 0, bridge.NoSlot)
}

// loadProgram copies [binStart, binEnd) out of shared memory, compiles it
// and records it as the program to start at the next reload (6.2, 2.9),
// together with the error if that failed.
func loadProgram(binStart, binEnd, dataStart, tableStart uint32) {
	br.Board.Set(self.id, bridge.WorkerLoading)
	c, reserved, err := compileProgram(binStart, binEnd)
	br.Board.Set(self.id, bridge.WorkerRunning)
	if err != nil {
		logf("task " + hex(self.task) + ": cannot load program: " + err.Error())
	}
	p := &self.prog
	p.pending, p.loadErr, p.module, p.tableSize, p.dataStart, p.tableStart = true, err, c.module, c.tableSize, dataStart, tableStart
	p.memSize, p.reserved = c.memSize, reserved
	// The data area the kernel handed over with this program: the
	// page-rounded memory size of the image it mapped (section 6.1). The
	// instance made later writes its data segments there, at the
	// __memory_base the host gives it.
	revoke(memcheck.UserData)
	if reserved >= 0 {
		grant(memcheck.UserData, dataStart, uint32(reserved))
	}
}

// compileProgram identifies a program image by content and finds its
// compiled module: among those the host compiled for the machine, or this
// worker's recent ones, else it compiles it. The image is read out of the
// kernel's memory into one reused 64 KiB Go buffer, a chunk at a time, for
// the key and the table size: a worker's Go heap never shrinks (wasm memory
// cannot), so copying a 1.5 MB BusyBox into Go on every exec would leave
// megabytes resident in every worker that ever execed it.
//
// It also returns the data area the kernel reserves for the image (DataSize),
// or -1 when its dylink.0 gives none (the memcheck mode grants nothing then).
func compileProgram(binStart, binEnd uint32) (compiled, int64, error) {
	if binEnd <= binStart {
		return compiled{}, -1, jsError("empty program image")
	}
	n := int(binEnd - binStart)
	view := g.kernelView(binStart, binEnd)
	var size uint32
	sized := false
	reserved := int64(-1)
	key := bridge.ProgramKeyChunked(n, programBuf(), func(off int, dst []byte) {
		js.CopyBytesToGo(dst, view.Call("subarray", off, off+len(dst)))
		if off == 0 {
			// The sections TableSize reads (dylink.0, imports) come first.
			size, sized = TableSize(dst)
			if _, r, ok := DataSize(dst); ok {
				reserved = int64(r)
			}
		}
	})
	c, err := findProgram(key, binStart, binEnd, n, size, sized)
	return c, reserved, err
}

func findProgram(key uint64, binStart, binEnd uint32, n int, size uint32, sized bool) (compiled, error) {
	if c, ok := programs.get(key); ok {
		return c, nil
	}
	if !sized && n > len(programBuf()) {
		// Sections past the first chunk: read the whole image (rare).
		_, bin := g.copyFromKernel(binStart, binEnd)
		size, sized = TableSize(bin)
	}
	if !sized {
		return compiled{}, jsError("program image is not a valid wasm module")
	}
	if mod, ok := sharedPrograms[key]; ok {
		// Compiled by the host for the whole machine: nothing to compile.
		c := newCompiled(mod, size)
		programs.put(key, c)
		return c, nil
	}
	mod, err := g.compile(g.v.Call("kernelBytes", binStart, binEnd))
	if err != nil {
		return compiled{}, err
	}
	c := newCompiled(mod, size)
	programs.put(key, c)
	return c, nil
}

// newCompiled records a compiled program; in memcheck mode with its own
// dylink.0 memory size, read from the module (not from the image it came
// from, so that a module found for the wrong image is caught).
func newCompiled(mod js.Value, tableSize uint32) compiled {
	c := compiled{module: mod, tableSize: tableSize}
	if mc != nil {
		c.memSize = g.moduleMemSize(mod)
	}
	return c
}

var progBuf []byte

// programBuf is the chunk buffer of compileProgram, allocated at the first exec.
func programBuf() []byte {
	if progBuf == nil {
		progBuf = make([]byte, 64<<10)
	}
	return progBuf
}

type compiled struct {
	module    js.Value
	tableSize uint32
	memSize   uint32
}

var programs = newProgramCache[compiled](4)

// sharedPrograms are the modules the host compiled for every worker of the
// machine (bridge.MachineStart.Programs), by bridge.ProgramKey.
var sharedPrograms = map[uint64]js.Value{}

func takeSharedPrograms(list js.Value) {
	if list.Type() != js.TypeObject {
		return
	}
	for i, n := 0, list.Length(); i < n; i++ {
		p := list.Index(i) // [key high 32 bits, key low 32 bits, module]
		key := uint64(uint32(p.Index(0).Int()))<<32 | uint64(uint32(p.Index(1).Int()))
		sharedPrograms[key] = p.Index(2)
	}
}

// runUser is the user runner of section 6.5. It returns how the task ended.
func runUser(clone bool) Result {
	for {
		if self.prog.pending {
			if r := setupUser(clone); r.Code != 0 {
				return r
			}
		}
		if !self.userLive {
			return Result{Code: CodeHostError}
		}
		if self.signalPending {
			self.signalPending = false
			if c := deliverSignal(); c != 0 {
				if r, next := userEnded(Result{Code: c}); !next {
					return r
				}
				clone = false
				continue
			}
		}
		var r Result
		if clone {
			clone = false // an exec inside the child restarts with _start
			r = call(slotCloneCallback)
		} else {
			if self.exports&(1<<(slotCallCtors-slotApplyRelocs)) != 0 {
				r = call(slotCallCtors)
			}
			if r.Code == 0 {
				r = call(slotUserStart)
			}
		}
		if r.Code == 0 {
			r = Result{Code: CodeTrap} // returning from _start or the clone callback is an error
			logf("task " + hex(self.task) + ": user entry returned")
		}
		res, next := userEnded(r)
		if !next {
			return res
		}
	}
}

// userEnded decides what follows a user-mode unwind: another program (exec),
// or the end of this task.
func userEnded(r Result) (Result, bool) {
	switch r.Code {
	case CodeReload:
		return r, true
	case CodeRetire, CodePanic:
		return r, false
	}
	// A trap, a stray signal return, a host error: 6.8.
	logf("task " + hex(self.task) + ": " + CodeName(r.Code) + " in user code: " + g.lastError())
	r = raiseException()
	if r.Code == CodeReload {
		return r, true
	}
	return r, false
}

// setupUser instantiates the pending program (6.5 setup).
func setupUser(clone bool) Result {
	p := &self.prog
	p.pending = false
	if self.userLive {
		// The old program's data area is gone with the exec: its instance
		// must never run again, whatever happens next.
		g.dropUser()
		self.userLive = false
	}
	if p.loadErr != nil {
		p.loadErr = nil
		return raiseException()
	}
	sp := call(slotGetUserSP).Value
	// The instance's start function initialises memSize bytes at
	// __memory_base = dataStart: inside the data area the kernel handed over.
	ok := mayWrite(memcheck.UserData, p.dataStart, p.memSize)
	if p.reserved >= 0 {
		overrun(memcheck.UserData, p.dataStart+uint32(p.reserved))
	}
	revoke(memcheck.UserData)
	if !ok {
		return raiseException()
	}
	ex, err := g.instantiate(p.module, p.tableSize, sp, p.dataStart, p.tableStart)
	if err != nil {
		logf("task " + hex(self.task) + ": cannot instantiate program: " + err.Error())
		return raiseException()
	}
	self.userLive, self.exports = true, ex
	if ex&1 != 0 {
		if r := call(slotApplyRelocs); r.Code != 0 {
			return r
		}
	}
	if clone {
		if r := call(slotSetTLSBase, call(slotGetUserTLS).Value); r.Code != 0 {
			return r
		}
	}
	return Result{}
}

// deliverSignal runs the pending signal handler in the user instance (6.7,
// steps 1-4) and returns 0 once rt_sigreturn came back, or the unwind code
// that ended the handler otherwise.
func deliverSignal() int {
	self.handlersRun++
	call(slotSetTLSBase, call(slotGetUserTLS).Value)
	g.setUserSP(call(slotGetUserSP).Value)
	r := call(slotHandleSignal)
	switch r.Code {
	case CodeSigReturn:
		g.setUserSP(call(slotGetUserSP).Value)
		call(slotSetTLSBase, call(slotGetUserTLS).Value)
		return 0
	case 0:
		logf("task " + hex(self.task) + ": signal handler returned without rt_sigreturn")
		return CodeTrap
	}
	return r.Code
}

// raiseException reports a trap to the kernel (3, 6.8). In kernel mode or
// without a SIGILL handler the task dies and this never returns normally; if
// it does return, the kernel has queued a SIGILL handler: run it, then end the
// task from user mode, since the trapped code cannot be resumed. The spec
// reads the real kernel as returning with the handler queued; should it run
// its user-mode tail inside raise_exception instead, wasm_user_mode_tail(1)
// has already run the handler, and it must not run twice.
func raiseException() Result {
	before := self.handlersRun
	r := call(slotRaiseException)
	if r.Code != 0 || !self.userLive {
		if r.Code == 0 {
			r.Code = CodeHostError
		}
		return r
	}
	if self.handlersRun == before {
		if c := deliverSignal(); c != 0 {
			return Result{Code: c}
		}
	}
	sp, tp := call(slotGetUserSP).Value, call(slotGetUserTLS).Value
	pid := call(slotSyscall0, sp, tp, sysGetpid).Value
	r = call(slotSyscall0+2, sp, tp, sysKill, pid, sigKill)
	if r.Code == 0 {
		r.Code = CodeHostError
	}
	return r
}

// pushJob queues work for the pool, copying the task name from kernel memory.
func pushJob(j *bridge.Job, name uint32) {
	var setName func(off uint32)
	if name != 0 {
		setName = func(off uint32) { hostmem.CopyIn(off, name, 16) }
	}
	// The queue is full only while the pool catches up, which the main
	// thread keeps doing while the machine runs; once it stops, nothing will
	// take the job, so the wait ends there.
	for !br.Jobs.Push(j, setName) {
		if br.State() == bridge.StateStopping {
			idleForever()
		}
		br.Board.Set(self.id, bridge.WorkerQueueWait)
		br.Ring()
		br.Sleep(1_000_000) // the queue is full: let the pool catch up
	}
	br.Board.Set(self.id, bridge.WorkerRunning)
	br.Ring() // the main thread keeps the pool filled
}

// logf sends a log line. A line dropped because the control ring stayed full
// is counted by the bridge, and the main thread says how many were lost.
func logf(s string) { br.PostText(bridge.EvLog, self.id, s) }

// fatal reports a host failure in this worker to the page. Should the event
// be dropped, the bridge records that an EvWorkerDied was lost and the main
// thread stops the machine all the same (Machine.checkLost).
func fatal(s string) { br.PostText(bridge.EvWorkerDied, self.id, s) }
