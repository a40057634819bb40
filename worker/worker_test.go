package worker

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/wasmbin"
)

func TestDecodeResult(t *testing.T) {
	assert.Equal(t, Result{Value: 0xffffffff}, decodeResult(4294967295))
	assert.Equal(t, Result{Value: 7}, decodeResult(7))
	assert.Equal(t, Result{Code: CodeReload}, decodeResult(-1))
	assert.Equal(t, Result{Code: CodeTrap}, decodeResult(-5))
}

// The conformance programs are built like BusyBox programs: their table
// sizes come from dylink.0 and the table import, not a fixed 4096 (10.2).
func TestTableSizeOfConformancePrograms(t *testing.T) {
	dir := filepath.Join("..", "e2e", "conformance", "testdata")
	big, err := os.ReadFile(filepath.Join(dir, "conf_big.wasm"))
	require.NoError(t, err)
	n, ok := TableSize(big)
	require.True(t, ok)
	assert.Greater(t, n, uint32(4096), "the big program has more than 4096 functions in its table")

	small, err := os.ReadFile(filepath.Join(dir, "conf_b.wasm"))
	require.NoError(t, err)
	n, ok = TableSize(small)
	require.True(t, ok)
	assert.Less(t, n, uint32(4096))
}

func TestTableSizeRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("\x00asm"), []byte("\x7fELF\x01\x01\x01\x00"), []byte("\x00asm\x01\x00\x00\x00\x02\xff\xff\xff\xff\x0f")} {
		_, ok := TableSize(b)
		assert.False(t, ok, "%q", b)
	}
}

func FuzzTableSize(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "e2e", "conformance", "testdata", "conf_b.wasm"))
	require.NoError(f, err)
	f.Add(b[:200])
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x00\x0a\x08dylink.0\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) { TableSize(b) })
}

func TestProgramCacheEvictsLeastRecent(t *testing.T) {
	c := newProgramCache[int](2)
	c.put(1, 10)
	c.put(2, 20)
	_, _ = c.get(1)
	c.put(3, 30)
	_, ok := c.get(2)
	assert.False(t, ok, "2 was least recently used")
	v, ok := c.get(1)
	assert.True(t, ok)
	assert.Equal(t, 10, v)
}

// Every guard slot the runner calls has its export named, kernel slots
// below the user ones, and the syscall entries in order.
func TestGuardTargetsCoverEverySlot(t *testing.T) {
	for i, n := range KernelTargets {
		assert.NotEmpty(t, n, "kernel slot %d", i)
	}
	for i, n := range UserTargets {
		assert.NotEmpty(t, n, "user slot %d", UserTargetBase+i)
	}
	assert.Less(t, len(KernelTargets), UserTargetBase)
	for n := 0; n <= 6; n++ {
		assert.Equal(t, "wasm_syscall_"+string(rune('0'+n)), KernelTargets[slotSyscall0+n])
	}
	assert.Equal(t, "ret_from_fork", KernelTargets[slotRetFromFork])
	// Each is an export the ABI names (sections 3 and 6.4).
	for _, n := range KernelTargets {
		assert.NotNil(t, abi.Kernel.Export(n), n)
	}
	for _, n := range UserTargets {
		assert.NotNil(t, abi.User.Export(n), n)
	}
	assert.Equal(t, "__libc_handle_signal", UserTargets[slotHandleSignal-UserTargetBase])
}

// goExports lists the //go:wasmexport names of this package's sources with
// the Go parameter and result types of each function.
func goExports(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*_js.go")
	require.NotEmpty(t, files)
	require.NoError(t, err)
	out := map[string]string{}
	re := regexp.MustCompile(`//go:wasmexport (\S+)\nfunc \w+(\([^)]*\)[^{]*)\{`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

// Every host import of every kernel kind the worker implements has an
// export of that name (Symbol.Impl, or the import's own), whose Go
// parameter count matches the import's: worker.js binds them by these names.
func TestEveryKernelImportImplemented(t *testing.T) {
	exports := goExports(t)
	for _, kind := range abi.KernelKinds {
		for _, s := range kind.Spec().Imports {
			if s.Kind != wasmbin.KindFunc {
				continue
			}
			impl := s.Impl
			if impl == "" {
				impl = s.Name
			}
			sig, ok := exports[impl]
			if !assert.True(t, ok, "%s: no export %s for import %s", kind, impl, s.Name) {
				continue
			}
			assert.Equal(t, s.Func.Params, goParamTypes(sig), "%s: %s%s for %s", kind, impl, sig, s.Func)
		}
	}
}

// goParamTypes gives the wasm types of a Go signature's parameters
// ("(a, b uint32, c int64) int64" -> i32, i32, i64).
func goParamTypes(sig string) []wasmbin.ValType {
	params := strings.TrimSpace(sig[1:strings.Index(sig, ")")])
	if params == "" {
		return nil
	}
	var out []wasmbin.ValType
	pending := 0
	for _, p := range strings.Split(params, ",") {
		f := strings.Fields(p)
		pending++
		if len(f) == 2 {
			t := wasmbin.I32
			if f[1] == "uint64" || f[1] == "int64" {
				t = wasmbin.I64
			}
			for ; pending > 0; pending-- {
				out = append(out, t)
			}
		}
	}
	return out
}

// A program importing a 64-bit table (clang-19's wasm64 -fPIC) gets
// Table64 in its size, so the worker creates the table it imports.
func TestTableSizeTable64(t *testing.T) {
	name := "__indirect_function_table"
	imp := append([]byte{1, 3, 'e', 'n', 'v', byte(len(name))}, name...)
	mod := func(flags byte) []byte {
		sec := append(append([]byte(nil), imp...), 1, 0x70, flags, 5)
		return append([]byte("\x00asm\x01\x00\x00\x00\x02"), append([]byte{byte(len(sec))}, sec...)...)
	}
	n, ok := TableSize(mod(0x04))
	require.True(t, ok)
	assert.Equal(t, uint32(Table64|5), n)
	n, ok = TableSize(mod(0x00))
	require.True(t, ok)
	assert.Equal(t, uint32(5), n)
}

// DataSize reads the memory size of a program's dylink.0 section, as the
// kernel's binfmt does (wasmbin, the host's full parser, agrees), and the
// page-rounded area the kernel reserves at data_start for it.
func TestDataSizeOfConformancePrograms(t *testing.T) {
	dir := filepath.Join("..", "e2e", "conformance", "testdata")
	for _, name := range []string{"conf_a.wasm", "conf_b.wasm", "conf_big.wasm", "conf_box.wasm"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		m, err := wasmbin.Parse(b)
		require.NoError(t, err)
		require.NotNil(t, m.Dylink, name)
		mem, reserved, ok := DataSize(b)
		require.True(t, ok, name)
		assert.Equal(t, m.Dylink.MemSize, mem, name)
		assert.Zero(t, reserved%4096, name)
		assert.True(t, reserved >= mem && reserved-mem < 4096, "%s: %d reserved for %d", name, reserved, mem)
		// the payload alone (customSections' view) gives the same
		p := b[9:]
		_, k := uleb(p)
		p = p[k+1+len("dylink.0"):]
		mem2, reserved2, ok := DylinkMemSize(p)
		require.True(t, ok, name)
		assert.Equal(t, [2]uint32{mem, reserved}, [2]uint32{mem2, reserved2}, name)
	}
}

func TestDataSizeRounding(t *testing.T) {
	for _, c := range []struct{ mem, reserved uint32 }{{0, 0}, {1, 4096}, {4096, 4096}, {4097, 8192}} {
		payload := append([]byte{1, 4}, uleb32(c.mem)...)
		payload = append(payload, 0, 0, 0)
		payload[1] = byte(len(payload) - 2)
		mem, reserved, ok := DylinkMemSize(payload)
		require.True(t, ok)
		assert.Equal(t, c.mem, mem)
		assert.Equal(t, c.reserved, reserved, "mem %d", c.mem)
	}
	for _, b := range [][]byte{nil, []byte("\x00asm\x01\x00\x00\x00"), []byte("\x00asm\x01\x00\x00\x00\x01\x01\x00"),
		[]byte("\x00asm\x01\x00\x00\x00\x00\x0a\x08dylink.0\x02\x00"), []byte("\x00asm\x01\x00\x00\x00\x00\x09\x07dylink.\x01\x00")} {
		_, _, ok := DataSize(b)
		assert.False(t, ok, "%q", b)
	}
}

func uleb32(v uint32) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func FuzzDataSize(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "e2e", "conformance", "testdata", "conf_b.wasm"))
	require.NoError(f, err)
	f.Add(b[:200])
	f.Fuzz(func(t *testing.T, b []byte) {
		mem, reserved, ok := DataSize(b)
		if ok && (reserved < mem || reserved%4096 != 0) {
			t.Fatalf("reserved %d for %d", reserved, mem)
		}
	})
}
