//go:build !js

package wasmgen

import (
	"testing"

	"github.com/linuxwasm/gohost/internal/wasmbin"
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

// The forwarder has exactly hostmem's exports with the same types, and one
// import: the table it calls them through, with a slot for each.
func TestHostMemForwarderShape(t *testing.T) {
	hm, err := wasmbin.Parse(HostMem())
	require.NoError(t, err)
	fw, err := wasmbin.Parse(HostMemForwarder())
	require.NoError(t, err)
	require.Len(t, fw.Imports, 1)
	tab := fw.Import("env", "hostmem")
	require.NotNil(t, tab)
	require.NotNil(t, tab.Table)
	assert.EqualValues(t, len(HostMemNames()), tab.Table.Limits.Min)
	require.Len(t, fw.Exports, len(hm.Exports))
	for _, name := range HostMemNames() {
		want, got := hm.Export(name), fw.Export(name)
		require.NotNil(t, want, name)
		require.NotNil(t, got, name)
		assert.Equal(t, want.Func.String(), got.Func.String(), name)
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

// For a wasm64 kernel the helper imports the kernel's memory as a memory64
// and keeps Go's 32-bit signatures.
func TestHostMemForWasm64Kernel(t *testing.T) {
	m, err := wasmbin.Parse(HostMemFor(true))
	require.NoError(t, err)
	assert.True(t, m.Import("env", "memory").Memory.Memory64)
	assert.False(t, m.Import("env", "bridge").Memory.Memory64, "the bridge memory stays 32-bit")
	old, err := wasmbin.Parse(HostMem())
	require.NoError(t, err)
	assert.False(t, old.Import("env", "memory").Memory.Memory64)
	for _, name := range HostMemNames() {
		assert.Equal(t, old.Export(name).Func.String(), m.Export(name).Func.String(), name)
	}
}

// The wasm64 shims give the kernel its i64 types, results included.
func TestShimsWasm64(t *testing.T) {
	m, err := wasmbin.Parse(Shims(KernelShims))
	require.NoError(t, err)
	for name, typ := range map[string]string{
		"wasm_create_and_run_task_w64": "(i64, i64, i64, i64, i64, i64, i64) -> i64",
		"wasm_serialize_tasks_w64":     "(i64, i64) -> i64",
		"wasm_panic_w64":               "(i64) -> ()",
	} {
		e := m.Export(name)
		require.NotNil(t, e, name)
		assert.Equal(t, typ, e.Func.String())
	}
}
