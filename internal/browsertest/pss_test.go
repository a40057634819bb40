//go:build !js

package browsertest

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestPSS(t *testing.T) {
	if kb, err := ParsePSS("Rss: 100 kB\nPss:    2048 kB\nPss_Anon: 5 kB\n"); err != nil || kb != 2048 {
		t.Fatalf("got %d %v", kb, err)
	}
	if _, err := ParsePSS("Rss: 1 kB\n"); err == nil {
		t.Fatal("want an error without a Pss line")
	}
}

// TestProcessKinds starts stand-ins for a browser's child processes (their
// command lines end like Chromium's renderer and Firefox's content and
// decoder processes) and checks which of them each reader counts.
func TestProcessKinds(t *testing.T) {
	start := func(args ...string) int {
		// "; :" keeps sh from replacing itself with sleep (and its
		// command line with sleep's).
		cmd := exec.Command("/bin/sh", append([]string{"-c", "sleep 60; :"}, args...)...)
		if err := cmd.Start(); err != nil {
			t.Skip("no /bin/sh:", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd.Process.Pid
	}
	renderer := start("--type=renderer", "--lang=en")
	content := start("-contentproc", "-isForBrowser", "3", "tab")
	decoder := start("-contentproc", "4", "rdd")
	_ = start("--type=gpu-process")
	// The children exist once fork returned; their command lines once sh
	// runs, which /proc shows at once after exec.
	time.Sleep(100 * time.Millisecond)

	got, err := RendererPSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[renderer]; !ok || len(got) != 1 {
		t.Errorf("RendererPSS: got pids %v, want only %d", keys(got), renderer)
	}
	got, err = ContentPSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[content]; !ok || len(got) != 1 {
		t.Errorf("ContentPSS: got pids %v, want only %d (not the decoder %d)", keys(got), content, decoder)
	}
	if got[content] <= 0 {
		t.Errorf("ContentPSS: %d kB for a running process", got[content])
	}
}

func keys(m map[int]int64) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
