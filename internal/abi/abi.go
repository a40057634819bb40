// Package abi describes the interface between the Linux/Wasm kernel
// (vmlinux.wasm), its user programs and the host, as Go data, and checks
// parsed modules against it before a host tries to instantiate them.
//
// [Kernel] follows linux-wasm-host-abi.md (sections 2, 3, 6.3, 6.4) and its
// machine-readable companion abi.json, for the initial release of the kernel
// patches (Linux 6.4.16, wasm32). [Kernel70Wasm32] and [Kernel70Wasm64] are
// the Linux 7.0-era generation of gen2-interface-facts.md (section 1), for
// both pointer widths. [CheckKernel] tells the three kinds apart by the
// module's memory type and imports and checks the module against the one it
// is.
package abi

import (
	"strings"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// Symbol is one import or export of the ABI.
type Symbol struct {
	Name string
	Kind wasmbin.Kind

	// KindFunc: the exact type and the parameter names of the spec.
	Func       *wasmbin.FuncType
	ParamNames []string
	// KindGlobal: the exact type.
	Global *wasmbin.GlobalType
	// KindTable: the element type.
	Elem wasmbin.ValType
	// KindMemory: the memory must be shared and its maximum must not
	// exceed MaxPages (64 KiB pages).
	Shared   bool
	MaxPages uint64

	// Impl (kernel imports only) is the name under which the host's
	// worker exports its implementation of this import when it is not
	// Name: one Go export has one wasm type, so an import whose type a
	// generation changed is implemented by a second, thin export.
	Impl string

	// Required mirrors abi.json. For kernel exports CheckKernel refuses a
	// kernel without it. For user exports it is informative:
	// CheckUserProgram reports which exports exist in ProgramInfo instead
	// of refusing, since each is needed only on some run paths. Imports are
	// never required: a module imports only what it uses.
	Required bool
	// Section of linux-wasm-host-abi.md that defines the symbol
	// (gen2-interface-facts.md for the 7.0-era kinds).
	Section string
}

// TypeString formats the symbol's type: "(i32, i32) -> i32", "i32",
// "mut i32", "table funcref" or "shared memory, max 65536 pages".
func (s *Symbol) TypeString() string {
	switch s.Kind {
	case wasmbin.KindFunc:
		return s.Func.String()
	case wasmbin.KindGlobal:
		return s.Global.String()
	case wasmbin.KindTable:
		return "table " + s.Elem.String()
	case wasmbin.KindMemory:
		if s.Shared {
			return "shared memory, max " + itoa(s.MaxPages) + " pages"
		}
		return "memory, max " + itoa(s.MaxPages) + " pages"
	}
	return s.Kind.String()
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

const (
	i32 = wasmbin.I32
	i64 = wasmbin.I64
)

func fn(name, section string, required bool, params string, results ...wasmbin.ValType) Symbol {
	s := Symbol{Name: name, Kind: wasmbin.KindFunc, Required: required, Section: section}
	var ps []wasmbin.ValType
	if params != "" {
		for _, p := range strings.Split(params, ",") {
			n, t, _ := strings.Cut(strings.TrimSpace(p), ":")
			s.ParamNames = append(s.ParamNames, n)
			switch t {
			case "i32":
				ps = append(ps, i32)
			case "i64":
				ps = append(ps, i64)
			default:
				panic("abi: bad param type in table: " + p)
			}
		}
	}
	s.Func = wasmbin.NewFuncType(ps, results)
	return s
}

func glob(name, section string, required bool, t wasmbin.ValType, mutable bool) Symbol {
	return Symbol{Name: name, Kind: wasmbin.KindGlobal, Global: &wasmbin.GlobalType{Type: t, Mutable: mutable},
		Required: required, Section: section}
}

// syscallEntry returns wasm_syscall_N (kernel export) or __wasm_syscall_N
// (user import): (sp, tp, nr, a0..a(N-1)) -> i32.
func syscallEntry(prefix string, n int, section string, required bool) Symbol {
	params := "sp:i32, tp:i32, nr:i32"
	for i := 0; i < n; i++ {
		params += ", a" + itoa(uint64(i)) + ":i32"
	}
	return fn(prefix+itoa(uint64(n)), section, required, params, i32)
}

// KernelSpec is the interface of vmlinux.wasm. All imports come from
// module Module.
type KernelSpec struct {
	// Kind is the kind of kernel this spec describes.
	Kind KernelKind
	// Memory64: the memory has a 64-bit index (a wasm64 build).
	Memory64 bool
	Module   string
	// Imports: the memory and the twelve host functions (section 2).
	Imports []Symbol
	// SysPrefix: any function import named SysPrefix+<name> whose params
	// are all in SysParamTypes and whose result is SysResult or absent is
	// an unimplemented syscall; the host answers SysStubResult where there
	// is a result (section 2.14). A real build imports some of them as
	// () -> (): the compiler types a reference it only sees through the
	// syscall table's void (*)(void) cast that way.
	SysPrefix     string
	SysParamTypes []wasmbin.ValType
	SysResult     wasmbin.ValType
	SysStubResult int32
	// TrapImports are link-time assertion traps: if one is imported the
	// kernel build is faulty and must not be booted.
	TrapImports []string
	// NotImported are declared by the kernel headers but never referenced,
	// so a correct kernel does not import them.
	NotImported []string
	// Exports used by the host (section 3) and informative data symbols.
	Exports []Symbol
	// MaxMemoryPages is the largest maximum the host may give the memory.
	MaxMemoryPages uint64
}

// Kernel is the initial-release kernel ABI.
var Kernel = KernelSpec{
	Kind:   InitialWasm32,
	Module: "env",
	Imports: []Symbol{
		{Name: "memory", Kind: wasmbin.KindMemory, Shared: true, MaxPages: 65536, Section: "2.1"},
		fn("wasm_start_cpu", "2.2", false, "cpu:i32, idle_task:i32, start_stack:i32"),
		fn("wasm_stop_cpu", "2.3", false, "cpu:i32"),
		fn("wasm_create_and_run_task", "2.4", false,
			"prev:i32, new:i32, name:i32, bin_start:i32, bin_end:i32, data_start:i32, table_start:i32", i32),
		fn("wasm_release_task", "2.5", false, "dead_task:i32"),
		fn("wasm_serialize_tasks", "2.6", false, "prev:i32, next:i32", i32),
		fn("wasm_panic", "2.7", false, "msg:i32"),
		fn("wasm_dump_stacktrace", "2.8", false, "buf:i32, max_size:i32"),
		fn("wasm_load_executable", "2.9", false, "bin_start:i32, bin_end:i32, data_start:i32, table_start:i32"),
		fn("wasm_user_mode_tail", "2.10", false, "flow:i32"),
		fn("wasm_cpu_clock_get_monotonic", "2.11", false, "", i64),
		fn("wasm_driver_hvc_put", "2.12", false, "buf:i32, count:i32", i32),
		fn("wasm_driver_hvc_get", "2.13", false, "buf:i32, count:i32", i32),
	},
	SysPrefix:     "sys_",
	SysParamTypes: []wasmbin.ValType{i32, i64},
	SysResult:     i32,
	SysStubResult: -38,
	TrapImports:   []string{"__generic_xchg_called_with_bad_pointer", "__bad_udelay", "__bad_ndelay"},
	NotImported:   []string{"wasm_reload_program", "wasm_clone_callback"},
	Exports: []Symbol{
		fn("_start", "3", true, ""),
		fn("_start_secondary", "3", true, "start_stack:i32"),
		fn("ret_from_fork", "3", true, "prev:i32, new:i32", i32),
		fn("raise_exception", "3", true, ""),
		fn("get_user_stack_pointer", "3", true, "", i32),
		fn("get_user_tls_base", "3", true, "", i32),
		syscallEntry("wasm_syscall_", 0, "3", true),
		syscallEntry("wasm_syscall_", 1, "3", true),
		syscallEntry("wasm_syscall_", 2, "3", true),
		syscallEntry("wasm_syscall_", 3, "3", true),
		syscallEntry("wasm_syscall_", 4, "3", true),
		syscallEntry("wasm_syscall_", 5, "3", true),
		syscallEntry("wasm_syscall_", 6, "3", true),
		fn("raise_interrupt", "5.8", false, "cpu:i32, irq:i32"),
		glob("init_task", "3", true, i32, false),
		glob("boot_command_line", "3", true, i32, false),
		glob("initrd_start", "3", true, i32, false),
		glob("initrd_end", "3", true, i32, false),
		{Name: "__indirect_function_table", Kind: wasmbin.KindTable, Elem: wasmbin.FuncRef, Section: "3"},
		glob("memory_start", "3", false, i32, false),
		glob("memory_end", "3", false, i32, false),
		glob("memory_kernel_break", "3", false, i32, false),
	},
	MaxMemoryPages: 65536,
}

// Import returns the kernel import with that name, or nil.
func (k *KernelSpec) Import(name string) *Symbol { return find(k.Imports, name) }

// Export returns the kernel export with that name, or nil.
func (k *KernelSpec) Export(name string) *Symbol { return find(k.Exports, name) }

// IsSysStub reports whether an import name and type follow the sys_* rule:
// i32/i64 parameters and one SysResult result or none.
func (k *KernelSpec) IsSysStub(name string, t *wasmbin.FuncType) bool {
	if !strings.HasPrefix(name, k.SysPrefix) || len(name) == len(k.SysPrefix) || t == nil {
		return false
	}
	switch {
	case len(t.Results) > 1:
		return false
	case len(t.Results) == 1 && t.Results[0] != k.SysResult:
		return false
	}
	for _, p := range t.Params {
		ok := false
		for _, a := range k.SysParamTypes {
			ok = ok || p == a
		}
		if !ok {
			return false
		}
	}
	return true
}

func find(syms []Symbol, name string) *Symbol {
	for i := range syms {
		if syms[i].Name == name {
			return &syms[i]
		}
	}
	return nil
}

// UserSpec is the interface of a user program (sections 6.1, 6.3, 6.4).
type UserSpec struct {
	// Module all imports come from.
	Module string
	// FirstSection is the custom section that must come first.
	FirstSection string
	// Imports the host can satisfy; a program imports only those it uses.
	Imports []Symbol
	// Exports the host calls when present.
	Exports []Symbol
	// Wasm64Table: the table import may be a table64 (User64).
	Wasm64Table bool
}

// User is the user-program ABI.
var User = UserSpec{
	Module:       "env",
	FirstSection: "dylink.0",
	Imports: []Symbol{
		{Name: "memory", Kind: wasmbin.KindMemory, Shared: true, MaxPages: 65536, Section: "6.3"},
		{Name: "__indirect_function_table", Kind: wasmbin.KindTable, Elem: wasmbin.FuncRef, Section: "6.3"},
		glob("__stack_pointer", "6.3", false, i32, true),
		glob("__memory_base", "6.3", false, i32, false),
		glob("__table_base", "6.3", false, i32, false),
		syscallEntry("__wasm_syscall_", 0, "6.3", false),
		syscallEntry("__wasm_syscall_", 1, "6.3", false),
		syscallEntry("__wasm_syscall_", 2, "6.3", false),
		syscallEntry("__wasm_syscall_", 3, "6.3", false),
		syscallEntry("__wasm_syscall_", 4, "6.3", false),
		syscallEntry("__wasm_syscall_", 5, "6.3", false),
		syscallEntry("__wasm_syscall_", 6, "6.3", false),
		fn("__wasm_abort", "6.3", false, ""),
	},
	Exports: []Symbol{
		fn("__wasm_apply_data_relocs", "6.4", true, ""),
		fn("__wasm_call_ctors", "6.4", false, ""),
		fn("_start", "6.4", true, ""),
		fn("__libc_clone_callback", "6.4", true, "", i32),
		fn("__libc_handle_signal", "6.4", true, ""),
		fn("__set_tls_base", "6.4", true, "tls:i32"),
	},
}

// Import returns the user import with that name, or nil.
func (u *UserSpec) Import(name string) *Symbol { return find(u.Imports, name) }

// Export returns the user export with that name, or nil.
func (u *UserSpec) Export(name string) *Symbol { return find(u.Exports, name) }
