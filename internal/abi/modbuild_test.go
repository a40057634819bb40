package abi

import (
	"github.com/linuxwasm/gohost/internal/wasmbin"
	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// Test-only module builder: enough of the binary format to assemble kernels
// and user programs with chosen imports and exports.

type tImport struct {
	module, name string
	kind         wasmbin.Kind
	fn           *wasmbin.FuncType
	mem          *wasmbin.Limits
	global       *wasmbin.GlobalType
	tableMin     uint64
	elem         wasmbin.ValType
	table64      bool
}

type tExport struct {
	name   string
	kind   wasmbin.Kind
	fn     *wasmbin.FuncType
	global *wasmbin.GlobalType
}

type tModule struct {
	dylink     *wasmbin.DylinkMemInfo
	firstOther []byte // a custom section placed first instead of dylink
	imports    []tImport
	exports    []tExport
}

var (
	uleb = wasmenc.ULEB
	cat  = wasmenc.Cat
	str  = wasmenc.Name
	sec  = wasmenc.Section
)

func vecN(n int, body []byte) []byte { return cat(uleb(uint64(n)), body) }

func limitsBytes(l *wasmbin.Limits) []byte {
	var f byte
	if l.HasMax {
		f |= 1
	}
	if l.Shared {
		f |= 2
	}
	if l.Memory64 {
		f |= 4
	}
	b := cat([]byte{f}, uleb(l.Min))
	if l.HasMax {
		b = append(b, uleb(l.Max)...)
	}
	return b
}

func (tm *tModule) bytes() []byte {
	var types []*wasmbin.FuncType
	typeIdx := func(f *wasmbin.FuncType) uint64 {
		for i, t := range types {
			if t.Equal(f) {
				return uint64(i)
			}
		}
		types = append(types, f)
		return uint64(len(types) - 1)
	}
	var imp []byte
	nFuncImp, nGlobImp, nTabImp := 0, 0, 0
	for _, im := range tm.imports {
		imp = append(imp, cat(str(im.module), str(im.name), []byte{byte(im.kind)})...)
		switch im.kind {
		case wasmbin.KindFunc:
			imp = append(imp, uleb(typeIdx(im.fn))...)
			nFuncImp++
		case wasmbin.KindMemory:
			imp = append(imp, limitsBytes(im.mem)...)
		case wasmbin.KindGlobal:
			m := byte(0)
			if im.global.Mutable {
				m = 1
			}
			imp = append(imp, byte(im.global.Type), m)
			nGlobImp++
		case wasmbin.KindTable:
			elem := im.elem
			if elem == 0 {
				elem = wasmbin.FuncRef
			}
			flags := byte(0)
			if im.table64 {
				flags = 4
			}
			imp = append(imp, cat([]byte{byte(elem), flags}, uleb(im.tableMin))...)
			nTabImp++
		}
	}
	var funcs, globals, exps, code []byte
	nFuncs, nGlobals, nTables := 0, 0, 0
	var tables []byte
	for _, e := range tm.exports {
		switch e.kind {
		case wasmbin.KindFunc:
			funcs = append(funcs, uleb(typeIdx(e.fn))...)
			exps = append(exps, cat(str(e.name), []byte{0}, uleb(uint64(nFuncImp+nFuncs)))...)
			code = append(code, 2, 0, 0x0B) // body: size 2, no locals, end
			nFuncs++
		case wasmbin.KindGlobal:
			m := byte(0)
			if e.global.Mutable {
				m = 1
			}
			init := []byte{0x41, 0x00, 0x0B}
			switch e.global.Type {
			case wasmbin.I64:
				init = []byte{0x42, 0x00, 0x0B}
			case wasmbin.F32:
				init = []byte{0x43, 0, 0, 0, 0, 0x0B}
			}
			globals = append(globals, cat([]byte{byte(e.global.Type), m}, init)...)
			exps = append(exps, cat(str(e.name), []byte{3}, uleb(uint64(nGlobImp+nGlobals)))...)
			nGlobals++
		case wasmbin.KindTable:
			tables = append(tables, byte(wasmbin.FuncRef), 0, 1)
			exps = append(exps, cat(str(e.name), []byte{1}, uleb(uint64(nTabImp+nTables)))...)
			nTables++
		}
	}
	var ty []byte
	for _, t := range types {
		ty = append(ty, 0x60)
		ty = append(ty, uleb(uint64(len(t.Params)))...)
		for _, p := range t.Params {
			ty = append(ty, byte(p))
		}
		ty = append(ty, uleb(uint64(len(t.Results)))...)
		for _, r := range t.Results {
			ty = append(ty, byte(r))
		}
	}
	out := []byte("\x00asm\x01\x00\x00\x00")
	if tm.dylink != nil {
		d := tm.dylink
		info := cat(uleb(uint64(d.MemSize)), uleb(uint64(d.MemAlign)), uleb(uint64(d.TableSize)), uleb(uint64(d.TableAlign)))
		out = append(out, sec(0, cat(str("dylink.0"), []byte{1}, uleb(uint64(len(info))), info))...)
	}
	if tm.firstOther != nil {
		out = append(out, tm.firstOther...)
	}
	out = append(out, sec(1, vecN(len(types), ty))...)
	out = append(out, sec(2, vecN(len(tm.imports), imp))...)
	out = append(out, sec(3, vecN(nFuncs, funcs))...)
	if nTables > 0 {
		out = append(out, sec(4, vecN(nTables, tables))...)
	}
	out = append(out, sec(6, vecN(nGlobals, globals))...)
	out = append(out, sec(7, vecN(len(tm.exports), exps))...)
	out = append(out, sec(10, vecN(nFuncs, code))...)
	return out
}

// goodKernel returns a module spec matching the Kernel table, with a few
// sys_* stubs.
func goodKernel() *tModule {
	tm := kernelOf(&Kernel)
	for _, sys := range []struct {
		name string
		ft   *wasmbin.FuncType
	}{
		{"sys_fadvise64_64", wasmbin.NewFuncType([]wasmbin.ValType{i32, i64, i64, i32}, []wasmbin.ValType{i32})},
		{"sys_sync", wasmbin.NewFuncType(nil, []wasmbin.ValType{i32})},
		{"sys_acct", wasmbin.NewFuncType([]wasmbin.ValType{i32}, []wasmbin.ValType{i32})},
	} {
		tm.imports = append(tm.imports, tImport{module: "env", name: sys.name, kind: wasmbin.KindFunc, fn: sys.ft})
	}
	return tm
}

// kernelOf returns a module spec with exactly the imports and exports of
// spec k (no sys_* imports).
func kernelOf(k *KernelSpec) *tModule {
	tm := &tModule{}
	for _, s := range k.Imports {
		im := tImport{module: "env", name: s.Name, kind: s.Kind, fn: s.Func}
		if s.Kind == wasmbin.KindMemory {
			im.mem = &wasmbin.Limits{Min: 43, Max: s.MaxPages, HasMax: true, Shared: true, Memory64: k.Memory64}
		}
		tm.imports = append(tm.imports, im)
	}
	for _, s := range k.Exports {
		tm.exports = append(tm.exports, tExport{name: s.Name, kind: s.Kind, fn: s.Func, global: s.Global})
	}
	return tm
}

func goodProgram() *tModule {
	tm := &tModule{dylink: &wasmbin.DylinkMemInfo{MemSize: 4096, MemAlign: 4, TableSize: 20, TableAlign: 0}}
	for _, s := range User.Imports {
		im := tImport{module: "env", name: s.Name, kind: s.Kind, fn: s.Func, global: s.Global, tableMin: 20, elem: s.Elem}
		if s.Kind == wasmbin.KindMemory {
			im.mem = &wasmbin.Limits{Min: 1, Max: 65536, HasMax: true, Shared: true}
		}
		tm.imports = append(tm.imports, im)
	}
	for _, s := range User.Exports {
		tm.exports = append(tm.exports, tExport{name: s.Name, kind: s.Kind, fn: s.Func})
	}
	return tm
}

func (tm *tModule) removeImport(name string) {
	for i := range tm.imports {
		if tm.imports[i].name == name {
			tm.imports = append(tm.imports[:i], tm.imports[i+1:]...)
			return
		}
	}
	panic("no import " + name)
}

func (tm *tModule) removeExport(name string) {
	for i := range tm.exports {
		if tm.exports[i].name == name {
			tm.exports = append(tm.exports[:i], tm.exports[i+1:]...)
			return
		}
	}
	panic("no export " + name)
}

func (tm *tModule) importNamed(name string) *tImport {
	for i := range tm.imports {
		if tm.imports[i].name == name {
			return &tm.imports[i]
		}
	}
	panic("no import " + name)
}

func (tm *tModule) exportNamed(name string) *tExport {
	for i := range tm.exports {
		if tm.exports[i].name == name {
			return &tm.exports[i]
		}
	}
	panic("no export " + name)
}
