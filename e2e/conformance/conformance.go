package conformance

import (
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Names of the committed artifacts in Dir().
const (
	Kernel  = "vmlinux.wasm"
	Initrd  = "initramfs.cpio"
	BoxProg = "conf_box.wasm"
)

// Dir is the directory holding the built artifacts (testdata/ beside this
// package's source). It is found from this file's compiled-in path, or,
// for binaries built with -trimpath, from the working directory up to the
// module root.
func Dir() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		d := filepath.Join(filepath.Dir(file), "testdata")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.Join("e2e", "conformance", "testdata")
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/linuxwasm/gohost\n") {
			return filepath.Join(d, "e2e", "conformance", "testdata")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("e2e", "conformance", "testdata")
		}
	}
}

// Path is the path of the artifact name in Dir().
func Path(name string) string { return filepath.Join(Dir(), name) }

// File reads the artifact name.
func File(name string) ([]byte, error) {
	b, err := os.ReadFile(Path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("conformance artifact %s missing (make conformance): %w", name, err)
	}
	return b, err
}

// InitrdWords are the initrd_len= and initrd_fnv= words the boot scenario
// requires, for the initrd b.
func InitrdWords(b []byte) []string {
	h := fnv.New32a()
	h.Write(b)
	return []string{fmt.Sprintf("initrd_len=%d", len(b)), fmt.Sprintf("initrd_fnv=%08x", h.Sum32())}
}

// Cmdline is a conformance kernel command line (README.md "Command line"):
// conf=<scenarios joined by commas> maxcpus=3 initrd_len=... initrd_fnv=...
// and then extra. A maxcpus= word in extra replaces the default.
func Cmdline(scenarios []string, extra ...string) (string, error) {
	b, err := File(Initrd)
	if err != nil {
		return "", err
	}
	words := []string{"conf=" + strings.Join(scenarios, ",")}
	maxcpus := true
	for _, w := range extra {
		if strings.HasPrefix(w, "maxcpus=") {
			maxcpus = false
		}
	}
	if maxcpus {
		words = append(words, "maxcpus=3")
	}
	words = append(words, InitrdWords(b)...)
	return strings.Join(append(words, extra...), " "), nil
}
