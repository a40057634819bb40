package wasmgen

// Import names shared by the generator, the Go side (//go:wasmimport) and
// worker.js. Changing one means changing all three.
const (
	HostMemModule = "gohost_mem" // module name Go imports the hostmem helper under
	ShimModule    = "gohost_go"  // module name the shims import Go's exports under
	TagModule     = "gohost_js"  // module name of the JS-created exception tag
	TagName       = "unwind"     // the tag: one i32, the unwind reason
	envModule     = "env"
)

// Atomic opcodes (after the 0xfe prefix) from the threads proposal.
const (
	opNotify     = 0x00
	opWait32     = 0x01
	opI32Load    = 0x10
	opI64Load    = 0x11
	opI32Store   = 0x17
	opI32Add     = 0x1e
	opI32And     = 0x2c
	opI32Or      = 0x33
	opI32Xchg    = 0x41
	opI32Cmpxchg = 0x48
	opI64Cmpxchg = 0x49
)

// hostMemFunc is one export of the hostmem helper. body builds the code;
// kernel64 says the kernel's memory (memory 1) is a memory64, whose
// addresses are i64: Go's are i32 everywhere (the host keeps the kernel's
// memory below 4 GiB), so the helper widens them.
type hostMemFunc struct {
	name string
	typ  FuncType
	body func(c Code, now, origin uint32, kernel64 bool) Code
}

// hostMemFuncs lists the hostmem helper's exports, in the order of
// HostMemNames (the forwarder's table slots).
var hostMemFuncs = func() []hostMemFunc {
	i32, i64 := I32, I64
	sig := func(params []ValType, results ...ValType) FuncType { return FuncType{params, results} }
	type body = func(c Code, now, origin uint32, kernel64 bool) Code
	get := func(n int) body {
		return func(c Code, _, _ uint32, _ bool) Code {
			for i := 0; i < n; i++ {
				c = c.LocalGet(uint32(i))
			}
			return c
		}
	}
	atomic := func(n int, op, align byte) body {
		return func(c Code, now, origin uint32, k bool) Code { return get(n)(c, now, origin, k).Atomic(op, align) }
	}
	plain := func(n int, op byte) body {
		return func(c Code, now, origin uint32, k bool) Code { return get(n)(c, now, origin, k).op(op, 0, 0) }
	}
	// copyMem: memory.copy takes each address in its memory's index type
	// (and the length in the narrower one, i32).
	copyMem := func(dst, src uint32) body {
		return func(c Code, _, _ uint32, kernel64 bool) Code {
			for i, mem := range []uint32{dst, src} {
				c = c.LocalGet(uint32(i))
				if mem == 1 && kernel64 {
					c = c.I64ExtendI32U()
				}
			}
			return c.LocalGet(2).MemoryCopy(dst, src)
		}
	}
	return []hostMemFunc{
		{"load32", sig([]ValType{i32}, i32), atomic(1, opI32Load, 2)},
		{"store32", sig([]ValType{i32, i32}), atomic(2, opI32Store, 2)},
		{"add32", sig([]ValType{i32, i32}, i32), atomic(2, opI32Add, 2)},
		{"or32", sig([]ValType{i32, i32}, i32), atomic(2, opI32Or, 2)},
		{"and32", sig([]ValType{i32, i32}, i32), atomic(2, opI32And, 2)},
		// Plain byte access for the rare byte-wise copies of short messages.
		{"load8", sig([]ValType{i32}, i32), plain(1, 0x2d)},  // i32.load8_u
		{"store8", sig([]ValType{i32, i32}), plain(2, 0x3a)}, // i32.store8
		{"xchg32", sig([]ValType{i32, i32}, i32), atomic(2, opI32Xchg, 2)},
		{"cas32", sig([]ValType{i32, i32, i32}, i32), atomic(3, opI32Cmpxchg, 2)},
		{"load64", sig([]ValType{i32}, i64), atomic(1, opI64Load, 3)},
		{"cas64", sig([]ValType{i32, i64, i64}, i64), atomic(3, opI64Cmpxchg, 3)},
		{"wait32", sig([]ValType{i32, i32, i64}, i32), atomic(3, opWait32, 2)},
		{"notify", sig([]ValType{i32, i32}, i32), atomic(2, opNotify, 2)},
		// copy_in: bridge[dst] <- kernel[src]; copy_out: kernel[dst] <- bridge[src].
		{"copy_in", sig([]ValType{i32, i32, i32}), copyMem(0, 1)},
		{"copy_out", sig([]ValType{i32, i32, i32}), copyMem(1, 0)},
		// copy_bridge: bridge[dst] <- bridge[src] (staged console input).
		{"copy_bridge", sig([]ValType{i32, i32, i32}), copyMem(0, 0)},
		{"now_ns", sig(nil, i64), func(c Code, now, origin uint32, _ bool) Code {
			return c.GlobalGet(origin).Call(now).F64Add().F64Const(1e6).F64Mul().I64TruncSatF64S()
		}},
	}
}()

// HostMemNames are the hostmem helper's exports, in forwarder table order.
func HostMemNames() []string {
	names := make([]string, len(hostMemFuncs))
	for i, f := range hostMemFuncs {
		names[i] = f.name
	}
	return names
}

// HostMem builds the hostmem helper. Memory 0 is the bridge memory (imported as
// env.bridge), memory 1 the kernel's (env.memory); all atomics act on the
// bridge memory. The clock reads env.now (performance.now, bound) plus the
// imported global env.origin (performance.timeOrigin) so every worker of a page
// reads one time base, in nanoseconds since the Unix epoch like the original.
func HostMem() []byte { return HostMemFor(false) }

// HostMemFor builds the hostmem helper for a kernel whose memory is a
// memory64 (kernel64: a wasm64 kernel) or not. Its exports have the same
// types either way: Go's addresses of kernel memory stay 32-bit, since the
// host never lets the kernel's memory reach 4 GiB.
func HostMemFor(kernel64 bool) []byte {
	m := New()
	now := m.ImportFunc(envModule, "now", FuncType{Results: []ValType{F64}})
	m.ImportSharedMemory(envModule, "bridge", 0, 65536)
	if kernel64 {
		m.ImportSharedMemory64(envModule, "memory", 0, 65536)
	} else {
		m.ImportSharedMemory(envModule, "memory", 0, 65536)
	}
	origin := m.ImportGlobal(envModule, "origin", F64)
	for _, f := range hostMemFuncs {
		m.ExportFunc(f.name, m.Func(f.typ, nil, f.body(nil, now, origin, kernel64)))
	}
	return m.Bytes()
}

// HostMemForwarder builds a module with the hostmem helper's exports that
// calls them through the funcref table env.hostmem, slot i holding
// HostMemNames()[i]. A worker's Go instance imports it instead of hostmem
// itself, so Go can start before a machine (and so its memories) exists:
// worker.js fills the table once the machine's hostmem is instantiated. The
// price is one call_indirect per operation.
func HostMemForwarder() []byte {
	m := New()
	table := m.ImportTable(envModule, "hostmem", uint32(len(hostMemFuncs)))
	for i, f := range hostMemFuncs {
		var c Code
		for p := range f.typ.Params {
			c = c.LocalGet(uint32(p))
		}
		c = c.I32Const(int32(i)).CallIndirect(m.Type(f.typ), table)
		m.ExportFunc(f.name, m.Func(f.typ, nil, c))
	}
	return m.Bytes()
}

// Shim describes one kernel import whose Go implementation may need to abandon
// the kernel's stack. Go exports it under the same name with the same
// parameters and an i64 result: a negative result -n means "throw the unwind
// tag with reason n"; any other result is the import's own result (ignored
// for a void import): i32, or i64 with Result64 (a wasm64 pointer, never
// negative: the kernel's memory stays below 4 GiB).
type Shim struct {
	Name     string
	Params   []ValType
	Void     bool
	Result64 bool
}

// Shims builds the shim module: for every s it imports ShimModule.s.Name
// (the Go export) and exports s.Name with the kernel-facing signature.
func Shims(shims []Shim) []byte {
	m := New()
	goFuncs := make([]uint32, len(shims))
	for i, s := range shims {
		goFuncs[i] = m.ImportFunc(ShimModule, s.Name, FuncType{Params: s.Params, Results: []ValType{I64}})
	}
	tag := m.ImportTag(TagModule, TagName, I32)
	for i, s := range shims {
		var results []ValType
		switch {
		case s.Void:
		case s.Result64:
			results = []ValType{I64}
		default:
			results = []ValType{I32}
		}
		r := uint32(len(s.Params)) // the local holding Go's result
		var c Code
		for p := range s.Params {
			c = c.LocalGet(uint32(p))
		}
		c = c.Call(goFuncs[i]).LocalSet(r)
		c = c.LocalGet(r).I64Const(0).I64LtS().IfVoid().
			I64Const(0).LocalGet(r).op(0x7d). // i64.sub: 0 - r
			I32WrapI64().Throw(tag).End()
		switch {
		case s.Void:
		case s.Result64:
			c = c.LocalGet(r)
		default:
			c = c.LocalGet(r).I32WrapI64()
		}
		m.ExportFunc(s.Name, m.Func(FuncType{Params: s.Params, Results: results}, []ValType{I64}, c))
	}
	return m.Bytes()
}

// KernelShims are the kernel imports whose Go implementations may unwind the
// kernel's stack, with their wasm parameter types (section 2). The worker
// exports them with an i64 result; the shims give the kernel its own types.
//
// The _w64 ones are the same imports of a wasm64 kernel (abi.Symbol.Impl):
// pointers and the task results are i64 there. One shim module serves every
// kernel kind; a kernel imports the shims of its own types.
var KernelShims = []Shim{
	{Name: "wasm_create_and_run_task", Params: []ValType{I32, I32, I32, I32, I32, I32, I32}},
	{Name: "wasm_serialize_tasks", Params: []ValType{I32, I32}},
	{Name: "wasm_panic", Params: []ValType{I32}, Void: true},
	{Name: "wasm_user_mode_tail", Params: []ValType{I32}, Void: true},
	{Name: "wasm_create_and_run_task_w64", Params: []ValType{I64, I64, I64, I64, I64, I64, I64}, Result64: true},
	{Name: "wasm_serialize_tasks_w64", Params: []ValType{I64, I64}, Result64: true},
	{Name: "wasm_panic_w64", Params: []ValType{I64}, Void: true},
}
