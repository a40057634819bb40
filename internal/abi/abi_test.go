package abi

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// JSON view of abi.json (only the parts the tables mirror).
type jParam struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type jSym struct {
	Module       string          `json:"module"`
	Name         string          `json:"name"`
	Kind         string          `json:"kind"`
	Params       json.RawMessage `json:"params"`
	Results      []string        `json:"results"`
	Type         string          `json:"type"`
	Mutable      *bool           `json:"mutable"`
	Shared       *bool           `json:"shared"`
	MaximumPages *uint64         `json:"maximum_pages"`
	Element      string          `json:"element"`
	Required     *bool           `json:"required"`
	Pattern      string          `json:"pattern"`
	OrNone       bool            `json:"results_or_none"`
	Section      string          `json:"section"`
}

type jABI struct {
	Vmlinux struct {
		Imports                []jSym   `json:"imports"`
		DeclaredButNotImported []string `json:"declared_but_not_imported"`
		Exports                []jSym   `json:"exports"`
	} `json:"vmlinux"`
	UserModule struct {
		Format  string `json:"format"`
		Imports []jSym `json:"imports"`
		Exports []jSym `json:"exports"`
	} `json:"user_module"`
	Constants map[string]json.RawMessage `json:"constants"`
}

func loadJSON(t *testing.T) *jABI {
	b, err := os.ReadFile("testdata/abi.json")
	require.NoError(t, err)
	var a jABI
	require.NoError(t, json.Unmarshal(b, &a))
	return &a
}

var kindByJSON = map[string]wasmbin.Kind{"function": wasmbin.KindFunc, "memory": wasmbin.KindMemory,
	"global": wasmbin.KindGlobal, "table": wasmbin.KindTable}

var valByJSON = map[string]wasmbin.ValType{"i32": wasmbin.I32, "i64": wasmbin.I64, "f32": wasmbin.F32,
	"f64": wasmbin.F64, "funcref": wasmbin.FuncRef, "externref": wasmbin.ExternRef}

func jsonFuncType(t *testing.T, j jSym) (*wasmbin.FuncType, []string) {
	var ps []jParam
	require.NoError(t, json.Unmarshal(j.Params, &ps), "params of %s", j.Name)
	var params, results []wasmbin.ValType
	var names []string
	for _, p := range ps {
		v, ok := valByJSON[p.Type]
		require.True(t, ok, "%s: type %q", j.Name, p.Type)
		params = append(params, v)
		names = append(names, p.Name)
	}
	for _, r := range j.Results {
		v, ok := valByJSON[r]
		require.True(t, ok, "%s: result %q", j.Name, r)
		results = append(results, v)
	}
	return wasmbin.NewFuncType(params, results), names
}

// compareSymbols checks that the Go table and the JSON list name the same
// symbols with the same kinds and types.
func compareSymbols(t *testing.T, what string, goSyms []Symbol, js []jSym) {
	t.Helper()
	jsByName := map[string]jSym{}
	for _, j := range js {
		_, dup := jsByName[j.Name]
		require.False(t, dup, "%s: duplicate %s in abi.json", what, j.Name)
		jsByName[j.Name] = j
	}
	goByName := map[string]bool{}
	for i := range goSyms {
		s := &goSyms[i]
		require.False(t, goByName[s.Name], "%s: duplicate %s in Go table", what, s.Name)
		goByName[s.Name] = true
		j, ok := jsByName[s.Name]
		if !assert.True(t, ok, "%s %s is in the Go table but not in abi.json", what, s.Name) {
			continue
		}
		assert.Equal(t, kindByJSON[j.Kind], s.Kind, "%s %s kind", what, s.Name)
		if j.Module != "" {
			assert.Equal(t, "env", j.Module)
		}
		if j.Section != "" {
			assert.Equal(t, j.Section, s.Section, "%s %s section", what, s.Name)
		}
		if j.Required != nil {
			assert.Equal(t, *j.Required, s.Required, "%s %s required", what, s.Name)
		}
		switch s.Kind {
		case wasmbin.KindFunc:
			ft, names := jsonFuncType(t, j)
			assert.True(t, ft.Equal(s.Func), "%s %s: abi.json %s, Go %s", what, s.Name, ft, s.Func)
			assert.Equal(t, names, s.ParamNames, "%s %s param names", what, s.Name)
		case wasmbin.KindGlobal:
			require.NotNil(t, j.Mutable, s.Name)
			assert.Equal(t, wasmbin.GlobalType{Type: valByJSON[j.Type], Mutable: *j.Mutable}, *s.Global, "%s %s", what, s.Name)
		case wasmbin.KindMemory:
			require.NotNil(t, j.Shared)
			require.NotNil(t, j.MaximumPages)
			assert.Equal(t, *j.Shared, s.Shared)
			assert.Equal(t, *j.MaximumPages, s.MaxPages)
		case wasmbin.KindTable:
			want := wasmbin.FuncRef // kernel entry gives no element: funcref table
			if j.Element != "" {
				want = valByJSON[j.Element]
			}
			assert.Equal(t, want, s.Elem, "%s %s element", what, s.Name)
		}
	}
	for name := range jsByName {
		assert.True(t, goByName[name], "%s %s is in abi.json but not in the Go table", what, name)
	}
}

func TestKernelTableMatchesJSON(t *testing.T) {
	a := loadJSON(t)
	var imports []jSym
	var sys *jSym
	for i, j := range a.Vmlinux.Imports {
		if j.Pattern != "" {
			sys = &a.Vmlinux.Imports[i]
			continue
		}
		imports = append(imports, j)
	}
	compareSymbols(t, "kernel import", Kernel.Imports, imports)
	compareSymbols(t, "kernel export", Kernel.Exports, a.Vmlinux.Exports)
	assert.Len(t, Kernel.Imports, 13, "memory + twelve host functions")

	require.NotNil(t, sys, "abi.json sys_<name> rule")
	assert.Equal(t, "^"+Kernel.SysPrefix, sys.Pattern)
	assert.Equal(t, "function", sys.Kind)
	require.Len(t, sys.Results, 1)
	assert.Equal(t, Kernel.SysResult, valByJSON[sys.Results[0]])
	// The corrected 2.14: the result may also be absent.
	assert.True(t, sys.OrNone, "abi.json: sys_* result i32 or none")
	assert.True(t, Kernel.IsSysStub("sys_x", wasmbin.NewFuncType(nil, nil)), "sys_* without a result accepted, as abi.json says")
	assert.Equal(t, a.Vmlinux.DeclaredButNotImported, Kernel.NotImported)

	var enosys int32
	require.NoError(t, json.Unmarshal(a.Constants["ENOSYS"], &enosys))
	assert.Equal(t, -enosys, Kernel.SysStubResult)
}

func TestUserTableMatchesJSON(t *testing.T) {
	a := loadJSON(t)
	compareSymbols(t, "user import", User.Imports, a.UserModule.Imports)
	compareSymbols(t, "user export", User.Exports, a.UserModule.Exports)
	assert.Contains(t, a.UserModule.Format, User.FirstSection)
}

func TestSyscallEntriesAgree(t *testing.T) {
	for n := 0; n <= 6; n++ {
		k := Kernel.Export(fmt.Sprintf("wasm_syscall_%d", n))
		u := User.Import(fmt.Sprintf("__wasm_syscall_%d", n))
		require.NotNil(t, k)
		require.NotNil(t, u)
		assert.True(t, k.Func.Equal(u.Func))
		assert.Len(t, k.Func.Params, 3+n)
	}
}

func TestIsSysStub(t *testing.T) {
	ft := func(p []wasmbin.ValType, r ...wasmbin.ValType) *wasmbin.FuncType { return wasmbin.NewFuncType(p, r) }
	assert.True(t, Kernel.IsSysStub("sys_sync", ft(nil, i32)))
	assert.True(t, Kernel.IsSysStub("sys_fadvise64_64", ft([]wasmbin.ValType{i32, i64, i64, i32}, i32)))
	assert.False(t, Kernel.IsSysStub("sys_", ft(nil, i32)))
	// A real build imports sys_landlock_add_rule as () -> () (2.14).
	assert.True(t, Kernel.IsSysStub("sys_landlock_add_rule", ft(nil)))
	assert.True(t, Kernel.IsSysStub("sys_x", ft([]wasmbin.ValType{i32, i64})))
	assert.False(t, Kernel.IsSysStub("sys_x", ft(nil, i32, i32)))
	assert.False(t, Kernel.IsSysStub("sys_x", ft(nil, i64)))
	assert.False(t, Kernel.IsSysStub("sys_x", ft([]wasmbin.ValType{wasmbin.F32}, i32)))
	assert.False(t, Kernel.IsSysStub("wasm_x", ft(nil, i32)))
	assert.False(t, Kernel.IsSysStub("sys_x", nil))
}

func parse(t *testing.T, tm *tModule) *wasmbin.Module {
	t.Helper()
	m, err := wasmbin.Parse(tm.bytes())
	require.NoError(t, err)
	return m
}

func TestCheckKernelGood(t *testing.T) {
	info, err := CheckKernel(parse(t, goodKernel()))
	require.NoError(t, err)
	assert.Equal(t, uint64(43), info.MemoryMin)
	assert.Equal(t, uint64(65536), info.MemoryMax)
	assert.True(t, info.HasRaiseInterrupt)
	require.Len(t, info.SysStubs, 3)
	assert.Equal(t, "sys_fadvise64_64", info.SysStubs[0].Name)
	assert.Equal(t, "(i32, i64, i64, i32) -> i32", info.SysStubs[0].Type.String())
	assert.Equal(t, "() -> i32", info.SysStubs[1].Type.String())
	assert.Len(t, info.HostImports, 12)

	// Optional exports and unused imports may be absent.
	tm := goodKernel()
	tm.removeExport("raise_interrupt")
	tm.removeExport("memory_start")
	tm.removeExport("__indirect_function_table")
	tm.removeImport("wasm_stop_cpu")
	tm.removeImport("sys_acct")
	info, err = CheckKernel(parse(t, tm))
	require.NoError(t, err)
	assert.False(t, info.HasRaiseInterrupt)
	assert.Len(t, info.SysStubs, 2)

	_, err = CheckKernel(nil)
	assert.ErrorIs(t, err, ErrNilModule)
}

func kernelProblems(t *testing.T, tm *tModule) []string {
	t.Helper()
	_, err := CheckKernel(parse(t, tm))
	require.Error(t, err)
	var me *MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "kernel", me.What)
	t.Log(err)
	return me.Messages()
}

func TestCheckKernelProblems(t *testing.T) {
	tm := goodKernel()
	tm.removeExport("ret_from_fork")
	tm.removeExport("init_task")
	tm.importNamed("wasm_serialize_tasks").fn = wasmbin.NewFuncType([]wasmbin.ValType{i32}, []wasmbin.ValType{i32})
	tm.imports = append(tm.imports,
		tImport{module: "env", name: "foo", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, nil)},
		tImport{module: "other", name: "bar", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, nil)},
		tImport{module: "env", name: "__bad_udelay", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType([]wasmbin.ValType{i32}, nil)},
		tImport{module: "env", name: "sys_bad", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType([]wasmbin.ValType{wasmbin.F64}, []wasmbin.ValType{i32})},
		tImport{module: "env", name: "wasm_reload_program", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, nil)},
	)
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 30, Max: 70000, HasMax: true}
	tm.exportNamed("_start_secondary").fn = wasmbin.NewFuncType(nil, nil)
	tm.exportNamed("boot_command_line").global = &wasmbin.GlobalType{Type: i32, Mutable: true}
	tm.exportNamed("initrd_end").global = &wasmbin.GlobalType{Type: i64}
	tm.exportNamed("get_user_tls_base").kind = wasmbin.KindGlobal
	tm.exportNamed("get_user_tls_base").global = &wasmbin.GlobalType{Type: i32}

	msgs := kernelProblems(t, tm)
	want := []string{
		"import wasm_serialize_tasks has type (i32) -> i32, want (i32, i32) -> i32",
		"unknown import env.foo",
		`unknown import other.bar (only module "env" is provided)`,
		"import __bad_udelay: link-time assertion trap present, kernel build is faulty",
		"import sys_bad has type (f64) -> i32, want i32/i64 parameters and one i32 result or none (unimplemented syscall)",
		"unknown import env.wasm_reload_program",
		"memory is not shared (link with --shared-memory)",
		"memory maximum is 70000 pages, want at most 65536",
		"missing export ret_from_fork",
		"missing export init_task",
		"export _start_secondary has type () -> (), want (i32) -> ()",
		"export boot_command_line has type mut i32, want i32",
		"export initrd_end has type i64, want i32",
		"export get_user_tls_base is a global, want a function () -> i32",
	}
	sort.Strings(want)
	sort.Strings(msgs)
	assert.Equal(t, want, msgs)
}

func TestCheckKernelMemory(t *testing.T) {
	tm := goodKernel()
	tm.removeImport("memory")
	assert.Equal(t, []string{"memory is not imported (env.memory)"}, kernelProblems(t, tm))

	tm = goodKernel()
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 30}
	assert.Equal(t, []string{"memory is not shared (link with --shared-memory)", "memory has no maximum, want at most 65536 pages"}, kernelProblems(t, tm))

	tm = goodKernel()
	*tm.importNamed("memory") = tImport{module: "env", name: "memory", kind: wasmbin.KindGlobal, global: &wasmbin.GlobalType{Type: i32}}
	assert.Equal(t, []string{"import memory is a global, want a memory"}, kernelProblems(t, tm))
}

func TestCheckKernelKinds(t *testing.T) {
	for _, kind := range KernelKinds {
		t.Run(kind.String(), func(t *testing.T) {
			info, err := CheckKernel(parse(t, kernelOf(kind.Spec())))
			require.NoError(t, err)
			assert.Equal(t, kind, info.Kind)
			assert.Len(t, info.HostImports, len(kind.Spec().Imports)-1, "every host function")
			assert.Empty(t, info.SysStubs)
			assert.False(t, info.UnexpectedSysStubs())
			require.Len(t, info.HostImpls, len(info.HostImports))
		})
	}
	// The implementation names: the worker exports one Go function per wasm type.
	info, err := CheckKernel(parse(t, kernelOf(&Kernel70Wasm32)))
	require.NoError(t, err)
	impls := map[string]string{}
	for i, n := range info.HostImports {
		impls[n] = info.HostImpls[i]
	}
	assert.Equal(t, "wasm_start_cpu_idle", impls["wasm_start_cpu"], "the 2-argument wasm_start_cpu")
	assert.Equal(t, "wasm_random_get_bytes", impls["wasm_random_get_bytes"])
	assert.Equal(t, "wasm_serialize_tasks", impls["wasm_serialize_tasks"], "same type as the initial release")
	info, err = CheckKernel(parse(t, kernelOf(&Kernel70Wasm64)))
	require.NoError(t, err)
	for i, n := range info.HostImports {
		impls[n] = info.HostImpls[i]
	}
	assert.Equal(t, "wasm_start_cpu_idle_w64", impls["wasm_start_cpu"])
	assert.Equal(t, "wasm_serialize_tasks_w64", impls["wasm_serialize_tasks"])
	assert.Equal(t, "wasm_user_mode_tail", impls["wasm_user_mode_tail"], "(i32) -> () on both widths")
	assert.Equal(t, "wasm_cpu_clock_get_monotonic", impls["wasm_cpu_clock_get_monotonic"])

	// Facts section 1: the wasm64 types that stay i32.
	assert.Equal(t, "(i32, i64) -> ()", Kernel70Wasm64.Import("wasm_start_cpu").Func.String())
	assert.Equal(t, "(i64, i64) -> i32", Kernel70Wasm64.Export("ret_from_fork").Func.String())
	assert.Equal(t, "(i32, i32) -> ()", Kernel70Wasm64.Export("raise_interrupt").Func.String())
	assert.Equal(t, "(i64, i64, i64, i64) -> i64", Kernel70Wasm64.Export("wasm_syscall_1").Func.String())
	assert.Equal(t, uint64(262144), Kernel70Wasm64.Import("memory").MaxPages)
}

// Facts section 1 infers that a 7.0 kernel exports its per-instance mutable
// `current` global and no longer exports the function table: the host must
// accept either way.
func TestCheckKernel70InferredExports(t *testing.T) {
	for _, k := range []*KernelSpec{&Kernel70Wasm32, &Kernel70Wasm64} {
		tm := kernelOf(k)
		tm.removeExport("__indirect_function_table")
		ptr := wasmbin.I32
		if k.Memory64 {
			ptr = wasmbin.I64
		}
		tm.exports = append(tm.exports, tExport{name: "current", kind: wasmbin.KindGlobal, global: &wasmbin.GlobalType{Type: ptr, Mutable: true}})
		info, err := CheckKernel(parse(t, tm))
		require.NoError(t, err, k.Kind)
		assert.Equal(t, k.Kind, info.Kind)
	}
}

// A 7.0 kernel with sys_* imports (built before cond_syscall aliased
// sys_ni_syscall) is run with them stubbed, as the facts advise (section 7);
// the info says they were not expected.
func TestCheckKernel70WithSysImports(t *testing.T) {
	tm := kernelOf(&Kernel70Wasm32)
	tm.imports = append(tm.imports, tImport{module: "env", name: "sys_sync", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, []wasmbin.ValType{i32})})
	info, err := CheckKernel(parse(t, tm))
	require.NoError(t, err)
	assert.Equal(t, Gen70Wasm32, info.Kind)
	require.Len(t, info.SysStubs, 1)
	assert.True(t, info.UnexpectedSysStubs())

	// wasm64: the stub's result is i64 (long); an i32 result is refused.
	tm = kernelOf(&Kernel70Wasm64)
	tm.imports = append(tm.imports,
		tImport{module: "env", name: "sys_sync", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, []wasmbin.ValType{i64})},
		tImport{module: "env", name: "sys_acct", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType([]wasmbin.ValType{i64}, []wasmbin.ValType{i32})})
	assert.Equal(t, []string{"import sys_acct has type (i64) -> i32, want i32/i64 parameters and one i64 result or none (unimplemented syscall)"},
		kernelProblems(t, tm))
}

func kernelMismatch(t *testing.T, tm *tModule) *MismatchError {
	t.Helper()
	_, err := CheckKernel(parse(t, tm))
	var me *MismatchError
	require.ErrorAs(t, err, &me)
	t.Log(err)
	return me
}

// Modules that mix the generations or the widths fit no kind: every
// mismatch is named, with the kind its type belongs to.
func TestCheckKernelMixedKinds(t *testing.T) {
	// A wasm64 memory with wasm32 imports and exports.
	tm := kernelOf(&Kernel70Wasm32)
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 43, Max: 65536, HasMax: true, Shared: true, Memory64: true}
	me := kernelMismatch(t, tm)
	assert.Contains(t, me.CheckedAs, "checked as a 7.0 wasm64 kernel (Linux 7.0-era generation, wasm64 (memory64)) because its memory is memory64")
	msgs := me.Messages()
	assert.Contains(t, msgs, "import wasm_panic has type (i32) -> (), want (i64) -> () (that is the type of an initial release wasm32 or a 7.0 wasm32 kernel: this module mixes kernel kinds)")
	assert.Contains(t, msgs, "import wasm_start_cpu has type (i32, i32) -> (), want (i32, i64) -> () (that is the type of a 7.0 wasm32 kernel: this module mixes kernel kinds)")
	assert.Contains(t, msgs, "import wasm_random_get_bytes has type (i32, i32) -> i32, want (i64, i64) -> i64 (that is the type of a 7.0 wasm32 kernel: this module mixes kernel kinds)")
	assert.Contains(t, msgs, "export _start_secondary has type (i32) -> (), want (i64) -> () (that is the type of an initial release wasm32 or a 7.0 wasm32 kernel: this module mixes kernel kinds)")
	assert.Contains(t, msgs, "export init_task has type i32, want i64")
	// 10 pointer-typed imports, 11 pointer-typed function exports, 7 address globals
	assert.Len(t, msgs, 10+11+7, "wasm_stop_cpu, wasm_user_mode_tail, the clock, _start, raise_exception and raise_interrupt keep their types")

	// The initial release's 3-argument wasm_start_cpu beside the 7.0
	// random import, on a wasm32 memory.
	tm = goodKernel()
	tm.imports = append(tm.imports, tImport{module: "env", name: "wasm_random_get_bytes", kind: wasmbin.KindFunc,
		fn: wasmbin.NewFuncType([]wasmbin.ValType{i32, i32}, []wasmbin.ValType{i32})})
	me = kernelMismatch(t, tm)
	assert.Contains(t, me.CheckedAs, "checked as a 7.0 wasm32 kernel (Linux 7.0-era generation, wasm32) because it imports wasm_random_get_bytes")
	assert.Equal(t, []string{
		"import wasm_start_cpu has type (i32, i32, i32) -> (), want (i32, i32) -> () (that is the type of an initial release wasm32 kernel: this module mixes kernel kinds)",
	}, me.Messages(), "the sys_* imports are stubbed on either generation")

	// wasm64 imports on a 32-bit memory: a 7.0 wasm32 kernel by its
	// 2-parameter wasm_start_cpu, with wasm64 types.
	tm = kernelOf(&Kernel70Wasm64)
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 43, Max: 65536, HasMax: true, Shared: true}
	tm.importNamed("wasm_start_cpu").fn = wasmbin.NewFuncType([]wasmbin.ValType{i32, i32}, nil)
	me = kernelMismatch(t, tm)
	assert.Contains(t, me.CheckedAs, "because it imports wasm_start_cpu with 2 parameters")
	assert.Contains(t, me.Messages(), "import wasm_serialize_tasks has type (i64, i64) -> i64, want (i32, i32) -> i32 (that is the type of a 7.0 wasm64 kernel: this module mixes kernel kinds)")

	// The memory itself: wasm64's maximum on a wasm32 memory.
	tm = kernelOf(&Kernel70Wasm32)
	tm.importNamed("memory").mem.Max = 262144
	assert.Equal(t, []string{"memory maximum is 262144 pages, want at most 65536"}, kernelProblems(t, tm))
}

func TestMismatchErrorText(t *testing.T) {
	e := &MismatchError{What: "kernel", Problems: []Problem{{Symbol: "a", Msg: "missing export a"}}}
	assert.Equal(t, "kernel does not match the Linux/Wasm host ABI (1 problem):\n  - missing export a", e.Error())
	e.Problems = append(e.Problems, Problem{Msg: "unknown import env.b"})
	assert.True(t, strings.HasPrefix(e.Error(), "kernel does not match the Linux/Wasm host ABI (2 problems):"))
	assert.Equal(t, "unknown import env.b", e.Problems[1].String())
}

func TestCheckUserProgramGood(t *testing.T) {
	info, err := CheckUserProgram(parse(t, goodProgram()))
	require.NoError(t, err)
	assert.Equal(t, wasmbin.DylinkMemInfo{MemSize: 4096, MemAlign: 4, TableSize: 20}, info.Dylink)
	assert.True(t, info.HasTable)
	assert.Equal(t, uint64(20), info.TableMin)
	assert.Equal(t, uint64(20), info.TableSize())
	assert.Equal(t, &wasmbin.Limits{Min: 1, Max: 65536, HasMax: true, Shared: true}, info.Memory)
	assert.True(t, info.HasApplyDataRelocs && info.HasCallCtors && info.HasStart && info.HasCloneCallback && info.HasHandleSignal && info.HasSetTLSBase)
	assert.Len(t, info.Imports, len(User.Imports))

	// A minimal program: imports only memory, no table, few exports.
	tm := &tModule{dylink: &wasmbin.DylinkMemInfo{MemSize: 16, TableSize: 3}}
	tm.imports = []tImport{{module: "env", name: "memory", kind: wasmbin.KindMemory, mem: &wasmbin.Limits{Min: 1, Max: 100, HasMax: true, Shared: true}}}
	tm.exports = []tExport{{name: "_start", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, nil)},
		{name: "other", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType([]wasmbin.ValType{wasmbin.F32}, nil)}}
	info, err = CheckUserProgram(parse(t, tm))
	require.NoError(t, err)
	assert.False(t, info.HasTable)
	assert.Equal(t, uint64(3), info.TableSize())
	assert.True(t, info.HasStart)
	assert.False(t, info.HasCallCtors)
	assert.Equal(t, []string{"memory"}, info.Imports)

	_, err = CheckUserProgram(nil)
	assert.ErrorIs(t, err, ErrNilModule)
}

func programProblems(t *testing.T, tm *tModule) []string {
	t.Helper()
	_, err := CheckUserProgram(parse(t, tm))
	require.Error(t, err)
	var me *MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "user program", me.What)
	t.Log(err)
	return me.Messages()
}

func TestCheckUserProgramProblems(t *testing.T) {
	tm := goodProgram()
	tm.dylink = nil
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 1, Max: 65536, HasMax: true}
	tm.importNamed("__stack_pointer").global = &wasmbin.GlobalType{Type: i32}
	tm.importNamed("__wasm_syscall_2").fn = wasmbin.NewFuncType([]wasmbin.ValType{i32, i32, i32, i32}, []wasmbin.ValType{i32})
	tm.imports = append(tm.imports,
		tImport{module: "GOT.mem", name: "x", kind: wasmbin.KindGlobal, global: &wasmbin.GlobalType{Type: i32, Mutable: true}},
		tImport{module: "env", name: "printf", kind: wasmbin.KindFunc, fn: wasmbin.NewFuncType(nil, nil)},
	)
	tm.exportNamed("__libc_clone_callback").fn = wasmbin.NewFuncType(nil, nil)
	msgs := programProblems(t, tm)
	assert.Equal(t, []string{
		`first section is the type section, want custom section "dylink.0" (not a position-independent Linux/Wasm program: link with -shared)`,
		"memory is not shared (link with --shared-memory)",
		"import __stack_pointer has type i32, want mut i32",
		"import __wasm_syscall_2 has type (i32, i32, i32, i32) -> i32, want (i32, i32, i32, i32, i32) -> i32",
		"unknown import GOT.mem.x",
		"unknown import env.printf",
		"export __libc_clone_callback has type () -> (), want () -> i32",
	}, msgs)

	tm = goodProgram()
	tm.dylink = nil
	tm.firstOther = sec(0, cat(str("dylink.0")))
	assert.Equal(t, []string{"section dylink.0 has no WASM_DYLINK_MEM_INFO subsection"}, programProblems(t, tm))

	tm = goodProgram()
	tm.dylink = nil
	tm.firstOther = sec(0, cat(str("producers")))
	assert.Equal(t, []string{`first section is custom section "producers", want custom section "dylink.0" (not a position-independent Linux/Wasm program: link with -shared)`}, programProblems(t, tm))

	tm = goodProgram()
	*tm.importNamed("__indirect_function_table") = tImport{module: "env", name: "__indirect_function_table", kind: wasmbin.KindTable, elem: wasmbin.ExternRef}
	*tm.importNamed("__wasm_abort") = tImport{module: "env", name: "__wasm_abort", kind: wasmbin.KindGlobal, global: &wasmbin.GlobalType{Type: i32}}
	assert.Equal(t, []string{
		"import __indirect_function_table is a table of externref, want funcref",
		"import __wasm_abort is a global, want a function () -> ()",
	}, programProblems(t, tm))

	// A 64-bit table in a wasm32 program.
	tm = goodProgram()
	tm.importNamed("__indirect_function_table").table64 = true
	assert.Equal(t, []string{"import __indirect_function_table is a 64-bit table, want 32-bit"}, programProblems(t, tm))
}

// wasm64 programs (7.0 wasm64 kernels): memory64, i64 globals and syscall
// words, __table_base32; a 32-bit table as upstream links them or a table64
// as clang-19 does.
func TestCheckUserProgramWasm64(t *testing.T) {
	prog64 := func(table64 bool) *tModule {
		tm := &tModule{dylink: &wasmbin.DylinkMemInfo{MemSize: 4096, MemAlign: 4, TableSize: 20}}
		for _, s := range User64.Imports {
			im := tImport{module: "env", name: s.Name, kind: s.Kind, fn: s.Func, global: s.Global, tableMin: 20, elem: s.Elem}
			if s.Kind == wasmbin.KindMemory {
				im.mem = &wasmbin.Limits{Min: 1, Max: 262144, HasMax: true, Shared: true, Memory64: true}
			}
			im.table64 = s.Kind == wasmbin.KindTable && table64
			tm.imports = append(tm.imports, im)
		}
		for _, s := range User64.Exports {
			tm.exports = append(tm.exports, tExport{name: s.Name, kind: s.Kind, fn: s.Func})
		}
		return tm
	}
	for _, t64 := range []bool{false, true} {
		info, err := CheckUserProgram(parse(t, prog64(t64)))
		require.NoError(t, err, "table64 %v", t64)
		assert.True(t, info.Memory.Memory64)
		assert.Contains(t, info.Imports, "__table_base32")
		assert.True(t, info.HasSetTLSBase)
	}
	// wasm32 globals and syscalls on a wasm64 memory: each named.
	tm := goodProgram()
	tm.importNamed("memory").mem = &wasmbin.Limits{Min: 1, Max: 65536, HasMax: true, Shared: true, Memory64: true}
	msgs := programProblems(t, tm)
	assert.Contains(t, msgs, "import __memory_base has type i32, want i64")
	assert.Contains(t, msgs, "import __wasm_syscall_1 has type (i32, i32, i32, i32) -> i32, want (i64, i64, i64, i64) -> i64")
	assert.Contains(t, msgs, "export __set_tls_base has type (i32) -> (), want (i64) -> ()")
}
