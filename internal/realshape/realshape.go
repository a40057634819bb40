// Package realshape builds WebAssembly modules with exactly the interface of
// a real Linux/Wasm build, as measured in real-kernel-facts.json: every
// import of vmlinux.wasm with its type, the exports the host uses, and the
// real module's size (its custom sections at their real sizes); the same for
// BusyBox's imports and exports. The bodies are trivial. Tests feed them to
// the host's checks and to the page, so that what a real kernel looks like
// to the host is tested without one.
package realshape

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// Facts is the part of real-kernel-facts.json used here.
type Facts struct {
	Vmlinux Module `json:"vmlinux"`
	Busybox Module `json:"busybox"`
}

// Module is one measured module.
type Module struct {
	Bytes    int       `json:"bytes"`
	Sections []Section `json:"sections"`
	Imports  []Import  `json:"imports"`
	Exports  []Export  `json:"exports_the_host_uses"`
}

// Section is a measured section (custom sections by name).
type Section struct {
	ID      byte    `json:"id"`
	Custom  string  `json:"custom"`
	Bytes   int     `json:"bytes"`
	MemInfo MemInfo `json:"mem_info"`
}

// MemInfo is dylink.0's WASM_DYLINK_MEM_INFO.
type MemInfo struct {
	MemorySize     uint32 `json:"memory_size"`
	MemoryAlignLog uint32 `json:"memory_align_log2"`
	TableSize      uint32 `json:"table_size"`
	TableAlignLog  uint32 `json:"table_align_log2"`
}

// Import is one import as measured.
type Import struct {
	Module  string   `json:"module"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Params  []string `json:"params"`
	Results []string `json:"results"`
	Min     uint64   `json:"min"`
	Max     *uint64  `json:"max"`
	Shared  bool     `json:"shared"`
	Type    string   `json:"type"`
	Mutable bool     `json:"mutable"`
	// Memory64: a 64-bit memory (not in the measured facts, which are of
	// an initial-release wasm32 build; set by KernelOf for wasm64).
	Memory64 bool `json:"memory64"`
}

// Export is one export the host uses.
type Export struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Params  []string `json:"params"`
	Results []string `json:"results"`
	// Type of a global export: "i32" when empty.
	Type string `json:"type"`
}

// Parse reads real-kernel-facts.json.
func Parse(b []byte) (*Facts, error) {
	var f Facts
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("realshape: %w", err)
	}
	if len(f.Vmlinux.Imports) == 0 || len(f.Busybox.Imports) == 0 {
		return nil, fmt.Errorf("realshape: the facts list no imports")
	}
	return &f, nil
}

// Addresses the kernel module's data globals point at, inside the first of
// its declared pages.
const (
	PanicMessageAddr = 0x1000
	cmdlineAddr      = 0x2000 // boot_command_line, char[512]
	initrdStartAddr  = 0x2400
	initrdEndAddr    = 0x2404
	initTaskAddr     = 0x4000
)

var valTypes = map[string]byte{"i32": 0x7f, "i64": 0x7e, "f32": 0x7d, "f64": 0x7c}

type builder struct {
	types   [][]byte
	typeIdx map[string]uint32
	err     error
}

func (b *builder) typeOf(params, results []string) uint32 {
	enc := []byte{0x60}
	enc = append(enc, wasmenc.ULEB(uint64(len(params)))...)
	for _, p := range params {
		enc = append(enc, b.val(p))
	}
	enc = append(enc, wasmenc.ULEB(uint64(len(results)))...)
	for _, r := range results {
		enc = append(enc, b.val(r))
	}
	if i, ok := b.typeIdx[string(enc)]; ok {
		return i
	}
	i := uint32(len(b.types))
	b.types = append(b.types, enc)
	b.typeIdx[string(enc)] = i
	return i
}

func (b *builder) val(s string) byte {
	v, ok := valTypes[s]
	if !ok && b.err == nil {
		b.err = fmt.Errorf("realshape: unknown value type %q", s)
	}
	return v
}

func vec(items [][]byte) []byte {
	out := wasmenc.ULEB(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func (b *builder) importEntry(im Import) ([]byte, error) {
	e := wasmenc.Cat(wasmenc.Name(im.Module), wasmenc.Name(im.Name))
	switch im.Kind {
	case "function":
		return wasmenc.Cat(e, []byte{0x00}, wasmenc.ULEB(uint64(b.typeOf(im.Params, im.Results)))), nil
	case "memory":
		flags := byte(0)
		if im.Max != nil {
			flags |= 1
		}
		if im.Shared {
			flags |= 2
		}
		if im.Memory64 {
			flags |= 4
		}
		e = wasmenc.Cat(e, []byte{0x02, flags}, wasmenc.ULEB(im.Min))
		if im.Max != nil {
			e = append(e, wasmenc.ULEB(*im.Max)...)
		}
		return e, nil
	case "table":
		e = wasmenc.Cat(e, []byte{0x01, 0x70})
		if im.Max != nil {
			return wasmenc.Cat(e, []byte{0x01}, wasmenc.ULEB(im.Min), wasmenc.ULEB(*im.Max)), nil
		}
		return wasmenc.Cat(e, []byte{0x00}, wasmenc.ULEB(im.Min)), nil
	case "global":
		mut := byte(0)
		if im.Mutable {
			mut = 1
		}
		return wasmenc.Cat(e, []byte{0x03, b.val(im.Type), mut}), nil
	}
	return nil, fmt.Errorf("realshape: import %s has unknown kind %q", im.Name, im.Kind)
}

func custom(name string, size int) []byte {
	// A custom section whose whole contents (name included) are size bytes.
	n := wasmenc.Name(name)
	pad := size - len(n)
	if pad < 0 {
		pad = 0
	}
	return wasmenc.Section(0, n, make([]byte, pad))
}

// build assembles a module: imports as measured, one defined function per
// function export (a trivial body, or body[name] when given), the data
// globals, a table when one is exported, then the measured custom sections,
// and a filler custom section that brings the module to its measured size.
func build(m *Module, leading []byte, bodies map[string][]byte, globals map[string]int32, data []byte, dataAt int32) ([]byte, error) {
	mem64 := false
	for _, im := range m.Imports {
		mem64 = mem64 || im.Kind == "memory" && im.Memory64
	}
	b := &builder{typeIdx: map[string]uint32{}}
	var imports [][]byte
	nFuncImports := uint32(0)
	funcIndex := map[string]uint32{}
	for _, im := range m.Imports {
		e, err := b.importEntry(im)
		if err != nil {
			return nil, err
		}
		if im.Kind == "function" {
			funcIndex[im.Name] = nFuncImports
			nFuncImports++
		}
		imports = append(imports, e)
	}
	var funcs, codes, globs, exports [][]byte
	var tables [][]byte
	for _, ex := range m.Exports {
		switch ex.Kind {
		case "function":
			idx := nFuncImports + uint32(len(funcs))
			funcs = append(funcs, wasmenc.ULEB(uint64(b.typeOf(ex.Params, ex.Results))))
			body, ok := bodies[ex.Name]
			if !ok {
				body = []byte{0x00} // unreachable: valid for any type, never run
			}
			code := wasmenc.Cat([]byte{0x00}, body, []byte{0x0b}) // no locals
			codes = append(codes, wasmenc.Cat(wasmenc.ULEB(uint64(len(code))), code))
			exports = append(exports, wasmenc.Cat(wasmenc.Name(ex.Name), []byte{0x00}, wasmenc.ULEB(uint64(idx))))
		case "global":
			idx := uint32(len(globs))
			if ex.Type == "i64" {
				globs = append(globs, wasmenc.Cat([]byte{0x7e, 0x00, 0x42}, wasmenc.SLEB(int64(globals[ex.Name])), []byte{0x0b}))
			} else {
				globs = append(globs, wasmenc.Cat([]byte{0x7f, 0x00, 0x41}, wasmenc.SLEB(int64(globals[ex.Name])), []byte{0x0b}))
			}
			exports = append(exports, wasmenc.Cat(wasmenc.Name(ex.Name), []byte{0x03}, wasmenc.ULEB(uint64(idx))))
		case "table":
			idx := uint32(len(tables))
			tables = append(tables, []byte{0x70, 0x00, 0x01})
			exports = append(exports, wasmenc.Cat(wasmenc.Name(ex.Name), []byte{0x01}, wasmenc.ULEB(uint64(idx))))
		default:
			return nil, fmt.Errorf("realshape: export %s has unknown kind %q", ex.Name, ex.Kind)
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	out := wasmenc.Cat([]byte("\x00asm\x01\x00\x00\x00"), leading,
		wasmenc.Section(1, vec(b.types)),
		wasmenc.Section(2, vec(imports)),
		wasmenc.Section(3, vec(funcs)))
	if len(tables) > 0 {
		out = append(out, wasmenc.Section(4, vec(tables))...)
	}
	if len(globs) > 0 {
		out = append(out, wasmenc.Section(6, vec(globs))...)
	}
	out = append(out, wasmenc.Section(7, vec(exports))...)
	out = append(out, wasmenc.Section(10, vec(codes))...)
	if len(data) > 0 {
		constOp := byte(0x41) // i32.const; a memory64 offset is an i64.const
		if mem64 {
			constOp = 0x42
		}
		seg := wasmenc.Cat([]byte{0x00, constOp}, wasmenc.SLEB(int64(dataAt)), []byte{0x0b}, wasmenc.ULEB(uint64(len(data))), data)
		out = append(out, wasmenc.Section(11, vec([][]byte{seg}))...)
	}
	for _, s := range m.Sections {
		if s.ID == 0 && s.Custom != "" && s.Custom != "dylink.0" {
			out = append(out, custom(s.Custom, s.Bytes)...)
		}
	}
	// The filler: the real code and data sections are megabytes; a custom
	// section of the difference gives download and compile the real size.
	if rest := m.Bytes - len(out); rest > 16 {
		name := "gohost.realshape.filler"
		size := rest - 1 - len(wasmenc.ULEB(uint64(rest)))
		for size > 0 && 1+len(wasmenc.ULEB(uint64(size)))+size > rest {
			size--
		}
		out = append(out, custom(name, size)...)
	}
	return out, nil
}

// Kernel builds a module with exactly the imports and the host-used exports
// of the measured vmlinux.wasm and its size. Its _start calls wasm_panic with
// panicMsg (at PanicMessageAddr), so a host that instantiates it in a worker
// reports that message as a kernel panic; every other function traps.
func (f *Facts) Kernel(panicMsg string) ([]byte, error) {
	return kernelModule(&f.Vmlinux, panicMsg)
}

func kernelModule(m *Module, panicMsg string) ([]byte, error) {
	panicIdx := -1
	n := 0
	constOp := byte(0x41) // i32.const
	for _, im := range m.Imports {
		if im.Kind != "function" {
			continue
		}
		if im.Name == "wasm_panic" {
			panicIdx = n
			if len(im.Params) == 1 && im.Params[0] == "i64" {
				constOp = 0x42 // i64.const: a wasm64 pointer
			}
		}
		n++
	}
	if panicIdx < 0 {
		return nil, fmt.Errorf("realshape: the facts' kernel has no wasm_panic import")
	}
	start := wasmenc.Cat([]byte{constOp}, wasmenc.SLEB(PanicMessageAddr), []byte{0x10}, wasmenc.ULEB(uint64(panicIdx)))
	globals := map[string]int32{
		"boot_command_line": cmdlineAddr, "initrd_start": initrdStartAddr, "initrd_end": initrdEndAddr,
		"init_task": initTaskAddr, "memory_start": 0x10000, "memory_kernel_break": 0x10000,
		"memory_end": int32(m.memoryMin() * 65536),
	}
	return build(m, nil, map[string][]byte{"_start": start}, globals, append([]byte(panicMsg), 0), PanicMessageAddr)
}

func (m *Module) memoryMin() uint64 {
	for _, im := range m.Imports {
		if im.Kind == "memory" {
			return im.Min
		}
	}
	return 0
}

// BusyBox builds a module with exactly the imports, the host-used exports
// and the dylink.0 memory info of the measured /bin/busybox, and its size.
func (f *Facts) BusyBox() ([]byte, error) {
	m := &f.Busybox
	var mi *MemInfo
	for i := range m.Sections {
		if m.Sections[i].Custom == "dylink.0" {
			mi = &m.Sections[i].MemInfo
		}
	}
	if mi == nil {
		return nil, fmt.Errorf("realshape: the facts' busybox has no dylink.0 section")
	}
	sub := wasmenc.Cat(wasmenc.ULEB(uint64(mi.MemorySize)), wasmenc.ULEB(uint64(mi.MemoryAlignLog)),
		wasmenc.ULEB(uint64(mi.TableSize)), wasmenc.ULEB(uint64(mi.TableAlignLog)))
	dylink := wasmenc.Section(0, wasmenc.Name("dylink.0"), []byte{0x01}, wasmenc.ULEB(uint64(len(sub))), sub) // WASM_DYLINK_MEM_INFO
	return build(m, dylink, nil, nil, nil, 0)
}

// SysImports are the kernel's sys_* imports with their types, in order.
func (f *Facts) SysImports() []Import {
	var out []Import
	for _, im := range f.Vmlinux.Imports {
		if len(im.Name) > 4 && im.Name[:4] == "sys_" {
			out = append(out, im)
		}
	}
	return out
}

// Names lists the names of a module's imports, sorted.
func Names(ims []Import) []string {
	var out []string
	for _, im := range ims {
		out = append(out, im.Name)
	}
	sort.Strings(out)
	return out
}
