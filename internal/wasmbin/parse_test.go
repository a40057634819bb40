package wasmbin

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/linuxwasm/gohost/internal/wasmenc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValTypeAndFuncTypeString(t *testing.T) {
	names := map[ValType]string{I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128", FuncRef: "funcref", ExternRef: "externref"}
	for v, n := range names {
		assert.Equal(t, n, v.String())
	}
	assert.Equal(t, "valtype(0x40)", ValType(0x40).String())
	assert.Equal(t, "(i32, i64) -> i32", NewFuncType(vt(I32, I64), vt(I32)).String())
	assert.Equal(t, "() -> ()", NewFuncType(nil, nil).String())
	assert.Equal(t, "(f64) -> (i32, v128)", NewFuncType(vt(F64), vt(I32, V128)).String())
	assert.True(t, NewFuncType(vt(I32), nil).Equal(&FuncType{Params: []ValType{I32}, Results: []ValType{}}))
	assert.False(t, NewFuncType(vt(I32), nil).Equal(NewFuncType(vt(I64), nil)))
	assert.False(t, NewFuncType(vt(I32), nil).Equal(nil))
	assert.Equal(t, "mut i32", GlobalType{Type: I32, Mutable: true}.String())
	assert.Equal(t, "min 1, max 2, shared", Limits{Min: 1, Max: 2, HasMax: true, Shared: true}.String())
	assert.Equal(t, "function", KindFunc.String())
	assert.Equal(t, "tag", KindTag.String())
}

// kernelLike builds a module shaped like vmlinux: imports of functions,
// shared memory, defined functions, globals and exports of both.
func kernelLike() []byte {
	return module(
		sec(SecType, vec(
			functype(vt(I32, I32), vt(I32)), // 0
			functype(nil, vt(I64)),          // 1
			functype(nil, nil),              // 2
			functype(vt(I32), nil),          // 3
		)),
		sec(SecImport, vec(
			importMem("env", "memory", 0x03, 30, 65536),
			importFunc("env", "wasm_serialize_tasks", 0),
			importFunc("env", "wasm_cpu_clock_get_monotonic", 1),
		)),
		sec(SecFunction, vec(uleb(2), uleb(3), uleb(0))),
		sec(SecTable, vec([]byte{0x70, 0x00, 0x05})),
		sec(SecGlobal, vec(
			cat([]byte{byte(I32), 1, 0x41}, uleb(65536+512), []byte{0x0B}), // __stack_pointer
			[]byte{byte(I32), 0, 0x41, 0x40, 0x0B},                         // -64
		)),
		sec(SecExport, vec(
			export("_start", KindFunc, 2),
			export("_start_secondary", KindFunc, 3),
			export("ret_from_fork", KindFunc, 4),
			export("clock", KindFunc, 1),
			export("init_task", KindGlobal, 1),
			export("__indirect_function_table", KindTable, 0),
			export("mem", KindMemory, 0),
		)),
		codeSec(3),
		sec(SecCustom, str("name"), []byte{1, 2, 3}),
	)
}

func TestParseKernelLike(t *testing.T) {
	m, err := Parse(kernelLike())
	require.NoError(t, err)
	assert.Equal(t, uint32(1), m.Version)
	assert.Equal(t, "", m.FirstSection)
	assert.Nil(t, m.Dylink)
	require.Len(t, m.Imports, 3)
	mem := m.Imports[0]
	assert.Equal(t, KindMemory, mem.Kind)
	assert.Equal(t, &Limits{Min: 30, Max: 65536, HasMax: true, Shared: true}, mem.Memory)
	assert.Equal(t, "(i32, i32) -> i32", m.Imports[1].Func.String())
	assert.Equal(t, "() -> i64", m.Import("env", "wasm_cpu_clock_get_monotonic").Func.String())
	assert.Nil(t, m.Import("env", "nope"))
	assert.Equal(t, 2, m.NumImported(KindFunc))
	assert.Equal(t, 1, m.NumImported(KindMemory))

	assert.Equal(t, "() -> ()", m.Export("_start").Func.String())
	assert.Equal(t, "(i32) -> ()", m.Export("_start_secondary").Func.String())
	assert.Equal(t, "(i32, i32) -> i32", m.Export("ret_from_fork").Func.String())
	assert.Equal(t, "() -> i64", m.Export("clock").Func.String(), "re-exported import")
	assert.Equal(t, &GlobalType{Type: I32}, m.Export("init_task").Global)
	assert.Equal(t, FuncRef, m.Export("__indirect_function_table").Table.Elem)
	assert.True(t, m.Export("mem").Memory.Shared)
	assert.Nil(t, m.Export("none"))

	v, ok := m.Globals[1].ConstI32()
	assert.True(t, ok)
	assert.Equal(t, int32(-64), v)
	v, ok = m.Globals[0].ConstI32()
	assert.True(t, ok)
	assert.Equal(t, int32(65536+512), v)

	assert.Equal(t, "(i32, i32) -> i32", m.FuncTypeOf(0).String())
	assert.Equal(t, "(i32) -> ()", m.FuncTypeOf(3).String())
	assert.Nil(t, m.FuncTypeOf(5))
	assert.Equal(t, 3, m.CodeCount)
	require.NotNil(t, m.Custom("name"))
	assert.Equal(t, []byte{1, 2, 3}, m.Custom("name").Data)
	assert.Len(t, m.Sections, 8)
}

func TestParseUserProgramDylink(t *testing.T) {
	b := module(
		dylinkSec(1024, 4, 17, 0),
		sec(SecType, vec(functype(nil, nil), functype(vt(I32, I32, I32, I32), vt(I32)))),
		sec(SecImport, vec(
			importMem("env", "memory", 0x03, 1, 65536),
			importTable("env", "__indirect_function_table", 0x00, 17),
			importGlobal("env", "__stack_pointer", I32, true),
			importGlobal("env", "__memory_base", I32, false),
			importFunc("env", "__wasm_syscall_1", 1),
		)),
		sec(SecFunction, vec(uleb(0))),
		sec(SecExport, vec(export("_start", KindFunc, 1), export("sp", KindGlobal, 0))),
		codeSec(1),
	)
	m, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, "dylink.0", m.FirstSection)
	assert.Equal(t, &DylinkMemInfo{MemSize: 1024, MemAlign: 4, TableSize: 17, TableAlign: 0}, m.Dylink)
	tab := m.Import("env", "__indirect_function_table").Table
	assert.Equal(t, TableType{Elem: FuncRef, Limits: Limits{Min: 17}}, *tab)
	assert.Equal(t, &GlobalType{Type: I32, Mutable: true}, m.Export("sp").Global)
	assert.Equal(t, "() -> ()", m.Export("_start").Func.String())

	// dylink.0 that is not first is recorded but not decoded.
	b2 := module(sec(SecType, vec(functype(nil, nil))), dylinkSec(1, 2, 3, 4))
	m, err = Parse(b2)
	require.NoError(t, err)
	assert.Equal(t, "", m.FirstSection)
	assert.Nil(t, m.Dylink)
	assert.NotNil(t, m.Custom("dylink.0"))

	// Other subsections are skipped; meminfo after them is found.
	info := cat(uleb(8), uleb(3), uleb(2), uleb(1))
	b3 := module(sec(SecCustom, str("dylink.0"), []byte{0x02}, uleb(3), []byte{1, 'x', 0}, []byte{0x01}, uleb(uint64(len(info))), info))
	m, err = Parse(b3)
	require.NoError(t, err)
	assert.Equal(t, &DylinkMemInfo{8, 3, 2, 1}, m.Dylink)
	// No meminfo.
	m, err = Parse(module(sec(SecCustom, str("dylink.0"))))
	require.NoError(t, err)
	assert.Equal(t, "dylink.0", m.FirstSection)
	assert.Nil(t, m.Dylink)
}

func TestParseMemory64SharedAndTags(t *testing.T) {
	b := module(
		sec(SecType, vec(functype(vt(I32), nil), functype(vt(I64, I64), vt(I64)))),
		sec(SecImport, vec(
			importMem("env", "memory", 0x07, 1<<33, 1<<40), // memory64, shared, max
			cat(str("env"), str("exc"), []byte{0x04, 0x00}, uleb(0)),
		)),
		sec(SecMemory, vec([]byte{0x04, 0x02}, []byte{0x01, 0x01, 0x02}, []byte{0x03, 0x00, 0x10})),
		sec(SecTag, vec([]byte{0x00, 0x00})),
		sec(SecExport, vec(export("t0", KindTag, 0), export("t1", KindTag, 1), export("m3", KindMemory, 3))),
	)
	m, err := Parse(b)
	require.NoError(t, err)
	l := m.Import("env", "memory").Memory
	assert.Equal(t, &Limits{Min: 1 << 33, Max: 1 << 40, HasMax: true, Shared: true, Memory64: true}, l)
	tag := m.Import("env", "exc")
	assert.Equal(t, KindTag, tag.Kind)
	assert.Equal(t, "(i32) -> ()", tag.Tag.Func.String())
	require.Len(t, m.Memories, 3)
	assert.Equal(t, Limits{Min: 2, Memory64: true}, m.Memories[0])
	assert.Equal(t, Limits{Min: 1, Max: 2, HasMax: true}, m.Memories[1])
	assert.Equal(t, Limits{Min: 0, Max: 16, HasMax: true, Shared: true}, m.Memories[2])
	assert.Len(t, m.Tags, 1)
	assert.Equal(t, tag.Tag, m.Export("t0").Tag)
	assert.Equal(t, &m.Tags[0], m.Export("t1").Tag)
	assert.True(t, m.Export("m3").Memory.Shared)
}

func TestParseErrors(t *testing.T) {
	ty := sec(SecType, vec(functype(nil, nil)))
	cases := map[string][]byte{
		"empty":               {},
		"bad magic":           []byte("\x00asn\x01\x00\x00\x00"),
		"version 2":           []byte("\x00asm\x02\x00\x00\x00"),
		"unknown section":     module([]byte{14, 0}),
		"section too big":     module([]byte{1, 10, 0}),
		"section size LEB":    module([]byte{1, 0x80, 0x80, 0x80, 0x80, 0x10}),
		"section LEB trunc":   module([]byte{1, 0x80}),
		"type size mismatch":  module(sec(SecType, vec(functype(nil, nil)), []byte{0})),
		"type count huge":     module(sec(SecType, uleb(0xFFFFFFFF))),
		"type count LEB":      module(sec(SecType, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x7F})),
		"bad type form":       module(sec(SecType, vec([]byte{0x5F, 0, 0}))),
		"bad valtype":         module(sec(SecType, vec([]byte{0x60, 1, 0x40, 0}))),
		"params count huge":   module(sec(SecType, vec(cat([]byte{0x60}, uleb(1<<31), []byte{0})))),
		"out of order":        module(sec(SecImport, vec()), ty),
		"duplicate section":   module(ty, ty),
		"type index":          module(ty, sec(SecImport, vec(importFunc("env", "f", 1)))),
		"import kind":         module(sec(SecImport, vec(cat(str("env"), str("x"), []byte{0x05, 0})))),
		"bad utf8 name":       module(sec(SecImport, vec(importGlobal("env", "\xff", I32, false)))),
		"name too long":       module(sec(SecImport, vec(cat(uleb(100), []byte("env"))))),
		"mutability":          module(sec(SecImport, vec(cat(str("env"), str("g"), []byte{0x03, 0x7F, 0x02})))),
		"limits flags":        module(sec(SecImport, vec(importMem("env", "memory", 0x08, 1)))),
		"shared no max":       module(sec(SecImport, vec(importMem("env", "memory", 0x02, 1)))),
		"max below min":       module(sec(SecImport, vec(importMem("env", "memory", 0x01, 2, 1)))),
		"mem32 min > u32":     module(sec(SecImport, vec(importMem("env", "memory", 0x00, 1<<32)))),
		"shared table":        module(sec(SecImport, vec(importTable("env", "t", 0x03, 1, 2)))),
		"table elem":          module(sec(SecTable, vec([]byte{0x7F, 0x00, 0x01}))),
		"func type index":     module(ty, sec(SecFunction, vec(uleb(3)))),
		"no code":             module(ty, sec(SecFunction, vec(uleb(0)))),
		"code count":          module(ty, sec(SecFunction, vec(uleb(0))), codeSec(2)),
		"export index":        module(ty, sec(SecExport, vec(export("f", KindFunc, 0)))),
		"export kind":         module(sec(SecExport, vec(export("f", 7, 0)))),
		"duplicate export":    module(sec(SecMemory, vec([]byte{0, 1})), sec(SecExport, vec(export("m", KindMemory, 0), export("m", KindMemory, 0)))),
		"global init":         module(sec(SecGlobal, vec([]byte{0x7F, 0x00, 0x20, 0x00, 0x0B}))),
		"global init trunc":   module(sec(SecGlobal, vec([]byte{0x7F, 0x00, 0x41}))),
		"global s32 overflow": module(sec(SecGlobal, vec([]byte{0x7F, 0x00, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x0B}))),
		"tag results":         module(sec(SecType, vec(functype(nil, vt(I32)))), sec(SecTag, vec([]byte{0, 0}))),
		"tag attribute":       module(ty, sec(SecTag, vec([]byte{1, 0}))),
		"start index":         module(sec(SecStart, uleb(0))),
		"dylink truncated":    module(sec(SecCustom, str("dylink.0"), []byte{0x01, 0x05, 0x01})),
		"dylink bad size":     module(sec(SecCustom, str("dylink.0"), []byte{0x01, 0x05, 1, 2, 3, 4, 5})),
		"dylink dup":          module(sec(SecCustom, str("dylink.0"), []byte{0x01, 4, 1, 2, 3, 4, 0x01, 4, 1, 2, 3, 4})),
		"custom name":         module(sec(SecCustom, uleb(5), []byte("ab"))),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(b)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrFormat), "%v", err)
			t.Log(err)
		})
	}
}

func TestLEB(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		bits uint
		v    uint64
		ok   bool
	}{
		{[]byte{0x00}, 32, 0, true},
		{[]byte{0x80, 0x00}, 32, 0, true}, // non-minimal is allowed
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 32, 0xFFFFFFFF, true},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, 32, 0, false},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, false},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 64, 1<<64 - 1, true},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, 64, 0, false},
		{[]byte{0x80}, 32, 0, false},
	} {
		r := &reader{b: c.in}
		v, err := r.uleb(c.bits)
		if c.ok {
			assert.NoError(t, err, "%x", c.in)
			assert.Equal(t, c.v, v)
		} else {
			assert.Error(t, err, "%x", c.in)
		}
	}
	for _, c := range []struct {
		in   []byte
		bits uint
		v    int64
		ok   bool
	}{
		{[]byte{0x7F}, 32, -1, true},
		{[]byte{0x3F}, 32, 63, true},
		{[]byte{0xC0, 0x00}, 32, 64, true},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x78}, 32, -1 << 31, true},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x07}, 32, 1<<31 - 1, true},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, 32, 0, false},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 32, 0, false},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}, 64, -1 << 63, true},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}, 64, 1<<63 - 1, true},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 64, 0, false},
	} {
		r := &reader{b: c.in}
		v, err := r.sleb(c.bits)
		if c.ok {
			assert.NoError(t, err, "%x", c.in)
			assert.Equal(t, c.v, v, "%x", c.in)
		} else {
			assert.Error(t, err, "%x", c.in)
		}
	}
}

// TestParseWat2Wasm cross-checks against modules produced by wat2wasm when
// it is installed.
func TestParseWat2Wasm(t *testing.T) {
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		t.Skip("wat2wasm not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "m.wat")
	require.NoError(t, os.WriteFile(src, []byte(`(module
  (import "env" "memory" (memory 40 65536 shared))
  (import "env" "f" (func $f (param i32 i64) (result i32)))
  (import "env" "g" (global $g (mut i32)))
  (tag $e (param i32))
  (global $h i64 (i64.const -5))
  (func $a (export "a") (param f32 f64 v128) (result i64) (i64.const 1))
  (export "f" (func $f))
  (export "g" (global $g))
  (export "h" (global $h))
  (export "e" (tag $e))
  (table (export "t") 3 externref))
`), 0o644))
	out := filepath.Join(dir, "m.wasm")
	cmd := exec.Command(tool, "--enable-threads", "--enable-exceptions", "-o", out, src)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("wat2wasm failed: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	m, err := Parse(b)
	require.NoError(t, err)
	assert.Equal(t, "(f32, f64, v128) -> i64", m.Export("a").Func.String())
	assert.Equal(t, "(i32, i64) -> i32", m.Export("f").Func.String())
	assert.Equal(t, &GlobalType{Type: I32, Mutable: true}, m.Export("g").Global)
	assert.Equal(t, &GlobalType{Type: I64}, m.Export("h").Global)
	assert.Equal(t, "(i32) -> ()", m.Export("e").Tag.Func.String())
	assert.Equal(t, ExternRef, m.Export("t").Table.Elem)
	assert.Equal(t, &Limits{Min: 40, Max: 65536, HasMax: true, Shared: true}, m.Import("env", "memory").Memory)
}

func TestSectionStartAndImportDesc(t *testing.T) {
	// type section, then one memory import (flags 3: max + shared, min 2, max 9).
	imp := wasmenc.Cat([]byte{1}, wasmenc.Name("env"), wasmenc.Name("memory"), []byte{0x02, 0x03, 2, 9})
	b := wasmenc.Cat([]byte("\x00asm\x01\x00\x00\x00"), wasmenc.Section(1, []byte{0}), wasmenc.Section(2, imp))
	m, err := Parse(b)
	require.NoError(t, err)
	require.Len(t, m.Sections, 2)
	assert.Equal(t, 8, m.Sections[0].Start)
	assert.Equal(t, byte(2), b[m.Sections[1].Start], "Start is the id byte")
	im := m.Import("env", "memory")
	require.NotNil(t, im)
	assert.Equal(t, []byte{0x03, 2, 9}, b[im.Desc:im.DescEnd], "Desc spans the limits")
}
