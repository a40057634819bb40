// Package wasmgen assembles the tiny WebAssembly helper modules the host places
// between Go and the kernel: hostmem (atomics on the bridge memory, copies
// between bridge and kernel memory, the clock) and the throw shims that unwind
// the kernel's stack for exec, signal return, panic and task retirement.
//
// They are generated from Go instead of shipped as binaries so that the build
// needs only Go, and so that the shims can follow the kernel's own import types.
// The encoder covers only what these modules use.
package wasmgen

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/linuxwasm/gohost/internal/wasmbin"
	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// ValType is the value type vocabulary of the parser, so that the modules
// generated here and the modules read there speak of types alike.
type ValType = wasmbin.ValType

// Value types.
const (
	I32 = wasmbin.I32
	I64 = wasmbin.I64
	F64 = wasmbin.F64
)

// FuncType is a function signature.
type FuncType struct {
	Params, Results []ValType
}

func (t FuncType) key() string { return string(encTypes(t.Params)) + "|" + string(encTypes(t.Results)) }

func encTypes(ts []ValType) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

type importEntry struct {
	module, name string
	kind         byte // 0 func, 1 table, 2 memory, 3 global, 4 tag
	typeIdx      uint32
	mem          memLimits
	global       ValType
	tableMin     uint32
}

type memLimits struct {
	min, max uint32
	shared   bool
	mem64    bool // a 64-bit (memory64) memory
}

type function struct {
	typeIdx uint32
	locals  []ValType
	body    []byte
}

type export struct {
	name  string
	kind  byte
	index uint32
}

// Module collects the parts of a module. Imported functions come first in the
// function index space, so all function imports must be added before any
// function is defined.
type Module struct {
	types      []FuncType
	typeIndex  map[string]uint32
	imports    []importEntry
	funcs      []function
	exports    []export
	tags       []uint32 // defined tags (type indices)
	nFuncImp   uint32
	nTableImp  uint32
	nMemImp    uint32
	nGlobalImp uint32
	nTagImp    uint32
}

// New returns an empty module.
func New() *Module { return &Module{typeIndex: map[string]uint32{}} }

// Type interns a function type and returns its index.
func (m *Module) Type(t FuncType) uint32 {
	if i, ok := m.typeIndex[t.key()]; ok {
		return i
	}
	i := uint32(len(m.types))
	m.types = append(m.types, t)
	m.typeIndex[t.key()] = i
	return i
}

// ImportFunc adds a function import and returns its function index.
func (m *Module) ImportFunc(module, name string, t FuncType) uint32 {
	if len(m.funcs) > 0 {
		panic("wasmgen: function import after a defined function")
	}
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 0, typeIdx: m.Type(t)})
	m.nFuncImp++
	return m.nFuncImp - 1
}

// ImportTable adds a funcref table import with at least min entries and
// returns its table index.
func (m *Module) ImportTable(module, name string, min uint32) uint32 {
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 1, tableMin: min})
	m.nTableImp++
	return m.nTableImp - 1
}

// ImportSharedMemory adds a shared memory import and returns its memory index.
func (m *Module) ImportSharedMemory(module, name string, min, max uint32) uint32 {
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 2, mem: memLimits{min, max, true, false}})
	m.nMemImp++
	return m.nMemImp - 1
}

// ImportSharedMemory64 adds a shared memory64 import (64-bit addresses) and
// returns its memory index.
func (m *Module) ImportSharedMemory64(module, name string, min, max uint32) uint32 {
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 2, mem: memLimits{min, max, true, true}})
	m.nMemImp++
	return m.nMemImp - 1
}

// ImportGlobal adds an immutable global import and returns its global index.
func (m *Module) ImportGlobal(module, name string, t ValType) uint32 {
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 3, global: t})
	m.nGlobalImp++
	return m.nGlobalImp - 1
}

// ImportTag adds an exception tag import with parameter types params.
func (m *Module) ImportTag(module, name string, params ...ValType) uint32 {
	m.imports = append(m.imports, importEntry{module: module, name: name, kind: 4, typeIdx: m.Type(FuncType{Params: params})})
	m.nTagImp++
	return m.nTagImp - 1
}

// Func defines a function and returns its index. locals lists the types of the
// locals beyond the parameters; body is the code without the final end.
func (m *Module) Func(t FuncType, locals []ValType, body []byte) uint32 {
	m.funcs = append(m.funcs, function{typeIdx: m.Type(t), locals: locals, body: body})
	return m.nFuncImp + uint32(len(m.funcs)) - 1
}

// ExportFunc exports function index i as name.
func (m *Module) ExportFunc(name string, i uint32) {
	m.exports = append(m.exports, export{name, 0, i})
}

// Bytes encodes the module.
func (m *Module) Bytes() []byte {
	var out bytes.Buffer
	out.Write([]byte{0, 'a', 's', 'm', 1, 0, 0, 0})
	section := func(id byte, body []byte) {
		out.WriteByte(id)
		out.Write(wasmenc.ULEB(uint64(len(body))))
		out.Write(body)
	}
	var b []byte
	b = wasmenc.ULEB(uint64(len(m.types)))
	for _, t := range m.types {
		b = append(b, 0x60)
		b = append(b, vec(t.Params)...)
		b = append(b, vec(t.Results)...)
	}
	section(1, b)
	if len(m.imports) > 0 {
		b = wasmenc.ULEB(uint64(len(m.imports)))
		for _, im := range m.imports {
			b = append(b, wasmenc.Name(im.module)...)
			b = append(b, wasmenc.Name(im.name)...)
			b = append(b, im.kind)
			switch im.kind {
			case 0:
				b = append(b, wasmenc.ULEB(uint64(im.typeIdx))...)
			case 1:
				b = append(b, 0x70, 0) // funcref, limits without a maximum
				b = append(b, wasmenc.ULEB(uint64(im.tableMin))...)
			case 2:
				flags := byte(1)
				if im.mem.shared {
					flags = 3
				}
				if im.mem.mem64 {
					flags |= 4
				}
				b = append(b, flags)
				b = append(b, wasmenc.ULEB(uint64(im.mem.min))...)
				b = append(b, wasmenc.ULEB(uint64(im.mem.max))...)
			case 3:
				b = append(b, byte(im.global), 0)
			case 4:
				b = append(b, 0)
				b = append(b, wasmenc.ULEB(uint64(im.typeIdx))...)
			}
		}
		section(2, b)
	}
	if len(m.funcs) > 0 {
		b = wasmenc.ULEB(uint64(len(m.funcs)))
		for _, f := range m.funcs {
			b = append(b, wasmenc.ULEB(uint64(f.typeIdx))...)
		}
		section(3, b)
	}
	if len(m.exports) > 0 {
		b = wasmenc.ULEB(uint64(len(m.exports)))
		for _, e := range m.exports {
			b = append(b, wasmenc.Name(e.name)...)
			b = append(b, e.kind)
			b = append(b, wasmenc.ULEB(uint64(e.index))...)
		}
		section(7, b)
	}
	if len(m.funcs) > 0 {
		b = wasmenc.ULEB(uint64(len(m.funcs)))
		for _, f := range m.funcs {
			var body []byte
			body = append(body, wasmenc.ULEB(uint64(len(f.locals)))...)
			for _, l := range f.locals {
				body = append(body, 1, byte(l))
			}
			body = append(body, f.body...)
			body = append(body, 0x0b)
			b = append(b, wasmenc.ULEB(uint64(len(body)))...)
			b = append(b, body...)
		}
		section(10, b)
	}
	return out.Bytes()
}

func vec(types []ValType) []byte { return append(wasmenc.ULEB(uint64(len(types))), encTypes(types)...) }

// Code is a small instruction builder.
type Code []byte

func (c Code) op(b ...byte) Code       { return append(c, b...) }
func (c Code) LocalGet(i uint32) Code  { return append(append(c, 0x20), wasmenc.ULEB(uint64(i))...) }
func (c Code) LocalSet(i uint32) Code  { return append(append(c, 0x21), wasmenc.ULEB(uint64(i))...) }
func (c Code) GlobalGet(i uint32) Code { return append(append(c, 0x23), wasmenc.ULEB(uint64(i))...) }
func (c Code) Call(i uint32) Code      { return append(append(c, 0x10), wasmenc.ULEB(uint64(i))...) }
func (c Code) I32Const(v int32) Code   { return append(append(c, 0x41), wasmenc.SLEB(int64(v))...) }

// CallIndirect calls the function at the table index on the stack, which must
// have type typeIdx.
func (c Code) CallIndirect(typeIdx, table uint32) Code {
	return append(append(append(c, 0x11), wasmenc.ULEB(uint64(typeIdx))...), wasmenc.ULEB(uint64(table))...)
}
func (c Code) I64Const(v int64) Code           { return append(append(c, 0x42), wasmenc.SLEB(v)...) }
func (c Code) Throw(tag uint32) Code           { return append(append(c, 0x08), wasmenc.ULEB(uint64(tag))...) }
func (c Code) IfVoid() Code                    { return append(c, 0x04, 0x40) }
func (c Code) End() Code                       { return append(c, 0x0b) }
func (c Code) I32WrapI64() Code                { return append(c, 0xa7) }
func (c Code) I64ExtendI32U() Code             { return append(c, 0xad) }
func (c Code) I64LtS() Code                    { return append(c, 0x53) }
func (c Code) F64Add() Code                    { return append(c, 0xa0) }
func (c Code) F64Mul() Code                    { return append(c, 0xa2) }
func (c Code) I64TruncSatF64S() Code           { return append(c, 0xfc, 0x06) }
func (c Code) Atomic(op byte, align byte) Code { return append(c, 0xfe, op, align, 0) }

// F64Const pushes a float64 constant.
func (c Code) F64Const(v float64) Code {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
	return append(append(c, 0x44), b[:]...)
}

// MemoryCopy copies between two memories (multi-memory encoding).
func (c Code) MemoryCopy(dst, src uint32) Code {
	c = append(c, 0xfc, 0x0a)
	c = append(c, wasmenc.ULEB(uint64(dst))...)
	return append(c, wasmenc.ULEB(uint64(src))...)
}
