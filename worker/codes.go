// Package worker is the runner inside every Web Worker: it implements the
// kernel's host imports as Go functions exported with //go:wasmexport, takes
// work from the bridge's job queue, and runs the kernel's entry points and user
// programs.
//
// Control flow that must abandon wasm frames (exec, signal return, panic,
// retiring a reaped task's worker) never unwinds Go: the Go export returns a
// negative "unwind code", a generated shim between the kernel and Go throws a
// wasm exception carrying it, and the JS guard that entered the kernel catches
// it and hands the code back to Go as the call's result. The guard also turns
// traps (which wasm cannot catch) into the code Trap. See worker.js.
package worker

// Unwind codes. Exports return -code to make their shim throw; calls through
// the guard return -code when an unwind or trap ended them.
const (
	CodeReload    = 1 // wasm_user_mode_tail(-1): exec succeeded, start the pending program
	CodeSigReturn = 2 // rt_sigreturn completed: back to the frame that ran the handler
	CodePanic     = 3 // wasm_panic: the machine is dead
	CodeRetire    = 4 // the task was reaped: give the worker back to the pool
	CodeTrap      = 5 // a wasm trap or JS error (the guard's conversion)
	CodeHostError = 6 // the host itself failed (a recovered Go panic, a broken invariant)
)

// CodeName names an unwind code for diagnostics.
func CodeName(c int) string {
	switch c {
	case CodeReload:
		return "reload"
	case CodeSigReturn:
		return "signal-return"
	case CodePanic:
		return "panic"
	case CodeRetire:
		return "retire"
	case CodeTrap:
		return "trap"
	case CodeHostError:
		return "host-error"
	}
	return "unknown"
}

// Result of a guarded call: either the callee's i32 result or an unwind code.
type Result struct {
	Value uint32
	Code  int // 0: returned normally
}

// decodeResult interprets the guard's float64: a non-negative value is the
// callee's result as an unsigned 32-bit number, a negative one -code.
func decodeResult(f float64) Result {
	if f < 0 {
		return Result{Code: int(-f)}
	}
	return Result{Value: uint32(f)}
}

// Guard slots: the fixed indices under which worker.js keeps the functions Go
// may enter. Kernel exports are set once per worker, user-program exports on
// every instantiation.
const (
	slotStart          = 0
	slotStartSecondary = 1
	slotRetFromFork    = 2
	slotRaiseException = 3
	slotGetUserSP      = 4
	slotGetUserTLS     = 5
	slotSyscall0       = 6 // wasm_syscall_0 .. wasm_syscall_6 at 6..12

	slotApplyRelocs   = 16
	slotCallCtors     = 17
	slotUserStart     = 18
	slotCloneCallback = 19
	slotHandleSignal  = 20
	slotSetTLSBase    = 21
)

// KernelTargets names the kernel export behind each kernel guard slot, and
// UserTargets the user-program export behind each slot from slotApplyRelocs
// on (and bit i of instantiate's export mask). worker.js fills its table of
// targets from these lists, which Go hands it at start-up: the slots have
// one owner.
var (
	KernelTargets = [...]string{
		slotStart: "_start", slotStartSecondary: "_start_secondary", slotRetFromFork: "ret_from_fork",
		slotRaiseException: "raise_exception", slotGetUserSP: "get_user_stack_pointer", slotGetUserTLS: "get_user_tls_base",
		slotSyscall0: "wasm_syscall_0", slotSyscall0 + 1: "wasm_syscall_1", slotSyscall0 + 2: "wasm_syscall_2",
		slotSyscall0 + 3: "wasm_syscall_3", slotSyscall0 + 4: "wasm_syscall_4", slotSyscall0 + 5: "wasm_syscall_5",
		slotSyscall0 + 6: "wasm_syscall_6",
	}
	UserTargets = [...]string{
		slotApplyRelocs - slotApplyRelocs: "__wasm_apply_data_relocs", slotCallCtors - slotApplyRelocs: "__wasm_call_ctors",
		slotUserStart - slotApplyRelocs: "_start", slotCloneCallback - slotApplyRelocs: "__libc_clone_callback",
		slotHandleSignal - slotApplyRelocs: "__libc_handle_signal", slotSetTLSBase - slotApplyRelocs: "__set_tls_base",
	}
)

// UserTargetBase is the first user-program guard slot.
const UserTargetBase = slotApplyRelocs

// Syscall numbers the host itself issues (generic table).
const (
	sysKill   = 129
	sysGetpid = 172
	sigKill   = 9
)

// Table64 is set in TableSize's result when the program imports a 64-bit
// table (table64). Upstream's wasm64 programs import a 32-bit one (and
// __table_base32, gen2-interface-facts.md section 4), but clang/wasm-ld 19
// link wasm64 -fPIC programs against a table64; the host gives each program
// the table it imports. No table comes near 2^31 entries.
const Table64 = 1 << 31

// TableSize returns the function table size a user program needs: the larger
// of its dylink.0 table size and its table import's minimum (section 6.3; the
// original host used a fixed 4096), with Table64 set for a table64 import.
// ok is false when the bytes are not a well-formed module as far as these
// two sections go.
//
// This is the one wasm reading the worker does, and it is not
// internal/wasmbin on purpose: wasmbin links fmt and reflect, which made the
// worker binary 440 KB (19%) larger, in every one of a boot's ~50 workers.
func TableSize(b []byte) (size uint32, ok bool) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return 0, false
	}
	p := 8
	first := true
	for p < len(b) {
		id := b[p]
		p++
		n, k := uleb(b[p:])
		if k == 0 || uint64(p+k)+n > uint64(len(b)) {
			return 0, false
		}
		p += k
		sec := b[p : p+int(n)]
		p += int(n)
		switch {
		case id == 0 && first:
			if t, ok := dylinkTable(sec); ok && t > size {
				size = t
			}
		case id == 2:
			t, t64, ok := tableImportMin(sec)
			if !ok || t >= Table64 || size >= Table64 {
				return 0, false
			}
			if t > size {
				size = t
			}
			if t64 {
				size |= Table64
			}
			return size, true
		case id > 2 && id != 0:
			return size, true // imports come before every later section
		}
		first = false
	}
	return size, true
}

func dylinkTable(sec []byte) (uint32, bool) {
	r := reader{b: sec}
	if name := r.name(); name != "dylink.0" {
		return 0, false
	}
	for !r.bad && r.p < len(r.b) {
		typ, size := r.byte(), r.u32()
		end := r.p + int(size)
		if r.bad || end > len(r.b) {
			return 0, false
		}
		if typ == 1 { // WASM_DYLINK_MEM_INFO: memsize, memalign, tablesize, tablealign
			r.u32()
			r.u32()
			t := r.u32()
			return t, !r.bad
		}
		r.p = end
	}
	return 0, false
}

// DataSize is the data area a user program's image asks the kernel for: the
// memory size of its WASM_DYLINK_MEM_INFO (section 6.1), and the area the
// kernel reserves for it at data_start, rounded up to whole kernel pages
// (what binfmt_wasm allocates). ok is false when the image does not start
// with a dylink.0 section holding a memory size.
func DataSize(image []byte) (memSize, reserved uint32, ok bool) {
	if len(image) < 8 || string(image[:4]) != "\x00asm" || len(image) < 9 || image[8] != 0 {
		return 0, 0, false
	}
	n, k := uleb(image[9:])
	if k == 0 || uint64(9+k)+n > uint64(len(image)) {
		return 0, 0, false
	}
	r := reader{b: image[9+k : 9+k+int(n)]}
	if r.name() != "dylink.0" {
		return 0, 0, false
	}
	return dylinkMemSize(r.b[r.p:])
}

// DylinkMemSize is DataSize from a dylink.0 section's payload (the bytes
// after its name, as WebAssembly.Module.customSections gives them).
func DylinkMemSize(payload []byte) (memSize, reserved uint32, ok bool) {
	return dylinkMemSize(payload)
}

// kernelPageSize is the kernel's PAGE_SIZE (section 4).
const kernelPageSize = 4096

func dylinkMemSize(payload []byte) (uint32, uint32, bool) {
	r := reader{b: payload}
	for !r.bad && r.p < len(r.b) {
		typ, size := r.byte(), r.u32()
		end := r.p + int(size)
		if r.bad || end > len(r.b) {
			return 0, 0, false
		}
		if typ == 1 { // WASM_DYLINK_MEM_INFO: memsize first
			m := r.u32()
			if r.bad || m > 0xffffffff-kernelPageSize {
				return 0, 0, false
			}
			return m, (m + kernelPageSize - 1) &^ (kernelPageSize - 1), true
		}
		r.p = end
	}
	return 0, 0, false
}

func tableImportMin(sec []byte) (uint32, bool, bool) {
	r := reader{b: sec}
	var min uint32
	t64 := false
	for n := r.u32(); n > 0 && !r.bad; n-- {
		r.name()
		r.name()
		switch r.byte() {
		case 0: // function
			r.u32()
		case 1: // table: reftype, limits
			r.byte()
			flags := r.byte()
			m := r.u32()
			if flags&1 != 0 {
				r.u32()
			}
			if m > min {
				min = m
			}
			t64 = t64 || flags&4 != 0
		case 2: // memory
			flags := r.byte()
			r.u32()
			if flags&1 != 0 {
				r.u32()
			}
		case 3: // global
			r.byte()
			r.byte()
		case 4: // tag
			r.byte()
			r.u32()
		default:
			return 0, false, false
		}
	}
	return min, t64, !r.bad
}

type reader struct {
	b   []byte
	p   int
	bad bool
}

func (r *reader) byte() byte {
	if r.p >= len(r.b) {
		r.bad = true
		return 0
	}
	r.p++
	return r.b[r.p-1]
}

func (r *reader) u32() uint32 {
	v, k := uleb(r.b[min(r.p, len(r.b)):])
	if k == 0 || v > 0xffffffff {
		r.bad = true
		return 0
	}
	r.p += k
	return uint32(v)
}

func (r *reader) name() string {
	n := r.u32()
	if r.bad || uint64(r.p)+uint64(n) > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[r.p : r.p+int(n)])
	r.p += int(n)
	return s
}

// uleb decodes an unsigned LEB128 of at most 5 bytes; k is 0 on error.
func uleb(b []byte) (v uint64, k int) {
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}
