//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/cpio"
	"github.com/linuxwasm/gohost/internal/realshape"
)

var testdata = filepath.Join("..", "..", "e2e", "conformance", "testdata")

func kcheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBoots(t *testing.T) {
	code, out, _ := kcheck(t, "-cmdline", "conf=all init=/bin/conf_a", filepath.Join(testdata, "vmlinux.wasm"), filepath.Join(testdata, "initramfs.cpio"))
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `an initial release wasm32 Linux/Wasm kernel \(initial release \(Linux 6.4.16\), wasm32\) that this host runs: memory of \d+ pages`, out)
	assert.Contains(t, out, "12 host imports")
	assert.Regexp(t, `uncompressed, \d+ entries`, out)
	assert.NotContains(t, out, "warning:")
	assert.True(t, strings.HasSuffix(out, "This host would boot it.\n"), out)
}

func TestGzipInitramfsAndMissingInit(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	w := cpio.NewWriter(&buf)
	require.NoError(t, w.WriteFile("bin/sh", 0o755, []byte("\x00asm")))
	require.NoError(t, w.Close())
	gz := gzipBytes(t, buf.Bytes())
	p := filepath.Join(dir, "initramfs.cpio.gz")
	require.NoError(t, os.WriteFile(p, gz, 0o644))
	code, out, _ := kcheck(t, filepath.Join(testdata, "vmlinux.wasm"), p)
	assert.Equal(t, 0, code, "the host boots it; the kernel meets the warning")
	assert.Contains(t, out, "gzip-compressed, 1 entries")
	assert.Contains(t, out, "warning: the command line says init=/init, which is not in the initramfs")

	// A truncated archive: the kernel's unpacker would stop.
	require.NoError(t, os.WriteFile(p, buf.Bytes()[:buf.Len()-40], 0o644))
	_, out, _ = kcheck(t, filepath.Join(testdata, "vmlinux.wasm"), p)
	assert.Contains(t, out, "warning: the initramfs does not read whole")
}

// Every reason is named: a user program is not a kernel (each missing
// symbol listed), and a command line too long is a second reason.
func TestRefusesEveryReason(t *testing.T) {
	code, out, _ := kcheck(t, "-cmdline", strings.Repeat("x", 600), filepath.Join(testdata, "conf_b.wasm"))
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "This host would refuse it (2 reasons):")
	assert.Contains(t, out, "  - kernel: this WebAssembly module is not a Linux/Wasm kernel this host can run\n")
	assert.Contains(t, out, "missing export ret_from_fork")
	assert.Contains(t, out, "missing export boot_command_line")
	assert.Contains(t, out, "  - command line: the command line is 600 bytes long; the kernel takes at most 511")
}

// A module with only a wasm64 memory is checked as a 7.0 wasm64 kernel and
// refused for what it lacks.
func TestRefusesBareWasm64(t *testing.T) {
	m := []byte("\x00asm\x01\x00\x00\x00")
	imp := []byte{1, 3, 'e', 'n', 'v', 6, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x07, 0x01, 0x80, 0x80, 0x04} // memory64 | shared | max
	m = append(m, 2, byte(len(imp)))
	m = append(m, imp...)
	p := filepath.Join(t.TempDir(), "vmlinux64.wasm")
	require.NoError(t, os.WriteFile(p, m, 0o644))
	code, out, _ := kcheck(t, p)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "checked as a 7.0 wasm64 kernel (Linux 7.0-era generation, wasm64 (memory64)) because its memory is memory64:")
	assert.Contains(t, out, "missing export ret_from_fork")
}

func TestRefusesNonWasmAndTooBigInitramfs(t *testing.T) {
	dir := t.TempDir()
	html := filepath.Join(dir, "vmlinux.wasm")
	require.NoError(t, os.WriteFile(html, []byte("<html>404</html>"), 0o644))
	code, out, _ := kcheck(t, html)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "kernel: the kernel file is not a WebAssembly module (wrong magic bytes)")

	// 300 MiB (a sparse file: its size is all the fit check reads).
	big := filepath.Join(dir, "big.cpio")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(300<<20))
	require.NoError(t, f.Close())
	code, out, _ = kcheck(t, filepath.Join(testdata, "vmlinux.wasm"), big)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "initramfs: the initramfs is 300.0 MiB, more than fits")
}

func TestUsageAndFileErrors(t *testing.T) {
	code, _, errOut := kcheck(t)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "usage: kcheck")
	code, _, errOut = kcheck(t, filepath.Join(t.TempDir(), "none.wasm"))
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no such file")
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// kcheck says which kind of kernel it found, and names sys_* imports a
// 7.0-era kernel is not expected to have.
func TestSays70Kind(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "abi", "testdata", "real-kernel-facts.json"))
	require.NoError(t, err)
	f, err := realshape.Parse(b)
	require.NoError(t, err)
	dir := t.TempDir()
	for _, c := range []struct {
		shape realshape.Shape
		want  string
	}{
		{realshape.Shape{Kind: abi.Gen70Wasm32}, "a 7.0 wasm32 Linux/Wasm kernel (Linux 7.0-era generation, wasm32) that this host runs"},
		{realshape.Shape{Kind: abi.Gen70Wasm64}, "a 7.0 wasm64 Linux/Wasm kernel (Linux 7.0-era generation, wasm64 (memory64)) that this host runs"},
	} {
		k, err := f.KernelOf(c.shape, "x")
		require.NoError(t, err)
		p := filepath.Join(dir, "vmlinux.wasm")
		require.NoError(t, os.WriteFile(p, k, 0o644))
		code, out, _ := kcheck(t, p)
		assert.Equal(t, 0, code, out)
		assert.Contains(t, out, c.want)
		assert.Contains(t, out, "13 host imports, 0 sys_* stubs.")
		assert.NotContains(t, out, "warning:")
	}
	k, err := f.KernelOf(realshape.Shape{Kind: abi.Gen70Wasm32, SysImports: true}, "x")
	require.NoError(t, err)
	p := filepath.Join(dir, "vmlinux.wasm")
	require.NoError(t, os.WriteFile(p, k, 0o644))
	code, out, _ := kcheck(t, p)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "warning: a 7.0 wasm32 kernel normally imports no sys_* function; the host answers these 84 with -ENOSYS, as a newer kernel would itself: sys_")
	assert.Contains(t, out, "sys_landlock_add_rule")
}
