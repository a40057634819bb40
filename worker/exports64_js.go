package worker

// The host imports of a wasm64 kernel (gen2-interface-facts.md sections 1
// and 8): the same imports with i64 pointers, sizes and results, under the
// names abi.Symbol.Impl gives them. Each is a thin adapter onto the 32-bit
// implementation: the host creates the kernel's memory with at most 65536
// pages (4 GiB), so every valid address the kernel passes fits in 32 bits,
// and the results (task addresses, byte counts, unwind codes) convert back
// exactly. An address at or above 4 GiB cannot be valid; it is treated as
// the host error it is rather than truncated.

import "strconv"

// addr32 narrows a wasm64 address; ok is false for one beyond 4 GiB.
func addr32(v uint64) (uint32, bool) { return uint32(v), v <= 0xffffffff }

func badAddr(where string, v uint64) {
	fatal(where + ": address 0x" + strconv.FormatUint(v, 16) + " is beyond the kernel's 4 GiB memory")
}

//go:wasmexport wasm_start_cpu_idle_w64
func wasmStartCPUIdle64(cpu uint32, idleTask uint64) {
	defer recoverTo("wasm_start_cpu", nil)
	t, ok := addr32(idleTask)
	if !ok {
		badAddr("wasm_start_cpu", idleTask)
		return
	}
	startCPU(cpu, t, t)
}

//go:wasmexport wasm_create_and_run_task_w64
func wasmCreateAndRunTask64(prev, next, name, binStart, binEnd, dataStart, tableStart uint64) int64 {
	var a [7]uint32
	for i, v := range [7]uint64{prev, next, name, binStart, binEnd, dataStart, tableStart} {
		var ok bool
		if a[i], ok = addr32(v); !ok {
			badAddr("wasm_create_and_run_task", v)
			return -CodeHostError
		}
	}
	return wasmCreateAndRunTask(a[0], a[1], a[2], a[3], a[4], a[5], a[6])
}

//go:wasmexport wasm_release_task_w64
func wasmReleaseTask64(dead uint64) {
	if d, ok := addr32(dead); ok {
		wasmReleaseTask(d)
		return
	}
	badAddr("wasm_release_task", dead)
}

//go:wasmexport wasm_serialize_tasks_w64
func wasmSerializeTasks64(prev, next uint64) int64 {
	p, ok1 := addr32(prev)
	n, ok2 := addr32(next)
	if !ok1 || !ok2 {
		badAddr("wasm_serialize_tasks", max(prev, next))
		return -CodeHostError
	}
	return wasmSerializeTasks(p, n)
}

//go:wasmexport wasm_panic_w64
func wasmPanic64(msg uint64) int64 {
	m, ok := addr32(msg)
	if !ok {
		m = 0 // a bad message address still panics the machine
	}
	return wasmPanic(m)
}

//go:wasmexport wasm_dump_stacktrace_w64
func wasmDumpStacktrace64(buf, maxSize uint64) {
	if b, ok := addr32(buf); ok {
		wasmDumpStacktrace(b, uint32(min(maxSize, 1<<20)))
	}
}

//go:wasmexport wasm_load_executable_w64
func wasmLoadExecutable64(binStart, binEnd, dataStart, tableStart uint64) {
	var a [4]uint32
	for i, v := range [4]uint64{binStart, binEnd, dataStart, tableStart} {
		var ok bool
		if a[i], ok = addr32(v); !ok {
			// Recorded as a program that cannot load: exec is past its
			// point of no return, the task ends at the reload.
			badAddr("wasm_load_executable", v)
			a = [4]uint32{}
			break
		}
	}
	wasmLoadExecutable(a[0], a[1], a[2], a[3])
}

//go:wasmexport wasm_random_get_bytes_w64
func wasmRandomGetBytes64(buf, count int64) int64 {
	if count < 0 || count > maxRandom {
		return -1
	}
	b, ok := addr32(uint64(buf))
	if !ok {
		return -1
	}
	return int64(wasmRandomGetBytes(int32(b), int32(count)))
}

//go:wasmexport wasm_driver_hvc_put_w64
func wasmHvcPut64(buf, count int64) int64 {
	b, ok := addr32(uint64(buf))
	if !ok || count <= 0 {
		return 0
	}
	return int64(wasmHvcPut(int32(b), int32(min(count, 1<<30))))
}

//go:wasmexport wasm_driver_hvc_get_w64
func wasmHvcGet64(buf, count int64) int64 {
	b, ok := addr32(uint64(buf))
	if !ok || count <= 0 {
		return 0
	}
	return int64(wasmHvcGet(int32(b), int32(min(count, 1<<30))))
}
