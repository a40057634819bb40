package conformance

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"

	"github.com/linuxwasm/gohost/internal/wasmbin"
	"github.com/linuxwasm/gohost/internal/wasmenc"
)

// RealKernelName is the padded kernel's file name (see RealKernel); the dev
// servers serve it at /conformance/<RealKernelName>.
const RealKernelName = "vmlinux-real.wasm"

// The real vmlinux.wasm's size, function count and code section size
// (real-kernel-facts.json: vmlinux.bytes, section 10).
const (
	// realKernelLayout names how RealKernel pads: part of the cache key, so
	// a change of the padding never reuses an old file.
	realKernelLayout = "code+customs v3"
	realKernelBytes  = 30248311
	realKernelFuncs  = 9946
	realCodeBytes    = 2609931
)

// realCustomSections are the real vmlinux.wasm's custom sections with their
// sizes (real-kernel-facts.json vmlinux.sections, id 0), in file order.
var realCustomSections = []struct {
	name  string
	bytes int
}{
	{".debug_loclists", 2078269}, {".debug_abbrev", 730569}, {".debug_info", 15704912},
	{".debug_rnglists", 291770}, {".debug_str_offsets", 3307879}, {".debug_str", 556546},
	{".debug_addr", 420396}, {".debug_line", 3390538}, {".debug_line_str", 61677},
	{".debug_aranges", 167},
}

// RealKernel returns the conformance kernel padded to the shape of a real
// vmlinux.wasm: its code grown to the real function count and code size
// with functions that are never called (padCode), then custom sections of
// the real .debug_* names and sizes, then one "conf_padding" section that
// makes up the rest of the real file's size (mostly its 0.7 MB of data). So
// a download, the module check and the browser's compile cost what they
// cost for a real kernel. The contents are a fixed pseudo-random
// sequence: deterministic, and, like the real DWARF, not a run of zeros a
// gzip transfer would erase. ("name", "producers" and "target_features" of
// the real file are left out: the small module has its own.)
func RealKernel() ([]byte, error) {
	small, err := File(Kernel)
	if err != nil {
		return nil, err
	}
	m, err := wasmbin.Parse(small)
	if err != nil {
		return nil, err
	}
	code := 0
	for _, s := range m.Sections {
		if s.ID == wasmbin.SecCode {
			code = s.Size
		}
	}
	n := realKernelFuncs - len(m.Funcs)
	if n <= 0 || code >= realCodeBytes {
		return nil, fmt.Errorf("conformance kernel (%d functions, %d bytes of code) already as big as a real one", len(m.Funcs), code)
	}
	// Each body has a size prefix of two bytes.
	padded, err := padCode(small, n, (realCodeBytes-code)/n-2)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(realKernelBytes)
	buf.Write(padded)
	rng := uint64(0x9e3779b97f4a7c15)
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := 0; i < n; i += 8 {
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			for j := 0; j < 8 && i+j < n; j++ {
				b[i+j] = byte(rng >> (8 * j))
			}
		}
		return b
	}
	custom := func(name string, total int) {
		// total counts the section's contents: name + payload
		nm := wasmenc.Name(name)
		buf.Write(wasmenc.Section(0, nm, fill(total-len(nm))))
	}
	for _, s := range realCustomSections {
		custom(s.name, s.bytes)
	}
	rest := realKernelBytes - buf.Len()
	// the padding section's header (id + size LEB) is part of the size
	pad := rest - 1 - len(wasmenc.ULEB(uint64(rest)))
	if pad < 32 {
		return nil, fmt.Errorf("conformance kernel (%d bytes) too big to pad to %d", len(small), realKernelBytes)
	}
	custom("conf_padding", pad)
	return buf.Bytes(), nil
}

// RealKernelFile writes RealKernel() once into a cache directory (keyed by
// the small kernel's hash, so a rebuilt kernel gets a new file) and returns
// its path, for servers that serve files.
func RealKernelFile() (string, error) {
	small, err := File(Kernel)
	if err != nil {
		return "", err
	}
	h := fnv.New64a()
	h.Write(small)
	h.Write([]byte(realKernelLayout))
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	dir = filepath.Join(dir, "gohost-conformance")
	name := filepath.Join(dir, fmt.Sprintf("vmlinux-real-%016x.wasm", h.Sum64()))
	if st, err := os.Stat(name); err == nil && st.Size() == realKernelBytes {
		return name, nil
	}
	b, err := RealKernel()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "vmlinux-real-*.tmp")
	if err != nil {
		return "", err
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("writing %s: %v %v", tmp.Name(), werr, cerr)
	}
	return name, os.Rename(tmp.Name(), name)
}
