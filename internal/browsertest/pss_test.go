//go:build !js

package browsertest

import (
	"os"
	"os/exec"
	"testing"
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
	// sh with argv[0] set, running sleep ("; :" keeps sh from replacing
	// itself with it); the other arguments follow as sh's $0, $1...
	start := func(argv0 string, args ...string) int {
		cmd := &exec.Cmd{Path: "/bin/sh", Args: append([]string{argv0, "-c", "sleep 60; :"}, args...)}
		if err := cmd.Start(); err != nil {
			t.Skip("no /bin/sh:", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd.Process.Pid
	}
	renderer := start("chromium", "--type=renderer", "--lang=en")
	// As Firefox starts them: argument by argument, and from its fork
	// server, the whole command line in argv[0].
	content := start("firefox-esr", "-contentproc", "-isForBrowser", "3", "tab")
	forked := start("/usr/lib/firefox-esr/firefox-esr -contentproc -isForBrowser 5 tab")
	decoder := start("/usr/lib/firefox-esr/firefox-esr -contentproc 4 rdd")
	_ = start("chromium", "--type=gpu-process")
	// No wait: Start returns once the child has exec'd sh, and /proc has
	// its command line from then on.

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
	_, ok1 := got[content]
	_, ok2 := got[forked]
	if !ok1 || !ok2 || len(got) != 2 {
		t.Errorf("ContentPSS: got pids %v, want %d and %d (not the decoder %d)", keys(got), content, forked, decoder)
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
