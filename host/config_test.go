package host

import (
	"github.com/linuxwasm/gohost/internal/abi"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckCmdline(t *testing.T) {
	assert.NoError(t, CheckCmdline(DefaultCmdline))
	assert.NoError(t, CheckCmdline(strings.Repeat("a", 511)))
	err := CheckCmdline(strings.Repeat("a", 512))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "512 bytes")
	assert.Error(t, CheckCmdline("a\x00b"))
}

func TestCheckFit(t *testing.T) {
	var err error
	old := abi.InitialWasm32
	assert.NoError(t, CheckFit(old, 43, 200<<10))
	assert.NoError(t, CheckFit(old, 300, 100<<20), "a 100 MiB initramfs fits")
	err = CheckFit(old, 65536, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the kernel declares 65536 pages", "a too-big kernel is not blamed on the initramfs")
	err = CheckFit(old, 300, 300<<20)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "300.0 MiB")

	// A 7.0-era kernel keeps all of the 0x2000 pages it grows to (memory_end
	// fixed), so an initramfs that the initial release's quirk would starve
	// fits: 300 MiB (4800 pages) beside 300 pages leaves it 8192-5100 = 3092.
	for _, k := range []abi.KernelKind{abi.Gen70Wasm32, abi.Gen70Wasm64} {
		assert.NoError(t, CheckFit(k, 300, 300<<20), k)
		err = CheckFit(k, 300, 450<<20)
		require.Error(t, err, k)
		assert.Contains(t, err.Error(), "keep the initramfs and your files under 429.2 MiB", k) // (0x2000-1024-300) pages
		assert.NoError(t, CheckFit(k, 300, (0x2000-1024-300)*65536), k)
		assert.Error(t, CheckFit(k, 300, (0x2000-1024-300)*65536+1), k)
	}
}

func TestSpawnCount(t *testing.T) {
	assert.Equal(t, 4, SpawnCount(0, 0, 0, 1, 4), "fill the pool")
	assert.Equal(t, 0, SpawnCount(0, 4, 0, 5, 4), "full pool")
	assert.Equal(t, 2, SpawnCount(2, 4, 0, 5, 4), "a backlog is served on top of the floor")
	assert.Equal(t, 0, SpawnCount(0, 1, 3, 5, 4), "workers starting count")
	assert.Equal(t, 1, SpawnCount(1, 0, 0, 3, 0), "no pool: one worker per job")
	assert.Equal(t, 2, SpawnCount(10, 0, 0, WorkerLimit-2, 4), "never beyond the limit")
	assert.Equal(t, 0, SpawnCount(0, 9, 0, 10, 4))
}

func TestInspectKernelRefusesNonKernels(t *testing.T) {
	_, err := InspectKernel([]byte("<html>not found</html>"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a WebAssembly module")

	_, err = InspectKernel([]byte("\x00asm\x01\x00\x00\x00\x01\x05"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "truncated or corrupt")

	// A valid module with nothing in it: every required symbol is named.
	_, err = InspectKernel([]byte("\x00asm\x01\x00\x00\x00"))
	var ke *KernelError
	require.ErrorAs(t, err, &ke)
	assert.Contains(t, strings.Join(ke.Details, "\n"), "ret_from_fork")
}
