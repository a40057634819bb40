package worker

import (
	"strconv"

	"github.com/linuxwasm/gohost/bridge"
	"github.com/linuxwasm/gohost/internal/hostmem"
	"github.com/linuxwasm/gohost/internal/memcheck"
)

// The kernel's host imports (section 2). Each is bound directly as the
// kernel's import (or through its throw shim, for the four that may unwind),
// so a call costs a wasm call, not a JS round trip. Every export recovers its
// own panics: an escaped Go panic would kill this worker's runtime.
//
// The four shimmed exports return int64: -code to unwind, otherwise the i32
// result. ShimmedImports in shims.go lists them for the generator.

//go:wasmexport wasm_start_cpu
func wasmStartCPU(cpu, idleTask, startStack uint32) {
	defer recoverTo("wasm_start_cpu", nil)
	startCPU(cpu, idleTask, startStack)
}

// wasm_start_cpu of a 7.0-era kernel (gen2-interface-facts.md section 3):
// the new CPU's worker calls _start_secondary(idle_task), and the kernel
// takes the stack from the task itself.
//
//go:wasmexport wasm_start_cpu_idle
func wasmStartCPUIdle(cpu, idleTask uint32) {
	defer recoverTo("wasm_start_cpu", nil)
	startCPU(cpu, idleTask, idleTask)
}

// startCPU registers the new CPU's idle task and queues the job whose worker
// calls _start_secondary(arg).
func startCPU(cpu, idleTask, arg uint32) {
	if cpu == 0 || cpu >= 64 {
		logf("wasm_start_cpu: refusing CPU " + strconv.Itoa(int(cpu)))
		return
	}
	slot, retired := br.Tasks.Register(idleTask, bridge.Idle, cpu)
	if retired != bridge.NoSlot {
		br.Tasks.Retire(retired)
	}
	if slot == bridge.NoSlot {
		fatal("task table full while starting CPU " + strconv.Itoa(int(cpu)))
		return
	}
	br.SetCPU(cpu, slot)
	pushJob(&bridge.Job{Kind: bridge.JobCPU, Slot: slot, A: cpu, B: idleTask, C: arg}, 0)
}

//go:wasmexport wasm_stop_cpu
func wasmStopCPU(cpu uint32) {
	defer recoverTo("wasm_stop_cpu", nil)
	// The guest is going down (panic, halt, reboot, power-off). The main thread
	// decides what it was once the kernel has had its say; no dialog, ever.
	// A dropped event is recorded by the bridge as lost, and the main thread
	// stops the machine on it (Machine.checkLost).
	br.PostText(bridge.EvStopCPU, cpu, "")
}

//go:wasmexport wasm_create_and_run_task
func wasmCreateAndRunTask(prev, next, name, binStart, binEnd, dataStart, tableStart uint32) (r int64) {
	defer recoverTo("wasm_create_and_run_task", &r)
	// Register the new task's park cell before parking, so that a wake
	// addressed to it is never lost (2.4 step 1).
	slot, retired := br.Tasks.Register(next, 0, 0)
	if retired != bridge.NoSlot {
		br.Tasks.Retire(retired)
	}
	if slot == bridge.NoSlot {
		fatal("task table full: cannot create task " + hex(next))
		return -CodeHostError
	}
	br.CountCreate()
	pushJob(&bridge.Job{Kind: bridge.JobTask, Slot: slot, A: prev, B: next,
		C: binStart, D: binEnd, E: dataStart, F: tableStart}, name)
	return park(bridge.WorkerParkedCreate)
}

//go:wasmexport wasm_release_task
func wasmReleaseTask(dead uint32) {
	defer recoverTo("wasm_release_task", nil)
	// Unlink at once, in the calling worker: a new task at the same address
	// may be created right after (5.6), and a release applied later (as a
	// message relayed through the main thread would be) would hit it.
	slot := br.Tasks.Unlink(dead)
	if slot == bridge.NoSlot {
		logf("wasm_release_task: unknown task " + hex(dead))
		return
	}
	br.Tasks.Release(slot)
}

//go:wasmexport wasm_serialize_tasks
func wasmSerializeTasks(prev, next uint32) (r int64) {
	defer recoverTo("wasm_serialize_tasks", &r)
	slot := br.Tasks.Lookup(next)
	if slot == bridge.NoSlot {
		fatal("switch from " + hex(prev) + " to unknown task " + hex(next))
		return -CodeHostError
	}
	br.Tasks.Wake(slot, prev)
	br.CountSwitch()
	return park(bridge.WorkerParkedSwitch)
}

// park blocks this worker's task until it is switched to again, and returns
// the task that switched to it, or -CodeRetire when it was reaped. The board
// says in which import the worker waits (two stores, no clock).
func park(state uint32) int64 {
	br.Board.Set(self.id, state)
	last, retire := br.Tasks.Park(self.slot)
	br.Board.Set(self.id, bridge.WorkerRunning)
	if retire {
		return -CodeRetire
	}
	return int64(last)
}

//go:wasmexport wasm_panic
func wasmPanic(msg uint32) (r int64) {
	defer recoverTo("wasm_panic", &r)
	text := g.cString(msg, 4096)
	// The message first: a post gives up at once in the stopping state, and
	// with a full control ring the panic would go unreported.
	br.PostText(bridge.EvPanic, self.id, text)
	br.SetState(bridge.StateStopping)
	return -CodePanic
}

//go:wasmexport wasm_dump_stacktrace
func wasmDumpStacktrace(buf, maxSize uint32) {
	defer recoverTo("wasm_dump_stacktrace", nil)
	if maxSize == 0 {
		return
	}
	s := "gohost worker " + strconv.Itoa(int(self.id)) + " running task " + hex(self.task) + "\n" + g.stack()
	b := []byte(s)
	if uint32(len(b)) > maxSize-1 {
		b = b[:maxSize-1]
	}
	grant(memcheck.StackTrace, buf, maxSize)
	writeKernel(memcheck.StackTrace, buf, append(b, 0))
	overrun(memcheck.StackTrace, buf+maxSize)
	revoke(memcheck.StackTrace)
}

//go:wasmexport wasm_load_executable
func wasmLoadExecutable(binStart, binEnd, dataStart, tableStart uint32) {
	defer recoverTo("wasm_load_executable", nil)
	// Copy and compile now: the image is only guaranteed during this call.
	loadProgram(binStart, binEnd, dataStart, tableStart)
}

//go:wasmexport wasm_user_mode_tail
func wasmUserModeTail(flow int32) (r int64) {
	defer recoverTo("wasm_user_mode_tail", &r)
	switch flow {
	case -1:
		return -CodeReload
	case 1:
		if !self.userLive {
			// A signal for a fresh clone child before its instance exists
			// (6.7): deliver it once the instance is set up.
			self.signalPending = true
			return 0
		}
		return -int64(deliverSignal())
	case 2:
		return -CodeSigReturn
	case 3:
		if c := deliverSignal(); c != 0 {
			return -int64(c)
		}
		return -CodeSigReturn
	}
	logf("wasm_user_mode_tail: unknown flow " + strconv.Itoa(int(flow)))
	return -CodeHostError
}

//go:wasmexport wasm_cpu_clock_get_monotonic
func wasmClock() int64 {
	return br.Clock(hostmem.NowNs())
}

//go:wasmexport wasm_driver_hvc_put
func wasmHvcPut(buf, count int32) (r int32) {
	defer recoverTo32("wasm_driver_hvc_put", &r)
	return consolePut(uint32(buf), count)
}

//go:wasmexport wasm_driver_hvc_get
func wasmHvcGet(buf, count int32) (r int32) {
	defer recoverTo32("wasm_driver_hvc_get", &r)
	if count <= 0 {
		return 0
	}
	in := br.ConsoleIn
	if in.Len() == 0 {
		return 0 // the common case: no lock, no wait
	}
	grant(memcheck.ConsoleIn, uint32(buf), uint32(count))
	mu := in.Mutex()
	mu.Lock()
	n := in.Read(uint32(count), func(ringOff, bufOff, k uint32) {
		copyOut(memcheck.ConsoleIn, uint32(buf)+bufOff, ringOff, k)
	})
	mu.Unlock()
	if n > 0 {
		overrun(memcheck.ConsoleIn, uint32(buf)+uint32(count))
	}
	revoke(memcheck.ConsoleIn)
	return int32(n)
}

const eagain = -11

// maxRandom is the most wasm_random_get_bytes fills in one call: what one
// crypto.getRandomValues call gives (gen2-interface-facts.md section 6).
const maxRandom = 65536

// wasm_random_get_bytes (7.0-era kernels, gen2-interface-facts.md section 6):
// the kernel calls it once, at the end of setup_arch on CPU 0, for 32 bytes
// of boot seed. It returns the count, or -1 for a count the host does not
// fill (above 65536, or negative).
//
//go:wasmexport wasm_random_get_bytes
func wasmRandomGetBytes(buf, count int32) (r int32) {
	defer func() {
		if p := recover(); p != nil {
			fatal("wasm_random_get_bytes: " + panicText(p))
			r = -1
		}
	}()
	if count < 0 || count > maxRandom {
		return -1
	}
	grant(memcheck.Random, uint32(buf), uint32(count))
	defer revoke(memcheck.Random)
	if !mayWrite(memcheck.Random, uint32(buf), uint32(count)) {
		return -1
	}
	n := int32(g.randomFill(uint32(buf), uint32(count)))
	overrun(memcheck.Random, uint32(buf)+uint32(count))
	return n
}

// consolePut appends kernel bytes to the console output ring. It accepts
// everything it can; when the page has fallen behind by a whole ring it waits
// up to ~50 ms for room (the main thread never blocks, so room comes unless
// the page is frozen), then returns the partial count, or -EAGAIN when nothing
// fitted: both make the kernel retry later instead of dropping output.
func consolePut(buf uint32, count int32) int32 {
	if count <= 0 {
		return 0
	}
	out := br.ConsoleOut
	mu := out.Mutex()
	done := uint32(0)
	for try := 0; ; try++ {
		mu.Lock()
		done += out.Write(uint32(count)-done, func(ringOff, bufOff, k uint32) { hostmem.CopyIn(ringOff, buf+done+bufOff, k) })
		mu.Unlock()
		br.Ring()
		if done == uint32(count) || try == 10 {
			break
		}
		br.Board.Set(self.id, bridge.WorkerConsoleWait)
		out.WaitRead(out.Consumed(), 5_000_000)
		br.Board.Set(self.id, bridge.WorkerRunning)
	}
	if done == 0 {
		return eagain
	}
	return int32(done)
}

// recoverTo turns a Go panic inside an export into a host error: reported,
// and (for shimmed exports) an unwind to this worker's runner.
func recoverTo(where string, r *int64) {
	if p := recover(); p != nil {
		fatal(where + ": " + panicText(p))
		if r != nil {
			*r = -CodeHostError
		}
	}
}

func recoverTo32(where string, r *int32) {
	if p := recover(); p != nil {
		fatal(where + ": " + panicText(p))
		*r = eagain
	}
}

func panicText(p any) string {
	switch v := p.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic"
}

func hex(v uint32) string { return "0x" + strconv.FormatUint(uint64(v), 16) }
