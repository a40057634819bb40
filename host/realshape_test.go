//go:build !js

package host

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/realshape"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

// The interface of a real build (internal/abi/testdata/real-kernel-facts.json,
// a copy of the shared facts), assembled into modules with trivial bodies,
// must pass the host's checks exactly as a real kernel and BusyBox would
// (issue 10). The first real kernel tried on this host was refused because
// one sys_* import had no result.

func realFacts(t *testing.T) *realshape.Facts {
	t.Helper()
	b, err := os.ReadFile("../internal/abi/testdata/real-kernel-facts.json")
	require.NoError(t, err)
	f, err := realshape.Parse(b)
	require.NoError(t, err)
	return f
}

func TestRealShapedKernelAccepted(t *testing.T) {
	f := realFacts(t)
	k, err := f.Kernel("real-shaped kernel instantiated")
	require.NoError(t, err)
	assert.InDelta(t, f.Vmlinux.Bytes, len(k), 8, "the module has the real kernel's size")

	info, err := InspectKernel(k)
	require.NoError(t, err, "the host refuses a module with a real kernel's interface")
	assert.EqualValues(t, 15, info.MemoryMin)
	assert.EqualValues(t, 65536, info.MemoryMax)

	// Every sys_* import becomes a stub of exactly the import's type, the
	// one without a result included.
	want := f.SysImports()
	require.Len(t, info.SysStubs, len(want))
	noResult := 0
	for i, s := range info.SysStubs {
		assert.Equal(t, want[i].Name, s.Name)
		assert.Len(t, s.Type.Params, len(want[i].Params), s.Name)
		assert.Len(t, s.Type.Results, len(want[i].Results), s.Name)
		if len(s.Type.Results) == 0 {
			noResult++
			assert.Equal(t, "sys_landlock_add_rule", s.Name)
		}
	}
	assert.Equal(t, 1, noResult)
	assert.Len(t, info.HostImports, 12, "all twelve host functions imported")

	// The parsed module has the real custom sections at their real sizes.
	m, err := wasmbin.Parse(k)
	require.NoError(t, err)
	for _, s := range f.Vmlinux.Sections {
		if s.Custom != "" {
			c := m.Custom(s.Custom)
			require.NotNil(t, c, s.Custom)
		}
	}
}

func TestRealShapedKernelRefusedWhereTheRealOneIsWrong(t *testing.T) {
	// Still refused: an f64 parameter, an i64 result, more than one result.
	for _, bad := range []struct {
		params, results []string
		msg             string
	}{
		{[]string{"f64"}, []string{"i32"}, "import sys_quotactl has type (f64) -> i32"},
		{[]string{"i32"}, []string{"i64"}, "import sys_quotactl has type (i32) -> i64"},
		{nil, []string{"i32", "i32"}, "import sys_quotactl has type () -> (i32, i32)"},
	} {
		f := realFacts(t)
		for i := range f.Vmlinux.Imports {
			if f.Vmlinux.Imports[i].Name == "sys_quotactl" {
				f.Vmlinux.Imports[i].Params, f.Vmlinux.Imports[i].Results = bad.params, bad.results
			}
		}
		k, err := f.Kernel("x")
		require.NoError(t, err)
		_, err = InspectKernel(k)
		var ke *KernelError
		require.ErrorAs(t, err, &ke)
		require.Len(t, ke.Details, 2)
		assert.Contains(t, ke.Details[0], "checked as an initial release wasm32 kernel")
		assert.Contains(t, ke.Details[1], bad.msg)
		assert.Contains(t, ke.Details[1], "one i32 result or none")
	}
}

func TestRealShapedBusyBoxAccepted(t *testing.T) {
	f := realFacts(t)
	bb, err := f.BusyBox()
	require.NoError(t, err)
	assert.InDelta(t, f.Busybox.Bytes, len(bb), 8)
	m, err := wasmbin.Parse(bb)
	require.NoError(t, err)
	info, err := abi.CheckUserProgram(m)
	require.NoError(t, err)
	assert.EqualValues(t, 765, info.TableSize(), "the per-instance table follows dylink.0 and the table import")
	assert.True(t, info.HasStart && info.HasCloneCallback && info.HasHandleSignal && info.HasSetTLSBase && info.HasApplyDataRelocs && info.HasCallCtors)
	assert.Len(t, info.Imports, len(f.Busybox.Imports))
}

// The 7.0-era generation (gen2-interface-facts.md section 1), both widths,
// derived from the measured kernel: accepted as its kind, with no sys_*
// stubs and the new imports bound to their own implementations.
func TestRealShaped70KernelsAccepted(t *testing.T) {
	f := realFacts(t)
	for _, kind := range []abi.KernelKind{abi.Gen70Wasm32, abi.Gen70Wasm64} {
		t.Run(kind.String(), func(t *testing.T) {
			k, err := f.KernelOf(realshape.Shape{Kind: kind}, "x")
			require.NoError(t, err)
			assert.InDelta(t, f.Vmlinux.Bytes, len(k), 8, "the module has the real kernel's size")
			info, err := InspectKernel(k)
			require.NoError(t, err)
			assert.Equal(t, kind, info.Kind)
			assert.Empty(t, info.SysStubs)
			assert.Len(t, info.HostImports, 13, "the twelve host functions and wasm_random_get_bytes")
			assert.Contains(t, info.HostImports, "wasm_random_get_bytes")
			m, err := wasmbin.Parse(k)
			require.NoError(t, err)
			assert.Equal(t, kind == abi.Gen70Wasm64, m.Import("env", "memory").Memory.Memory64)
			assert.Nil(t, m.Export("__indirect_function_table"), "not exported any more (facts section 1, inferred): the host must not need it")
			_, err = InspectKernelHead(k)
			require.NoError(t, err, "the streaming check agrees")
		})
	}
}

// Modules that mix the kinds are refused, the mix named.
func TestRealShapedMixedKernelsRefused(t *testing.T) {
	f := realFacts(t)
	refusal := func(s realshape.Shape) []string {
		t.Helper()
		k, err := f.KernelOf(s, "x")
		require.NoError(t, err)
		_, err = InspectKernel(k)
		var ke *KernelError
		require.ErrorAs(t, err, &ke)
		t.Log(strings.Join(ke.Details, "\n"))
		return ke.Details
	}
	// A wasm64 memory with wasm32 imports.
	d := refusal(realshape.Shape{Kind: abi.Gen70Wasm64, ImportTypes: abi.Gen70Wasm32})
	assert.Contains(t, d[0], "checked as a 7.0 wasm64 kernel")
	assert.Contains(t, d, "import wasm_serialize_tasks has type (i32, i32) -> i32, want (i64, i64) -> i64 (that is the type of an initial release wasm32 or a 7.0 wasm32 kernel: this module mixes kernel kinds)")
	assert.Len(t, d, 1+10, "each of the ten pointer-typed imports named")

	// The initial release's wasm_start_cpu beside the 7.0 random import.
	d = refusal(realshape.Shape{Kind: abi.Gen70Wasm32, ImportTypes: abi.InitialWasm32})
	assert.Equal(t, []string{
		"checked as a 7.0 wasm32 kernel (Linux 7.0-era generation, wasm32) because it imports wasm_random_get_bytes:",
		"import wasm_start_cpu has type (i32, i32, i32) -> (), want (i32, i32) -> () (that is the type of an initial release wasm32 kernel: this module mixes kernel kinds)",
	}, d)

	// A 2-argument wasm_start_cpu with the real build's sys_* imports: an
	// older 7.0 build. The facts (section 7) advise stubbing them, so it is
	// accepted, and flagged (kcheck names them).
	k, err := f.KernelOf(realshape.Shape{Kind: abi.Gen70Wasm32, SysImports: true}, "x")
	require.NoError(t, err)
	info, err := InspectKernel(k)
	require.NoError(t, err)
	assert.Len(t, info.SysStubs, len(f.SysImports()))
	assert.True(t, info.UnexpectedSysStubs())
	// The same on wasm64 is refused: the measured sys_* types have i32
	// results, and a wasm64 kernel's syscalls return long (i64).
	d = refusal(realshape.Shape{Kind: abi.Gen70Wasm64, SysImports: true})
	assert.Contains(t, strings.Join(d, "\n"), "want i32/i64 parameters and one i64 result or none (unimplemented syscall)")
}
