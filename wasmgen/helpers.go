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

// HostMem builds the hostmem helper. Memory 0 is the bridge memory (imported as
// env.bridge), memory 1 the kernel's (env.memory); all atomics act on the
// bridge memory. The clock reads env.now (performance.now, bound) plus the
// imported global env.origin (performance.timeOrigin) so every worker of a page
// reads one time base, in nanoseconds since the Unix epoch like the original.
func HostMem() []byte {
	m := New()
	now := m.ImportFunc(envModule, "now", FuncType{Results: []byte{F64}})
	m.ImportSharedMemory(envModule, "bridge", 0, 65536)
	m.ImportSharedMemory(envModule, "memory", 0, 65536)
	origin := m.ImportGlobal(envModule, "origin", F64)

	i32, i64 := I32, I64
	def := func(name string, params, results []byte, body Code) {
		m.ExportFunc(name, m.Func(FuncType{params, results}, nil, body))
	}
	var c Code
	def("load32", []byte{i32}, []byte{i32}, c.LocalGet(0).Atomic(opI32Load, 2))
	def("store32", []byte{i32, i32}, nil, c.LocalGet(0).LocalGet(1).Atomic(opI32Store, 2))
	def("add32", []byte{i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).Atomic(opI32Add, 2))
	def("or32", []byte{i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).Atomic(opI32Or, 2))
	def("and32", []byte{i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).Atomic(opI32And, 2))
	// Plain byte access for the rare byte-wise copies of short messages.
	def("load8", []byte{i32}, []byte{i32}, c.LocalGet(0).op(0x2d, 0, 0))           // i32.load8_u
	def("store8", []byte{i32, i32}, nil, c.LocalGet(0).LocalGet(1).op(0x3a, 0, 0)) // i32.store8
	def("xchg32", []byte{i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).Atomic(opI32Xchg, 2))
	def("cas32", []byte{i32, i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).LocalGet(2).Atomic(opI32Cmpxchg, 2))
	def("load64", []byte{i32}, []byte{i64}, c.LocalGet(0).Atomic(opI64Load, 3))
	def("cas64", []byte{i32, i64, i64}, []byte{i64}, c.LocalGet(0).LocalGet(1).LocalGet(2).Atomic(opI64Cmpxchg, 3))
	def("wait32", []byte{i32, i32, i64}, []byte{i32}, c.LocalGet(0).LocalGet(1).LocalGet(2).Atomic(opWait32, 2))
	def("notify", []byte{i32, i32}, []byte{i32}, c.LocalGet(0).LocalGet(1).Atomic(opNotify, 2))
	// copy_in: bridge[dst] <- kernel[src]; copy_out: kernel[dst] <- bridge[src].
	def("copy_in", []byte{i32, i32, i32}, nil, c.LocalGet(0).LocalGet(1).LocalGet(2).MemoryCopy(0, 1))
	def("copy_out", []byte{i32, i32, i32}, nil, c.LocalGet(0).LocalGet(1).LocalGet(2).MemoryCopy(1, 0))
	def("now_ns", nil, []byte{i64},
		c.GlobalGet(origin).Call(now).F64Add().F64Const(1e6).F64Mul().I64TruncSatF64S())
	return m.Bytes()
}

// Shim describes one kernel import whose Go implementation may need to abandon
// the kernel's stack. Go exports it under the same name with the same
// parameters and an i64 result: a negative result -n means "throw the unwind
// tag with reason n"; any other result is the import's own i32 result (ignored
// for a void import).
type Shim struct {
	Name   string
	Params []byte
	Void   bool
}

// Shims builds the shim module: for every s it imports ShimModule.s.Name
// (the Go export) and exports s.Name with the kernel-facing signature.
func Shims(shims []Shim) []byte {
	m := New()
	goFuncs := make([]uint32, len(shims))
	for i, s := range shims {
		goFuncs[i] = m.ImportFunc(ShimModule, s.Name, FuncType{Params: s.Params, Results: []byte{I64}})
	}
	tag := m.ImportTag(TagModule, TagName, I32)
	for i, s := range shims {
		var results []byte
		if !s.Void {
			results = []byte{I32}
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
		if !s.Void {
			c = c.LocalGet(r).I32WrapI64()
		}
		m.ExportFunc(s.Name, m.Func(FuncType{Params: s.Params, Results: results}, []byte{I64}, c))
	}
	return m.Bytes()
}

// KernelShims are the kernel imports whose Go implementations may unwind the
// kernel's stack, with their wasm parameter types (section 2). The worker
// exports them with an i64 result; the shims give the kernel its own types.
var KernelShims = []Shim{
	{Name: "wasm_create_and_run_task", Params: []byte{I32, I32, I32, I32, I32, I32, I32}},
	{Name: "wasm_serialize_tasks", Params: []byte{I32, I32}},
	{Name: "wasm_panic", Params: []byte{I32}, Void: true},
	{Name: "wasm_user_mode_tail", Params: []byte{I32}, Void: true},
}
