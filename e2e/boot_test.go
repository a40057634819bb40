//go:build !js

package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"
)

// conformanceCmdline is a command line for the conformance kernel: the
// scenarios in conf, plus the initrd's length and FNV-1a checksum that the
// boot scenario verifies (see e2e/conformance/README.md).
func conformanceCmdline(t *testing.T, conf string, extra ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("conformance", "testdata", "initramfs.cpio"))
	if err != nil {
		t.Fatalf("conformance initrd: %v", err)
	}
	words := append([]string{"conf=" + conf, "maxcpus=3", conformance.InitrdWords(b)}, extra...)
	return strings.Join(words, " ")
}

func conformanceParams(cmdline string) url.Values {
	return url.Values{
		"kernel":  {"/conformance/vmlinux.wasm"},
		"initrd":  {"/conformance/initramfs.cpio"},
		"cmdline": {cmdline},
	}
}

var (
	confDone = regexp.MustCompile(`CONF DONE (\d+) (\d+)`)
	confFail = regexp.MustCompile(`CONF \S+ \S+ FAIL.*`)
)

// bootConformance opens the page on the conformance kernel and waits for
// its final line; it returns the console text (from the API).
func bootConformance(t *testing.T, tab *Tab, cmdline string, timeout time.Duration) string {
	t.Helper()
	tab.Navigate("/", conformanceParams(cmdline))
	tab.WaitJS("CONF DONE", `globalThis.gohost && /CONF DONE \d+ \d+/.test(gohost.output())`, timeout)
	return Eval[string](tab, `gohost.output()`)
}

// TestConformanceAll boots the conformance kernel through the real page and
// requires every check of every scenario to pass.
func TestConformanceAll(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 3*time.Minute)
	out := bootConformance(t, tab, conformanceCmdline(t, "all"), 150*time.Second)
	for _, f := range confFail.FindAllString(out, -1) {
		t.Errorf("%s", f)
	}
	m := confDone.FindStringSubmatch(out)
	if m == nil || m[2] != "0" || m[1] == "0" {
		t.Fatalf("want CONF DONE <n> 0, got %q\n%s", m, out)
	}
	t.Logf("%s", m[0])
}
