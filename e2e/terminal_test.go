//go:build !js

package e2e

// The terminal: paste, copy, Ctrl-C and resize.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPageTerminal(t *testing.T) {
	t.Run("PasteCopyCtrlC", testPasteCopyCtrlC)
	t.Run("Resize", testResize)
}

var pfInputGot = regexp.MustCompile(`CONF input got ([0-9a-f ]+)\r\n`)

// echoed is every byte the input scenario has echoed so far.
func pfEchoed(out string) string {
	var all []string
	for _, m := range pfInputGot.FindAllStringSubmatch(out, -1) {
		all = append(all, strings.Fields(m[1])...)
	}
	return strings.Join(all, "")
}

// PasteCopyCtrlC: Ctrl-C arrives as 0x03; a selection copied with
// Ctrl+Shift+C and Ctrl+Insert lands on the clipboard and sends nothing to
// the guest; a multi-line UTF-8 paste with Ctrl+Shift+V and Shift+Insert
// arrives as typed (xterm turns \n into \r).
func testPasteCopyCtrlC(t *testing.T) {
	tab := confTab(t, 90*time.Second, "conf=input maxcpus=3 input_until=7e input_timeout=60", nil)
	origin := baseURL
	tab.cdpDo("grant clipboard access", func(ctx context.Context, tg *chromedp.Target) error {
		for _, p := range []browser.PermissionDescriptor{{Name: "clipboard-read"}, {Name: "clipboard-write", AllowWithoutSanitization: true}} {
			if _, err := cdp.Call(ctx, tg, browser.SetPermission, browser.SetPermissionParams{Permission: &p, Setting: browser.PermissionSettingGranted, Origin: origin}); err != nil {
				return err
			}
		}
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})
	tab.WaitJS("the input scenario", `globalThis.gohost && gohost.output().includes('CONF input ready until=')`, 45*time.Second)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.Click(chromedp.ID("terminal"))))
	tab.WaitJS("terminal focus", `document.activeElement && document.activeElement.classList.contains('xterm-helper-textarea')`, 5*time.Second)

	// Ctrl-C.
	tab.keys("Ctrl+C", "c", chromedp.ModifierCtrl)
	tab.WaitJS("Ctrl-C echoed", `/CONF input got 03/.test(gohost.output())`, 10*time.Second)

	// Copy: select the ready line, Ctrl+Shift+C.
	for i, copyKey := range []struct {
		key  string
		mods []chromedp.Modifier
	}{{"C", []chromedp.Modifier{chromedp.ModifierCtrl, chromedp.ModifierShift}}, {kb.Insert, []chromedp.Modifier{chromedp.ModifierCtrl}}} {
		Eval[chromedp.Void](tab, `navigator.clipboard.writeText('before copy')`)
		sel := Eval[string](tab, `(() => {
		  const term = globalThis.linuxWasmPage.term, b = term.buffer.active;
		  for (let y = 0; y < b.length; y++) {
		    if (b.getLine(y).translateToString(true).includes('CONF input ready until=')) { term.selectLines(y, y); break; }
		  }
		  return term.getSelection();
		})()`)
		require.Contains(t, sel, "CONF input ready until=")
		tab.keys("copy", copyKey.key, copyKey.mods...)
		tab.WaitJS(fmt.Sprintf("copy #%d on the clipboard", i+1), `navigator.clipboard.readText().then((s) => s.includes('CONF input ready until='))`, 5*time.Second)
		got := Eval[string](tab, `navigator.clipboard.readText()`)
		assert.Equal(t, strings.TrimRight(sel, "\n"), strings.TrimRight(got, "\n"))
	}
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, "03", pfEchoed(Eval[string](tab, `gohost.output()`)), "copying sent nothing to the guest")

	// Paste with Shift+Insert, then with Ctrl+Shift+V (ends with the
	// terminator byte '~').
	pastes := []struct {
		text string
		key  string // "" is the context menu's Paste (see contextMenuPaste)
		mods []chromedp.Modifier
	}{
		{"first line\nzweite Zeile: äöü €\n", kb.Insert, []chromedp.Modifier{chromedp.ModifierShift}},
		// Longer than the host's 4 KiB input staging buffer, with 3-byte
		// characters across its boundaries: arrives whole and in order.
		{strings.Repeat("ab€", 1000) + "\n", kb.Insert, []chromedp.Modifier{chromedp.ModifierShift}},
		{"from the menu: ü\n", "", nil},
		{"echo 'multi\nline'\r\nend~", "V", []chromedp.Modifier{chromedp.ModifierCtrl, chromedp.ModifierShift}},
	}
	want := "\x03"
	for _, p := range pastes {
		j, _ := json.Marshal(p.text)
		Eval[chromedp.Void](tab, fmt.Sprintf(`navigator.clipboard.writeText(%s)`, j))
		if p.key == "" {
			contextMenuPaste(t, tab)
		} else {
			tab.keys("paste", p.key, p.mods...)
		}
		want += regexp.MustCompile(`\r?\n`).ReplaceAllString(p.text, "\r")
		wantHex := hex.EncodeToString([]byte(want))
		tab.WaitJS("the paste echoed", fmt.Sprintf(`(() => { let h = ''; for (const m of gohost.output().matchAll(/CONF input got ([0-9a-f ]+)\r\n/g)) h += m[1].replace(/ /g, ''); return h.length >= %d; })()`, len(wantHex)), 15*time.Second)
		assert.Equal(t, wantHex, pfEchoed(Eval[string](tab, `gohost.output()`)), "bytes received = typed bytes")
	}
	out := tab.waitDone(20 * time.Second)
	assert.Regexp(t, `CONF input terminator PASS`, out)
	requireAllPassed(t, out)
}

// contextMenuPaste does what choosing Paste in the terminal's context menu
// does: a right click (xterm.js moves its textarea under the pointer so the
// browser's menu offers Paste for it), then the browser's own paste command
// on the focused element, which fires a native paste event. Headless
// Chromium shows no menu to click, so the command is sent directly.
func contextMenuPaste(t *testing.T, tab *Tab) {
	t.Helper()
	type pt struct{ X, Y float64 }
	c := Eval[pt](tab, `(() => { const r = document.querySelector('#terminal .xterm-screen').getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
	require.NoError(t, chromedp.Do(tab.ctx, chromedp.MouseClickXY(c.X, c.Y, chromedp.ButtonRight)))
	tab.WaitJS("the textarea under the pointer", `document.activeElement && document.activeElement.classList.contains('xterm-helper-textarea')`, 5*time.Second)
	tab.cdpDo("the paste command", func(ctx context.Context, tg *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ}
			if typ == input.DispatchKeyEventTypeRawKeyDown {
				p.Commands = []string{"paste"}
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// Resize: the terminal follows the window size (fit addon).
func testResize(t *testing.T) {
	tab := confTab(t, 60*time.Second, "conf=console maxcpus=3", nil)
	tab.waitDone(45 * time.Second)
	type dims struct{ Cols, Rows, Wcols, Wrows int }
	const dimsJS = `(() => { const p = globalThis.linuxWasmPage, d = p.fit.proposeDimensions() || {cols: 0, rows: 0};
	  return {Cols: p.term.cols, Rows: p.term.rows, Wcols: d.cols, Wrows: d.rows}; })()`
	resize := func(w, h int64) dims {
		tab.cdpDo("resize", func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: h, DeviceScaleFactor: 1})
			return err
		})
		tab.WaitJS(fmt.Sprintf("window %dx%d", w, h), fmt.Sprintf(`window.innerWidth === %d && window.innerHeight === %d`, w, h), 5*time.Second)
		// The terminal settles at what the fit addon proposes.
		tab.WaitJS("terminal fitted", fmt.Sprintf(`(() => { const d = %s; return d.Cols === d.Wcols && d.Rows === d.Wrows && d.Cols > 0; })()`, dimsJS), 5*time.Second)
		return Eval[dims](tab, dimsJS)
	}
	start := Eval[dims](tab, dimsJS)
	small := resize(700, 600)
	big := resize(1800, 1200)
	t.Logf("terminal: start %dx%d, 700x600 → %dx%d, 1800x1200 → %dx%d", start.Cols, start.Rows, small.Cols, small.Rows, big.Cols, big.Rows)
	assert.Less(t, small.Cols, big.Cols)
	assert.Less(t, small.Rows, big.Rows)
	assert.Greater(t, big.Cols-small.Cols, 40, "1100 px wider is many more columns")
	// The content is still there after the resizes.
	assert.Contains(t, tab.TerminalText(), "CONF DONE")
	tab.cdpDo("clear the override", func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	})
}
