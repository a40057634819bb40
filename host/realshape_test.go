//go:build !js

package host

import (
	"os"
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
