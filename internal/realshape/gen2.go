package realshape

import (
	"fmt"
	"strings"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// Shape says which interface KernelOf gives the measured kernel.
type Shape struct {
	// Kind is the kernel kind whose interface the module has: its memory
	// type, its host imports (the measured ones with this kind's types, plus
	// the kind's new ones) and its exports' types.
	Kind abi.KernelKind
	// SysImports keeps the measured sys_* imports. An initial-release
	// kernel has them; a 7.0-era one is expected to have none
	// (gen2-interface-facts.md section 7).
	SysImports bool
	// ImportTypes, when set, gives the host imports this other kind's
	// types: a module that mixes kinds, which the checks must refuse.
	ImportTypes abi.KernelKind
}

// KernelOf builds a module of the measured kernel's size and custom
// sections with the interface of s (see Kernel for the bodies). The 7.0-era
// kinds follow gen2-interface-facts.md section 1: wasm_start_cpu with 2
// parameters, the new wasm_random_get_bytes, no sys_* imports, no exported
// function table (inferred there: --export-table left the link flags), and
// on wasm64 a memory64 memory of at most 262144 pages with every pointer
// i64.
func (f *Facts) KernelOf(s Shape, panicMsg string) ([]byte, error) {
	spec := s.Kind.Spec()
	if spec == nil {
		return nil, fmt.Errorf("realshape: no kernel kind given")
	}
	types := spec
	if s.ImportTypes != abi.KindUnknown {
		types = s.ImportTypes.Spec()
	}
	src := &f.Vmlinux
	m := &Module{Bytes: src.Bytes, Sections: src.Sections}
	seen := map[string]bool{}
	for _, im := range src.Imports {
		if strings.HasPrefix(im.Name, "sys_") && !s.SysImports {
			continue
		}
		switch {
		case im.Kind == "memory":
			im.Memory64 = spec.Memory64
			max := spec.MaxMemoryPages
			im.Max = &max
		case im.Kind == "function" && types.Import(im.Name) != nil:
			im.Params, im.Results = valNames(types.Import(im.Name).Func.Params), valNames(types.Import(im.Name).Func.Results)
		}
		seen[im.Name] = true
		m.Imports = append(m.Imports, im)
	}
	// The kind's imports the measured (initial-release) kernel lacks.
	for _, want := range spec.Imports {
		if !seen[want.Name] && want.Kind == wasmbin.KindFunc {
			t := types.Import(want.Name)
			if t == nil {
				t = &want
			}
			m.Imports = append(m.Imports, Import{Module: spec.Module, Name: want.Name, Kind: "function",
				Params: valNames(t.Func.Params), Results: valNames(t.Func.Results)})
		}
	}
	for _, ex := range src.Exports {
		want := spec.Export(ex.Name)
		switch {
		case ex.Kind == "table" && s.Kind != abi.InitialWasm32:
			continue
		case want == nil:
		case want.Kind == wasmbin.KindFunc:
			ex.Params, ex.Results = valNames(want.Func.Params), valNames(want.Func.Results)
		case want.Kind == wasmbin.KindGlobal:
			ex.Type = want.Global.Type.String()
		}
		m.Exports = append(m.Exports, ex)
	}
	return kernelModule(m, panicMsg)
}

func valNames(ts []wasmbin.ValType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}
