package conformance

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

func TestCmdline(t *testing.T) {
	c, err := Cmdline([]string{"realboot", "input"}, "input_until=7e")
	require.NoError(t, err)
	b, err := File(Initrd)
	require.NoError(t, err)
	w := InitrdWords(b)
	assert.Equal(t, "conf=realboot,input maxcpus=3 "+w[0]+" "+w[1]+" input_until=7e", c)
	c, err = Cmdline([]string{"smp"}, "maxcpus=5")
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(c, "maxcpus="), c)
	assert.True(t, strings.HasSuffix(c, " maxcpus=5"), c)
	assert.Equal(t, []string{"initrd_len=3", "initrd_fnv=1a47e90b"}, InitrdWords([]byte("abc")))
}

func TestRealKernel(t *testing.T) {
	b, err := RealKernel()
	require.NoError(t, err)
	require.Len(t, b, realKernelBytes, "padded to the real vmlinux.wasm's size")
	again, err := RealKernel()
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, again), "deterministic")

	small, err := File(Kernel)
	require.NoError(t, err)
	m, err := wasmbin.Parse(b)
	require.NoError(t, err)
	info, err := abi.CheckKernel(m)
	require.NoError(t, err, "the kernel check accepts the padded module")
	m0, err := wasmbin.Parse(small)
	require.NoError(t, err)
	info0, err := abi.CheckKernel(m0)
	require.NoError(t, err)
	assert.Equal(t, info0, info, "the same interface as the small module")
	assert.Equal(t, m0.Exports, m.Exports)
	// The real code's shape: function count and code section size.
	assert.Len(t, m.Funcs, realKernelFuncs)
	for _, s := range m.Sections {
		if s.ID == wasmbin.SecCode {
			assert.InDelta(t, realCodeBytes, s.Size, float64(realCodeBytes)/50, "code section within 2%% of the real one")
		}
	}

	sizes := map[string]int{}
	for _, s := range m.Customs {
		sizes[s.Name] += len(s.Data) + len(s.Name) + ulebLen(len(s.Name))
	}
	for _, s := range realCustomSections {
		assert.Equal(t, s.bytes, sizes[s.name], "custom section %s", s.name)
	}

	p, err := RealKernelFile()
	require.NoError(t, err)
	f, err := os.ReadFile(p)
	require.NoError(t, err)
	require.True(t, bytes.Equal(b, f), "RealKernelFile holds RealKernel()")
}

func ulebLen(v int) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
