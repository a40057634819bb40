//go:build !js

package conformance

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/host"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

func TestPadCodeKeepsTheInterface(t *testing.T) {
	k, err := File(Kernel)
	require.NoError(t, err)
	big, err := padCode(k, 1000, 1000)
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
