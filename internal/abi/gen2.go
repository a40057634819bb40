package abi

import (
	"strings"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// KernelKind is a kind of kernel the host can run: a generation of the
// kernel patches and a pointer width.
type KernelKind int

// The kernel kinds, and KindUnknown for a module that is none of them.
const (
	KindUnknown   KernelKind = iota
	InitialWasm32            // the initial release (Linux 6.4.16), wasm32
	Gen70Wasm32              // the Linux 7.0-era generation, wasm32
	Gen70Wasm64              // the Linux 7.0-era generation, wasm64 (memory64)
)

// String names the kind as the page, kcheck and the status panel show it.
func (k KernelKind) String() string {
	switch k {
	case InitialWasm32:
		return "initial release wasm32"
	case Gen70Wasm32:
		return "7.0 wasm32"
	case Gen70Wasm64:
		return "7.0 wasm64"
	}
	return "unknown"
}

// Long describes the kind for messages: "Linux 7.0-era generation, wasm64
// (memory64)".
func (k KernelKind) Long() string {
	switch k {
	case InitialWasm32:
		return "initial release (Linux 6.4.16), wasm32"
	case Gen70Wasm32:
		return "Linux 7.0-era generation, wasm32"
	case Gen70Wasm64:
		return "Linux 7.0-era generation, wasm64 (memory64)"
	}
	return "unknown kind"
}

// WithArticle is String with "a" or "an" before it.
func (k KernelKind) WithArticle() string {
	if k == InitialWasm32 {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// Wasm64 reports whether pointers of this kind are i64.
func (k KernelKind) Wasm64() bool { return k == Gen70Wasm64 }

// KernelKinds lists the kinds the host runs, oldest first.
var KernelKinds = []KernelKind{InitialWasm32, Gen70Wasm32, Gen70Wasm64}

// Spec returns the interface of a kernel of this kind, or nil for
// KindUnknown.
func (k KernelKind) Spec() *KernelSpec {
	switch k {
	case InitialWasm32:
		return &Kernel
	case Gen70Wasm32:
		return &Kernel70Wasm32
	case Gen70Wasm64:
		return &Kernel70Wasm64
	}
	return nil
}

// Kernel70Wasm32 and Kernel70Wasm64 are the Linux 7.0-era kernel ABI
// (gen2-interface-facts.md, section 1): wasm_start_cpu takes (cpu,
// idle_task), wasm_random_get_bytes is new, _start_secondary takes the idle
// task, and no sys_* import is expected (section 7: cond_syscall now aliases
// sys_ni_syscall inside the kernel). On wasm64 the memory is memory64 (at
// most 262144 pages, the linker's 16 GiB) and every pointer, size and
// unsigned long is i64; cpu numbers, the user-mode tail's flow,
// ret_from_fork's result and raise_interrupt's parameters stay i32.
var (
	Kernel70Wasm32 = kernel70(false)
	Kernel70Wasm64 = kernel70(true)
)

func kernel70(w64 bool) KernelSpec {
	kind, L, maxPages, impl := Gen70Wasm32, "i32", uint64(65536), ""
	ptr := i32
	if w64 {
		kind, L, maxPages, impl, ptr = Gen70Wasm64, "i64", 262144, "_w64", i64
	}
	// f is fn with iL for the pointer-sized type; impl names the Go export
	// when the type differs from the initial release's.
	f := func(name, section string, required bool, params string, results ...wasmbin.ValType) Symbol {
		s := fn(name, section, required, strings.ReplaceAll(params, "iL", L), results...)
		if old := Kernel.Import(name); old != nil && !old.Func.Equal(s.Func) || old == nil && w64 {
			s.Impl = name + impl
		}
		return s
	}
	syscall := func(n int) Symbol {
		params := "sp:iL, tp:iL, nr:iL"
		for i := 0; i < n; i++ {
			params += ", a" + itoa(uint64(i)) + ":iL"
		}
		return f("wasm_syscall_"+itoa(uint64(n)), "3", true, params, ptr)
	}
	start := f("wasm_start_cpu", "1", false, "cpu:i32, idle_task:iL")
	start.Impl = "wasm_start_cpu_idle" + impl
	s := KernelSpec{
		Kind:     kind,
		Memory64: w64,
		Module:   "env",
		Imports: []Symbol{
			{Name: "memory", Kind: wasmbin.KindMemory, Shared: true, MaxPages: maxPages, Section: "1"},
			start,
			f("wasm_stop_cpu", "1", false, "cpu:i32"),
			f("wasm_create_and_run_task", "1", false,
				"prev:iL, new:iL, name:iL, bin_start:iL, bin_end:iL, data_start:iL, table_start:iL", ptr),
			f("wasm_release_task", "1", false, "dead_task:iL"),
			f("wasm_serialize_tasks", "1", false, "prev:iL, next:iL", ptr),
			f("wasm_panic", "1", false, "msg:iL"),
			f("wasm_dump_stacktrace", "1", false, "buf:iL, max_size:iL"),
			f("wasm_load_executable", "1", false, "bin_start:iL, bin_end:iL, data_start:iL, table_start:iL"),
			f("wasm_user_mode_tail", "1", false, "flow:i32"),
			f("wasm_cpu_clock_get_monotonic", "1", false, "", i64),
			f("wasm_random_get_bytes", "6", false, "buf:iL, count:iL", ptr),
			f("wasm_driver_hvc_put", "5", false, "buf:iL, count:iL", ptr),
			f("wasm_driver_hvc_get", "5", false, "buf:iL, count:iL", ptr),
		},
		SysPrefix:     "sys_",
		SysParamTypes: []wasmbin.ValType{i32, i64},
		SysResult:     ptr,
		SysStubResult: -38,
		TrapImports:   Kernel.TrapImports,
		NotImported:   Kernel.NotImported,
		Exports: []Symbol{
			f("_start", "1", true, ""),
			f("_start_secondary", "1", true, "idle_task:iL"),
			f("ret_from_fork", "1", true, "prev:iL, new:iL", i32),
			f("raise_exception", "1", true, ""),
			f("get_user_stack_pointer", "1", true, "", ptr),
			f("get_user_tls_base", "1", true, "", ptr),
			syscall(0), syscall(1), syscall(2), syscall(3), syscall(4), syscall(5), syscall(6),
			f("raise_interrupt", "1", false, "cpu:i32, irq:i32"),
			glob("init_task", "1", true, ptr, false),
			glob("boot_command_line", "1", true, ptr, false),
			glob("initrd_start", "1", true, ptr, false),
			glob("initrd_end", "1", true, ptr, false),
			// Probably no longer exported (--export-table left the link
			// flags, facts section 1 [i]); the host never used it.
			{Name: "__indirect_function_table", Kind: wasmbin.KindTable, Elem: wasmbin.FuncRef, Section: "1"},
			glob("memory_start", "2", false, ptr, false),
			glob("memory_end", "2", false, ptr, false),
			glob("memory_kernel_break", "2", false, ptr, false),
		},
		MaxMemoryPages: maxPages,
	}
	for i := range s.Exports {
		s.Exports[i].Impl = "" // exports are called, not implemented, by the host
	}
	return s
}

// User64 is the user-program ABI of the 7.0 wasm64 kind
// (gen2-interface-facts.md sections 4 and 8): a memory64 memory,
// __stack_pointer, __memory_base and __table_base i64, the new i32
// __table_base32, and i64 syscall words. The table is 32-bit in upstream's
// programs; a program linked by clang/wasm-ld 19 imports a table64 instead,
// and the host gives each program the table it imports (Wasm64Table).
var User64 = func() UserSpec {
	u := UserSpec{Module: User.Module, FirstSection: User.FirstSection, Wasm64Table: true}
	for _, s := range User.Imports {
		switch {
		case s.Kind == wasmbin.KindMemory:
			s.MaxPages = 262144
		case s.Kind == wasmbin.KindGlobal:
			s.Global = &wasmbin.GlobalType{Type: i64, Mutable: s.Global.Mutable}
		case strings.HasPrefix(s.Name, "__wasm_syscall_"):
			n := len(s.Func.Params)
			p := make([]wasmbin.ValType, n)
			for i := range p {
				p[i] = i64
			}
			s.Func = wasmbin.NewFuncType(p, []wasmbin.ValType{i64})
		}
		u.Imports = append(u.Imports, s)
	}
	u.Imports = append(u.Imports, glob("__table_base32", "4", false, i32, false))
	for _, s := range User.Exports {
		if s.Name == "__set_tls_base" {
			s = fn("__set_tls_base", "4", true, "tls:i64")
		}
		u.Exports = append(u.Exports, s)
	}
	return u
}()
