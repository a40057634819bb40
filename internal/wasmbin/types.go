// Package wasmbin parses the parts of a WebAssembly binary module a host
// needs before instantiating it: types, imports, functions, tables,
// memories, tags, globals, exports and custom sections, including the
// dylink.0 memory information of position-independent modules.
//
// The parser is read-only and defensive: malformed input of any kind yields
// an error, never a panic, and no allocation is made for a count read from
// the input before that count has been checked against the bytes that remain.
// Function bodies and data segments are not decoded.
package wasmbin

import (
	"fmt"
	"strings"
)

// ValType is a WebAssembly value type, stored as its binary encoding.
type ValType byte

// Value types.
const (
	I32       ValType = 0x7F
	I64       ValType = 0x7E
	F32       ValType = 0x7D
	F64       ValType = 0x7C
	V128      ValType = 0x7B
	FuncRef   ValType = 0x70
	ExternRef ValType = 0x6F
)

// String returns the text-format name ("i32", "funcref", ...).
func (v ValType) String() string {
	switch v {
	case I32:
		return "i32"
	case I64:
		return "i64"
	case F32:
		return "f32"
	case F64:
		return "f64"
	case V128:
		return "v128"
	case FuncRef:
		return "funcref"
	case ExternRef:
		return "externref"
	}
	return fmt.Sprintf("valtype(0x%02x)", byte(v))
}

func validValType(b byte) bool {
	switch ValType(b) {
	case I32, I64, F32, F64, V128, FuncRef, ExternRef:
		return true
	}
	return false
}

func isRefType(v ValType) bool { return v == FuncRef || v == ExternRef }

// FuncType is a function signature.
type FuncType struct {
	Params  []ValType
	Results []ValType
}

// NewFuncType returns a FuncType with the given params and results.
func NewFuncType(params, results []ValType) *FuncType {
	return &FuncType{Params: params, Results: results}
}

func joinTypes(ts []ValType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// String formats the signature as "(i32, i64) -> i32"; no results is
// "-> ()", several results are parenthesised: "() -> (i32, i32)".
func (f *FuncType) String() string {
	if f == nil {
		return "<nil>"
	}
	r := joinTypes(f.Results)
	if len(f.Results) != 1 {
		r = "(" + r + ")"
	}
	return "(" + joinTypes(f.Params) + ") -> " + r
}

// Equal reports whether f and g have the same params and results.
func (f *FuncType) Equal(g *FuncType) bool {
	if f == nil || g == nil {
		return f == g
	}
	return eqTypes(f.Params, g.Params) && eqTypes(f.Results, g.Results)
}

func eqTypes(a, b []ValType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Limits are the size limits of a memory (in 64 KiB pages) or a table (in
// elements).
type Limits struct {
	Min, Max uint64
	HasMax   bool
	Shared   bool // memory only: shared (threads proposal), flag bit 0x02
	Memory64 bool // 64-bit index type (memory64 / table64), flag bit 0x04
}

// String formats the limits like "min 17, max 65536, shared".
func (l Limits) String() string {
	s := fmt.Sprintf("min %d", l.Min)
	if l.HasMax {
		s += fmt.Sprintf(", max %d", l.Max)
	} else {
		s += ", no max"
	}
	if l.Shared {
		s += ", shared"
	}
	if l.Memory64 {
		s += ", 64-bit"
	}
	return s
}

// TableType is the type of a table.
type TableType struct {
	Elem   ValType // FuncRef or ExternRef
	Limits Limits
}

// GlobalType is the type of a global.
type GlobalType struct {
	Type    ValType
	Mutable bool
}

// String formats the type like "i32" or "mut i32".
func (g GlobalType) String() string {
	if g.Mutable {
		return "mut " + g.Type.String()
	}
	return g.Type.String()
}

// TagType is the type of an exception-handling tag.
type TagType struct {
	Attribute byte // 0: exception
	TypeIndex uint32
	Func      *FuncType // the resolved type (its params are the payload)
}

// Global is a global defined by the module.
type Global struct {
	Type GlobalType
	Init []byte // the constant initializer expression, including the final end (0x0B)
}

// ConstI32 returns the value of an initializer that is a single i32.const.
func (g Global) ConstI32() (int32, bool) {
	if len(g.Init) < 3 || g.Init[0] != 0x41 || g.Init[len(g.Init)-1] != 0x0B {
		return 0, false
	}
	r := &reader{b: g.Init[1 : len(g.Init)-1]}
	v, err := r.s32()
	if err != nil || r.pos != len(r.b) {
		return 0, false
	}
	return v, true
}

// Kind is the kind of an import or export.
type Kind byte

// Import/export kinds, with their binary encoding.
const (
	KindFunc   Kind = 0
	KindTable  Kind = 1
	KindMemory Kind = 2
	KindGlobal Kind = 3
	KindTag    Kind = 4
)

// String returns "function", "table", "memory", "global" or "tag".
func (k Kind) String() string {
	switch k {
	case KindFunc:
		return "function"
	case KindTable:
		return "table"
	case KindMemory:
		return "memory"
	case KindGlobal:
		return "global"
	case KindTag:
		return "tag"
	}
	return fmt.Sprintf("kind(%d)", byte(k))
}

// Import is one entry of the import section. Exactly the field matching
// Kind is set.
type Import struct {
	Module, Name string
	Kind         Kind
	TypeIndex    uint32 // function and tag imports
	Func         *FuncType
	Table        *TableType
	Memory       *Limits
	Global       *GlobalType
	Tag          *TagType
	// Desc and DescEnd are the module offsets of the import's type
	// description (after its kind byte), for tools that rewrite it.
	Desc, DescEnd int
}

// Export is one entry of the export section. Index is in the index space
// of Kind (imports first). Func (function exports), Global, Table, Memory or
// Tag give the resolved type of the exported entity.
type Export struct {
	Name   string
	Kind   Kind
	Index  uint32
	Func   *FuncType
	Table  *TableType
	Memory *Limits
	Global *GlobalType
	Tag    *TagType
}

// Section IDs.
const (
	SecCustom    = 0
	SecType      = 1
	SecImport    = 2
	SecFunction  = 3
	SecTable     = 4
	SecMemory    = 5
	SecGlobal    = 6
	SecExport    = 7
	SecStart     = 8
	SecElement   = 9
	SecCode      = 10
	SecData      = 11
	SecDataCount = 12
	SecTag       = 13
)

// Section locates one section of the module.
type Section struct {
	ID     byte
	Name   string // custom sections only
	Start  int    // offset of the section's id byte in the module bytes
	Offset int    // offset of the section contents in the module bytes
	Size   int    // size of the contents
}

// DylinkMemInfo is the WASM_DYLINK_MEM_INFO subsection of dylink.0.
type DylinkMemInfo struct {
	MemSize    uint32 // bytes of memory the module's data needs
	MemAlign   uint32 // log2 of the required alignment
	TableSize  uint32 // table elements the module needs
	TableAlign uint32 // log2
}
