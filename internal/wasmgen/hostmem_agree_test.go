//go:build !js

package wasmgen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// The hostmem helper has three sides: this generator, the //go:wasmimport
// declarations Go calls it through (internal/hostmem) and worker.js, which
// binds the forwarder's table in the order of HostMemNames (sent to it from
// Go, so it has no list of its own). The Go declarations must name every
// export, each with the generated type.
func TestHostMemImportsAgreeWithGenerator(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../hostmem/mem_js.go", nil, parser.ParseComments)
	require.NoError(t, err)
	goTypes := map[string]ValType{"uint32": I32, "int32": I32, "uint64": I64, "int64": I64, "float64": F64}
	valType := func(e ast.Expr) ValType {
		id, ok := e.(*ast.Ident)
		require.True(t, ok, "parameter type %T", e)
		v, ok := goTypes[id.Name]
		require.True(t, ok, "Go type %s has no wasm type", id.Name)
		return v
	}
	list := func(fl *ast.FieldList) []ValType {
		var out []ValType
		if fl == nil {
			return nil
		}
		for _, fld := range fl.List {
			n := max(1, len(fld.Names))
			for i := 0; i < n; i++ {
				out = append(out, valType(fld.Type))
			}
		}
		return out
	}
	declared := map[string]FuncType{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Doc == nil {
			continue
		}
		for _, c := range fn.Doc.List {
			rest, ok := strings.CutPrefix(c.Text, "//go:wasmimport ")
			if !ok {
				continue
			}
			mod, name, _ := strings.Cut(rest, " ")
			require.Equal(t, HostMemModule, mod, fn.Name.Name)
			declared[name] = FuncType{Params: list(fn.Type.Params), Results: list(fn.Type.Results)}
		}
	}
	m, err := wasmbin.Parse(HostMem())
	require.NoError(t, err)
	assert.ElementsMatch(t, HostMemNames(), keys(declared), "every hostmem export is declared in Go, and nothing else")
	for _, name := range HostMemNames() {
		e := m.Export(name)
		require.NotNil(t, e, name)
		d := declared[name]
		assert.Equal(t, e.Func.String(), wasmbin.NewFuncType(d.Params, d.Results).String(), "type of %s", name)
	}
}

func keys(m map[string]FuncType) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
