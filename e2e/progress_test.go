//go:build !js

package e2e

// Boot progress: download progress events and the bar, also when the files
// come from the browser's cache.

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageProgress(t *testing.T) {
	t.Run("Progress", testProgress)
	t.Run("ProgressFromCache", testProgressFromCache)
}

// finalProgress returns the last progress event for what.
func finalProgress(ps []pfProgress, what string) (pfProgress, int) {
	var last pfProgress
	n := 0
	for _, p := range ps {
		if p.What == what {
			last = p
			n++
		}
	}
	return last, n
}

// Progress: the first boot reports download progress of kernel and initrd
// (bytes, and a percentage when the length is known), goes through the
// stages to "running", and the status bar showed it; a reload boots from
// the browser cache and the 'progress' events and the status bar say so.
func testProgress(t *testing.T) {
	kernel, initrd := confFile(t, "vmlinux.wasm"), confFile(t, "initramfs.cpio")
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "boot,console"), nil)
	requireAllPassed(t, tab.waitDone(60*time.Second))

	evs := tab.events()
	ps := progressEvents(t, evs)
	k, nk := finalProgress(ps, "kernel")
	i, ni := finalProgress(ps, "initrd")
	require.Positive(t, nk, "no kernel progress events")
	require.Positive(t, ni, "no initrd progress events")
	assert.Equal(t, len(kernel), k.Loaded, "kernel bytes loaded")
	assert.Equal(t, len(kernel), k.Total, "kernel total in the final event")
	assert.Equal(t, len(initrd), i.Loaded, "initrd bytes loaded")
	assert.Equal(t, len(initrd), i.Total, "initrd total in the final event")
	// Every event, also those with an unknown total (0): never more than
	// the file's real size, never less than the event before it.
	size := map[string]int{"kernel": len(kernel), "initrd": len(initrd)}
	last := map[string]int{}
	for _, p := range ps {
		assert.LessOrEqual(t, p.Loaded, size[p.What], "loaded beyond the file's size: %+v", p)
		assert.GreaterOrEqual(t, p.Loaded, last[p.What], "loaded went backwards: %+v after %d", p, last[p.What])
		last[p.What] = p.Loaded
		if p.Total > 0 {
			assert.LessOrEqual(t, p.Loaded, p.Total, "loaded beyond total: %+v", p)
		}
	}

	stages := stageEvents(t, evs)
	assert.True(t, inOrder(stages, "download", "compile", "boot", "running"), "stage order %v", stages)
	assert.Equal(t, "download", stages[0], "stages %v", stages)

	texts := Eval[[]string](tab, `globalThis.__pf.progressTexts`)
	joined := strings.Join(texts, "\n")
	t.Logf("status bar progress texts (first boot): %q", texts)
	assert.Regexp(t, `(?m)^kernel: .*(KiB|MiB|B)`, joined, "kernel download shown in bytes")
	assert.Regexp(t, `(?m)^initramfs: .*(KiB|MiB|B)`, joined, "initrd download shown in bytes")
	// A percentage needs the length: the initrd (plain cpio) has it; the
	// kernel is sent gzip-encoded by the dev server, so its Content-Length
	// counts compressed bytes and the host reports total 0 until the end.
	for _, w := range []struct{ what, label string }{{"kernel", "kernel"}, {"initrd", "initramfs"}} {
		known := false
		for _, p := range ps {
			known = known || (p.What == w.what && p.Total > 0)
		}
		if known {
			assert.Regexp(t, `(?m)^`+w.label+`: .* / .* \(\d+%\)$`, joined, "%s download shown as a percentage", w.what)
		}
	}
	assert.Regexp(t, `(?m)^initramfs: .* / .* \(\d+%\)$`, joined, "initrd download shown as a percentage")
	stageTexts := strings.Join(Eval[[]string](tab, `globalThis.__pf.stageTexts`), "\n")
	assert.Contains(t, stageTexts, "Compiling the kernel")
	assert.Contains(t, stageTexts, "Booting")
	assert.Regexp(t, `(?m)^Running`, stageTexts)
	tab.WaitJS("the status bar names the online CPUs", `/^(Running|Self-test passed).*\b3 CPUs online/.test(document.getElementById('stage').textContent)`, 5*time.Second)

}

// ProgressFromCache: a second boot of the same files (a reload) gets them
// from the browser cache, and the 'progress' events and the status bar say
// so. The dev server sends Cache-Control: no-cache, so the browser
// revalidates (304): Resource Timing shows only header bytes transferred
// (transferSize < encodedBodySize).
func testProgressFromCache(t *testing.T) {
	tab := confTab(t, 90*time.Second, conformanceCmdline(t, "boot,console"), nil)
	requireAllPassed(t, tab.waitDone(60*time.Second))
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, "boot,console")))
	requireAllPassed(t, tab.waitDone(60*time.Second))
	ps := progressEvents(t, tab.events())
	k, _ := finalProgress(ps, "kernel")
	i, _ := finalProgress(ps, "initrd")
	type timing struct {
		Name                                           string
		TransferSize, EncodedBodySize, DecodedBodySize int
		ResponseStatus                                 int
	}
	timings := Eval[[]timing](tab, `performance.getEntriesByType('resource').filter((e) => /\/conformance\//.test(e.name)).map((e) => ({
	  Name: e.name, TransferSize: e.transferSize, EncodedBodySize: e.encodedBodySize, DecodedBodySize: e.decodedBodySize, ResponseStatus: e.responseStatus || 0}))`)
	t.Logf("reload: kernel %+v, initrd %+v; resource timing %+v", k, i, timings)
	// The GET entries (the page's HEAD probes have no body).
	for _, tm := range timings {
		if tm.EncodedBodySize > 0 {
			require.Less(t, tm.TransferSize, tm.EncodedBodySize, "%s was downloaded again, not taken from the cache", tm.Name)
		}
	}
	assert.True(t, k.Cached, "the reload's kernel came from the browser cache (revalidated, transferSize < encodedBodySize) but the final 'progress' event says cached: false (host/machine_js.go cachedResponse requires transferSize == 0)")
	assert.True(t, i.Cached, "the reload's initrd came from the browser cache (revalidated) but the final 'progress' event says cached: false")
	texts := Eval[[]string](tab, `globalThis.__pf.progressTexts`)
	assert.Contains(t, strings.Join(texts, "\n"), "kernel: from cache", "status bar says the kernel came from the cache")
}
