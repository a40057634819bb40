//go:build !js

package e2e

// The page's host self-test, its counts, and the screen state around boots.

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageSelfTest(t *testing.T) {
	t.Run("LinkPasses", testSelfTestLinkPasses)
	t.Run("FailuresCounted", testSelfTestFailuresCounted)
}

// LinkPasses: the "No kernel found" page's self-test link boots the
// conformance kernel with the server's description of its initramfs, every
// check passes (the initrd's length and hash among them), and the page says
// so with the count.
func testSelfTestLinkPasses(t *testing.T) {
	needConformance(t)
	tab := newTab(t, 2*time.Minute)
	tab.AllowConsoleErrors = probe404
	tab.Navigate("/", nil)
	tab.WaitJS("the self-test link", `!document.getElementById('error-link').hidden`, 15*time.Second)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("error-link-a"))))
	time.Sleep(time.Second) // the navigation (a poll across it loses its context)
	assert.Equal(t, "?selftest", Eval[string](tab, `location.search`))
	tab.WaitJS("the self-test's verdict", `/^Self-test (passed|failed)/.test(document.getElementById('stage').textContent)`, 90*time.Second)
	out := Eval[string](tab, `gohost.output()`)
	requireAllPassed(t, out)
	assert.Contains(t, out, "CONF boot initrd_len PASS")
	assert.Contains(t, out, "CONF boot initrd_fnv PASS")
	m := confDone.FindStringSubmatch(out)
	assert.Equal(t, m[1]+" checks passed, 0 failed", pfText(tab, "conf-summary"))
	assert.Regexp(t, `^Self-test passed`, pfText(tab, "stage"))
	assert.Equal(t, "ready", Eval[string](tab, `document.getElementById('stage').dataset.stage`))
	assert.False(t, Eval[bool](tab, `document.getElementById('conf-summary').classList.contains('failed')`))
	assert.False(t, pfVisible(tab, "error-panel"))
}

// FailuresCounted: a conformance boot whose command line lacks the initrd
// description fails two checks; the page counts them, shows them in red in
// the terminal and in the status bar, and says "Self-test failed".
func testSelfTestFailuresCounted(t *testing.T) {
	tab := confTab(t, 90*time.Second, "conf=boot maxcpus=3", nil)
	out := tab.waitDone(45 * time.Second)
	require.Contains(t, out, "CONF boot initrd_len FAIL")
	m := confDone.FindStringSubmatch(out)
	require.Equal(t, "2", m[2])
	tab.WaitJS("the verdict", `document.getElementById('stage').textContent.startsWith('Self-test failed')`, 5*time.Second)
	assert.Equal(t, m[1]+" checks passed, 2 failed", pfText(tab, "conf-summary"))
	assert.True(t, Eval[bool](tab, `document.getElementById('conf-summary').classList.contains('failed')`))
	assert.Equal(t, "failed", Eval[string](tab, `document.getElementById('stage').dataset.stage`))
	assert.Equal(t, "rgb(255, 107, 90)", Eval[string](tab, `getComputedStyle(document.getElementById('conf-summary')).color`), "red in the status bar")
	// In the terminal the FAIL lines are red (palette 1) and PASS lines not.
	colour := func(prefix string) string {
		return Eval[string](tab, fmt.Sprintf(`(() => {
		  const b = linuxWasmPage.term.buffer.active;
		  for (let y = 0; y < b.length; y++) {
		    const l = b.getLine(y);
		    if (l && l.translateToString(true).startsWith(%q)) {
		      const c = l.getCell(0);
		      return c.isFgPalette() ? 'palette ' + c.getFgColor() : 'default';
		    }
		  }
		  return 'not found';
		})()`, prefix))
	}
	assert.Equal(t, "palette 1", colour("CONF boot initrd_len FAIL"))
	assert.Equal(t, "palette 1", colour("CONF boot initrd_fnv FAIL"))
	assert.Equal(t, "default", colour("CONF boot initrd_placement PASS"))
}

func TestPageScreenState(t *testing.T) {
	t.Run("CleanAfterFailure", testScreenCleanAfterFailure)
}

// CleanAfterFailure: a kernel refused through the API leaves an error state
// whose uptime stands still and which offers no Reboot (it would fail
// again) but how to use another kernel and the log; the next boot through
// the API starts from a clean screen.
func testScreenCleanAfterFailure(t *testing.T) {
	tab := confTab(t, 2*time.Minute, conformanceCmdline(t, "console"), nil)
	tab.waitDone(45 * time.Second)
	msg := Eval[string](tab, `gohost.boot({kernel: '/conformance/conf_b.wasm', initrd: '/conformance/initramfs.cpio', cmdline: 'conf=console'}).then(() => 'resolved', (e) => e.message)`)
	require.Contains(t, msg, "not a Linux/Wasm kernel")
	tab.WaitJS("the error panel", `!document.getElementById('error-panel').hidden`, 10*time.Second)
	assert.Equal(t, "The machine could not start", pfText(tab, "error-title"))
	assert.False(t, pfVisible(tab, "reboot"), "no Reboot for a kernel that can only fail again")
	assert.True(t, pfVisible(tab, "error-help"), "how to use another kernel")
	assert.Contains(t, pfText(tab, "error-help"), "?kernel=URL")
	assert.True(t, pfVisible(tab, "error-download-log"), "the log of the earlier boot")
	up1, shown1 := Eval[int](tab, `gohost.status().uptimeMs`), pfText(tab, "st-uptime")
	time.Sleep(1500 * time.Millisecond)
	assert.Equal(t, up1, Eval[int](tab, `gohost.status().uptimeMs`), "the failed machine's uptime stands still")
	assert.Equal(t, shown1, pfText(tab, "st-uptime"))

	// The next boot, through the API too, clears all of it.
	cmd := conformanceCmdline(t, "console")
	Eval[chromedp.Void](tab, fmt.Sprintf(`gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: %s})`, strconv.Quote(cmd)))
	assert.False(t, pfVisible(tab, "error-panel"), "the error panel is gone once the boot starts")
	tab.WaitJS("CONF DONE", `/CONF DONE \d+ \d+/.test(gohost.output())`, 45*time.Second)
	requireAllPassed(t, Eval[string](tab, `gohost.output()`))
	assert.False(t, pfVisible(tab, "error-panel"))
	assert.False(t, pfVisible(tab, "progress"), "no stale progress bar")
	assert.NotEqual(t, "failed", Eval[string](tab, `document.getElementById('stage').dataset.stage`))
	up2 := Eval[int](tab, `gohost.status().uptimeMs`)
	time.Sleep(600 * time.Millisecond)
	assert.Greater(t, Eval[int](tab, `gohost.status().uptimeMs`), up2, "the new machine's uptime runs")
	assert.Regexp(t, regexp.MustCompile(`^\d+ checks passed, 0 failed$`), pfText(tab, "conf-summary"), "counts of this boot only")
	assert.Regexp(t, `^Self-test passed`, pfText(tab, "stage"))
}
