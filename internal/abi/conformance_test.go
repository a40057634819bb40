package abi

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/e2e/conformance"
	"github.com/linuxwasm/gohost/internal/cpio"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// The conformance kernel and user programs (e2e/conformance, spec section
// 11) are built by the e2e tree. These tests fail, not skip, when they are
// missing: the host cannot be tested without them.
var conformanceDir = conformance.Dir()

func readModule(t *testing.T, path string) *wasmbin.Module {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "conformance artifact missing: build e2e/conformance first")
	m, err := wasmbin.Parse(b)
	require.NoError(t, err, path)
	return m
}

func TestConformanceKernel(t *testing.T) {
	m := readModule(t, filepath.Join(conformanceDir, "vmlinux.wasm"))
	info, err := CheckKernel(m)
	require.NoError(t, err)
	t.Logf("memory min %d max %d pages; %d sys stubs; raise_interrupt %v",
		info.MemoryMin, info.MemoryMax, len(info.SysStubs), info.HasRaiseInterrupt)

	// Section 11.1: more than 30 pages, all twelve host functions, several
	// sys_* stubs including one with i64 params and one with none.
	assert.Greater(t, info.MemoryMin, uint64(30), "memory minimum must exceed 30 pages")
	assert.Len(t, info.HostImports, 12)
	assert.True(t, info.HasRaiseInterrupt)
	var withI64, noParams bool
	shapes := map[string]bool{}
	for _, s := range info.SysStubs {
		for _, p := range s.Type.Params {
			withI64 = withI64 || p == wasmbin.I64
		}
		noParams = noParams || len(s.Type.Params) == 0
		shapes[s.Type.String()] = true
	}
	assert.GreaterOrEqual(t, len(info.SysStubs), 2)
	assert.True(t, withI64, "a sys_* stub with i64 params")
	assert.True(t, noParams, "a sys_* stub without params")
	// Every sys_* import shape of a real build (real-kernel-facts.json,
	// vmlinux.sys_import_shapes), so the host is tested against the mix it
	// meets, including sys_landlock_add_rule's () -> ().
	i32, i64 := wasmbin.I32, wasmbin.I64
	ft := func(p ...wasmbin.ValType) *wasmbin.FuncType {
		return wasmbin.NewFuncType(p, []wasmbin.ValType{i32})
	}
	realShapes := []*wasmbin.FuncType{
		ft(i32, i32, i32), ft(i32, i32, i32, i32), ft(i32, i32, i32, i32, i32), ft(i32, i32), ft(i32),
		ft(i32, i32, i32, i32, i32, i32), ft(i64, i32, i32), ft(), ft(i32, i32, i64, i32, i32),
		wasmbin.NewFuncType(nil, nil),
	}
	for _, want := range realShapes {
		assert.True(t, shapes[want.String()], "the conformance kernel imports no sys_* stub of the real shape %s", want.String())
	}
	landlock := m.Import("env", "sys_landlock_add_rule")
	if assert.NotNil(t, landlock, "sys_landlock_add_rule, typed () -> () as in a real build") {
		assert.True(t, landlock.Func.Equal(wasmbin.NewFuncType(nil, nil)), "sys_landlock_add_rule: %s", landlock.Func)
	}

	// Every import and export named in abi.json, with exactly that type.
	a := loadJSON(t)
	for _, j := range a.Vmlinux.Imports {
		if j.Pattern != "" {
			continue
		}
		im := m.Import("env", j.Name)
		if !assert.NotNil(t, im, "import env.%s", j.Name) {
			continue
		}
		assert.Equal(t, kindByJSON[j.Kind], im.Kind, j.Name)
		switch im.Kind {
		case wasmbin.KindFunc:
			ft, _ := jsonFuncType(t, j)
			assert.True(t, ft.Equal(im.Func), "import %s: %s, abi.json %s", j.Name, im.Func, ft)
		case wasmbin.KindMemory:
			assert.Equal(t, *j.Shared, im.Memory.Shared)
			assert.True(t, im.Memory.HasMax)
			assert.Equal(t, *j.MaximumPages, im.Memory.Max)
			assert.False(t, im.Memory.Memory64)
		}
	}
	for _, j := range a.Vmlinux.Exports {
		e := m.Export(j.Name)
		if !assert.NotNil(t, e, "export %s", j.Name) {
			continue
		}
		assert.Equal(t, kindByJSON[j.Kind], e.Kind, j.Name)
		switch e.Kind {
		case wasmbin.KindFunc:
			ft, _ := jsonFuncType(t, j)
			assert.True(t, ft.Equal(e.Func), "export %s: %s, abi.json %s", j.Name, e.Func, ft)
		case wasmbin.KindGlobal:
			assert.Equal(t, wasmbin.GlobalType{Type: valByJSON[j.Type], Mutable: *j.Mutable}, *e.Global, j.Name)
		case wasmbin.KindTable:
			assert.Equal(t, wasmbin.FuncRef, e.Table.Elem)
		}
	}
	for _, name := range a.Vmlinux.DeclaredButNotImported {
		assert.Nil(t, m.Import("env", name), "%s must not be imported", name)
	}
}

func TestConformancePrograms(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.wasm"))
	require.NoError(t, err)
	n := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "vmlinux") {
			continue // the kernels
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			m := readModule(t, f)
			info, err := CheckUserProgram(m)
			require.NoError(t, err)
			assert.True(t, info.HasStart, "_start")
			assert.True(t, info.HasApplyDataRelocs, "__wasm_apply_data_relocs")
			assert.NotNil(t, info.Memory)
			assert.True(t, info.HasTable)
			assert.GreaterOrEqual(t, info.TableMin, uint64(info.Dylink.TableSize))
		})
	}
	require.NotZero(t, n, "no user programs in %s", conformanceDir)
}

func TestConformanceInitramfs(t *testing.T) {
	testConformanceInitramfs(t, "initramfs.cpio", false)
}

// The wasm64 programs (for vmlinux-70-wasm64.wasm) pass the wasm64 user
// checks.
func TestConformanceInitramfsWasm64(t *testing.T) {
	testConformanceInitramfs(t, "initramfs-wasm64.cpio", true)
}

func testConformanceInitramfs(t *testing.T, name string, wasm64 bool) {
	b, err := os.ReadFile(filepath.Join(conformanceDir, name))
	require.NoError(t, err, "conformance artifact missing: build e2e/conformance first")
	es, err := cpio.ReadAll(b)
	require.NoError(t, err)
	n := 0
	for _, e := range es {
		if !e.IsRegular() || !bytes.HasPrefix(e.Data, []byte("\x00asm")) {
			continue
		}
		n++
		m, err := wasmbin.Parse(e.Data)
		if e.Name == "bin/conf_corrupt" {
			// Deliberately truncated for the exec scenario: binfmt accepts it,
			// nothing can compile it.
			assert.Error(t, err, e.Name)
			continue
		}
		require.NoError(t, err, e.Name)
		info, err := CheckUserProgram(m)
		if assert.NoError(t, err, e.Name) {
			assert.Equal(t, wasm64, info.Memory.Memory64, e.Name)
		}
		assert.False(t, strings.HasPrefix(e.Name, "/"), "archive names are relative: %s", e.Name)
	}
	require.NotZero(t, n, "no wasm programs in %s", name)
}

// The conformance kernels of the 7.0-era kinds import exactly what
// gen2-interface-facts.md section 1 lists for their kind: the memory and the
// thirteen host functions with their types, no sys_* and nothing else; and
// export every required symbol.
func TestConformanceKernel70(t *testing.T) {
	for _, c := range []struct {
		file string
		kind KernelKind
	}{{"vmlinux-70-wasm32.wasm", Gen70Wasm32}, {"vmlinux-70-wasm64.wasm", Gen70Wasm64}} {
		t.Run(c.kind.String(), func(t *testing.T) {
			m := readModule(t, filepath.Join(conformanceDir, c.file))
			info, err := CheckKernel(m)
			require.NoError(t, err)
			assert.Equal(t, c.kind, info.Kind)
			assert.Empty(t, info.SysStubs)
			spec := c.kind.Spec()
			var got, want []string
			for _, im := range m.Imports {
				got = append(got, im.Name)
			}
			for _, s := range spec.Imports {
				want = append(want, s.Name)
			}
			assert.ElementsMatch(t, want, got, "exactly the imports of the facts")
			assert.Greater(t, info.MemoryMin, uint64(30))
			assert.Equal(t, c.kind.Wasm64(), m.Import("env", "memory").Memory.Memory64)
			// Linked without --export-table, as upstream's wrapper now
			// links; wasm-ld-19's --export-all exports the table anyway,
			// so the facts' "probably not exported" [i] does not hold for
			// this linker. The host needs it in neither case.
		})
	}
}
