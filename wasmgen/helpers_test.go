//go:build !js

package wasmgen

import (
	"testing"

	"github.com/linuxwasm/gohost/wasmbin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The generated modules are well-formed and have the interface worker.js and
// the worker's //go:wasmimport declarations rely on. (The GOOS=js tests run
// them in Chromium; Node lacks multi-memory.)
func TestHostMemShape(t *testing.T) {
	m, err := wasmbin.Parse(HostMem())
	require.NoError(t, err)
	bridge, kernel := m.Import("env", "bridge"), m.Import("env", "memory")
	require.NotNil(t, bridge)
	require.NotNil(t, kernel)
	assert.True(t, bridge.Memory.Shared && kernel.Memory.Shared)
	assert.Equal(t, "() -> f64", m.Import("env", "now").Func.String())
	for name, typ := range map[string]string{
		"load32": "(i32) -> i32", "store32": "(i32, i32) -> ()", "cas64": "(i32, i64, i64) -> i64",
		"wait32": "(i32, i32, i64) -> i32", "copy_in": "(i32, i32, i32) -> ()", "now_ns": "() -> i64",
		"and32": "(i32, i32) -> i32", "store8": "(i32, i32) -> ()",
	} {
		e := m.Export(name)
		require.NotNil(t, e, name)
		assert.Equal(t, typ, e.Func.String(), name)
	}
}

func TestShimsFollowKernelTypes(t *testing.T) {
	m, err := wasmbin.Parse(Shims(KernelShims))
	require.NoError(t, err)
	require.NotNil(t, m.Import(TagModule, TagName))
	want := map[string]string{
		"wasm_create_and_run_task": "(i32, i32, i32, i32, i32, i32, i32) -> i32",
		"wasm_serialize_tasks":     "(i32, i32) -> i32",
		"wasm_panic":               "(i32) -> ()",
		"wasm_user_mode_tail":      "(i32) -> ()",
	}
	for name, typ := range want {
		e := m.Export(name)
		require.NotNil(t, e, name)
		assert.Equal(t, typ, e.Func.String(), "the kernel sees its own import type")
		imp := m.Import(ShimModule, name)
		require.NotNil(t, imp, name)
		assert.Equal(t, "i64", imp.Func.Results[0].String(), "Go's export returns i64: -code unwinds")
	}
}
