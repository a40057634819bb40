//go:build !js

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/host"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

func TestPadKernelKeepsTheInterface(t *testing.T) {
	k, err := os.ReadFile(filepath.Join("..", "..", "e2e", "conformance", "testdata", "vmlinux.wasm"))
	if err != nil {
		t.Skip(err)
	}
	big, err := padKernel(k, 1000, 1000)
	require.NoError(t, err)
	assert.Greater(t, len(big), len(k)+1000*1000)
	a, err := host.InspectKernel(k)
	require.NoError(t, err)
	b, err := host.InspectKernel(big)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	m0, _ := wasmbin.Parse(k)
	m1, _ := wasmbin.Parse(big)
	assert.Equal(t, len(m0.Funcs)+1000, len(m1.Funcs))
	assert.Equal(t, m0.Exports, m1.Exports)
}
