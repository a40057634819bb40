package conformance

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// artifacts are the committed build outputs in testdata/.
var artifacts = []string{"vmlinux.wasm", "vmlinux-70-wasm32.wasm", "vmlinux-70-wasm64.wasm", "initramfs-wasm64.cpio", "conf_a.wasm", "conf_b.wasm", "conf_big.wasm", "conf_box.wasm", "initramfs.cpio"}

// TestArtifactsUpToDate rebuilds everything from source into a temporary
// directory and fails if any committed artifact differs. Skipped when the
// toolchain (clang-19, wasm-ld-19, make) is not installed, except in CI (env
// CI set), where a stale artifact must not pass for want of a compiler.
func TestArtifactsUpToDate(t *testing.T) {
	for _, tool := range []string{"clang-19", "wasm-ld-19", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed: CI must rebuild the conformance artifacts (apt-get install clang-19 lld-19 make)", tool)
			}
			t.Skipf("%s not installed: cannot rebuild the conformance artifacts", tool)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command("make", "-C", dir, "OUT="+out, "OBJ="+filepath.Join(tmp, "obj"), "GO="+goBin)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rebuild failed: %v\n%s", err, b)
	}
	for _, name := range artifacts {
		want, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatalf("rebuilt %s missing: %v", name, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "testdata", name))
		if err != nil {
			t.Errorf("committed testdata/%s missing (run make -C e2e/conformance): %v", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is stale: rebuilt %d bytes differ from committed %d bytes; run make -C e2e/conformance and commit", name, len(want), len(got))
		}
	}
}
