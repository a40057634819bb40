//go:build !js

package e2e

import (
	"context"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var inputGot = regexp.MustCompile(`CONF input got ([0-9a-f ]+)`)

// receivedInput collects the bytes the conformance kernel echoed from
// wasm_driver_hvc_get, in order.
func receivedInput(t *testing.T, out string) []byte {
	t.Helper()
	var got []byte
	for _, m := range inputGot.FindAllStringSubmatch(out, -1) {
		b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
		if err != nil {
			t.Fatalf("bad echo line %q: %v", m[0], err)
		}
		got = append(got, b...)
	}
	return got
}

// TestConsoleInputReachesKernel types through the real terminal: keys as
// keyboard events, a multi-line paste, Ctrl-C; the kernel must receive exactly
// those bytes, in order, through its console poll.
func TestConsoleInputReachesKernel(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 90*time.Second)
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, "input", "input_until=7e", "input_timeout=60")))
	tab.WaitJS("input ready", `globalThis.gohost && /CONF input ready until=/.test(gohost.output())`, 30*time.Second)

	// Keys, as the browser delivers them to the focused terminal.
	Eval[chromedp.Void](tab, `globalThis.linuxWasmPage.term.focus()`)
	pressKeys(t, tab, "ls -l", 0)
	pressKeys(t, tab, "c", 2) // Ctrl

	// A multi-line paste, UTF-8 included; xterm turns line ends into CR.
	Eval[chromedp.Void](tab, `globalThis.linuxWasmPage.term.paste("echo one\necho zwei €\n")`)
	tab.Type("~")
	tab.WaitJS("terminator", `/CONF input terminator PASS/.test(gohost.output())`, 30*time.Second)

	want := []byte("ls -l\x03echo one\recho zwei €\r~")
	got := receivedInput(t, Eval[string](tab, `gohost.output()`))
	if string(got) != string(want) {
		t.Fatalf("kernel received %q, want %q", got, want)
	}
	out := Eval[string](tab, `gohost.output()`)
	if f := confFail.FindAllString(out, -1); len(f) > 0 {
		t.Fatalf("input scenario failures:\n%s", strings.Join(f, "\n"))
	}
}

// TestConsoleCtrlCDuringFlood: while the kernel prints without pause (as
// `yes` does) a Ctrl-C typed into the terminal reaches it, and the machine's
// answer shows up soon after: the output queued ahead of it (at most the
// ring and the terminal's backlog) must not hold it back for long.
func TestConsoleCtrlCDuringFlood(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 2*time.Minute)
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, "flood")))
	tab.WaitJS("the flood", `!!globalThis.gohost && gohost.status().consoleOut > (8 << 20)`, 60*time.Second)
	Eval[chromedp.Void](tab, `globalThis.linuxWasmPage.term.focus()`)
	start := time.Now()
	pressKeys(t, tab, "c", 2) // Ctrl
	tab.WaitJS("the kernel's answer", `/CONF flood interrupted PASS/.test(gohost.output())`, 30*time.Second)
	took := time.Since(start)
	tab.WaitText("terminal", regexp.MustCompile(`CONF flood interrupted PASS`), 30*time.Second)
	shown := time.Since(start)
	t.Logf("Ctrl-C during a flood: answer in the output after %v, on the terminal after %v (%d MB printed)",
		took.Round(time.Millisecond), shown.Round(time.Millisecond), Eval[int](tab, `gohost.status().consoleOut`)>>20)
	assert.Less(t, shown, 10*time.Second)
	// every check passes, among them that only khvcd read the console
	out := tab.waitDone(30 * time.Second)
	requireAllPassed(t, out)
	assert.Contains(t, out, "CONF console input_only_khvcd PASS")
}

// TestConsoleOutputUTF8Split: the kernel writes "€" as 1 + 2 bytes in two
// puts; the terminal must show one "€", not replacement characters.
func TestConsoleOutputUTF8Split(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 60*time.Second)
	bootConformance(t, tab, conformanceCmdline(t, "console"), 40*time.Second)
	tab.WaitText("terminal", regexp.MustCompile(`CONF console text split=€ `), 10*time.Second)
	assert.Contains(t, Eval[string](tab, `gohost.output()`), "CONF console utf8split PASS", "both puts of the split € returned their counts")
	if term := tab.TerminalText(); strings.ContainsRune(term, '\uFFFD') {
		t.Fatalf("terminal shows a replacement character:\n%s", term)
	}
	// Every CPU printed 16 lines at once; each arrives whole.
	out := Eval[string](tab, `gohost.output()`)
	lines := regexp.MustCompile(`(?m)^CONF console concurrent cpu\d+ line \d\d abcdefghijklmnopqrstuvwxyz0123456789\r$`).FindAllString(out, -1)
	assert.Len(t, lines, 16*Eval[int](tab, `gohost.status().cpus`), "whole lines printed concurrently from every CPU")
	assert.Contains(t, out, "CONF console concurrent_puts PASS")
	// The 4 KiB single put arrives whole and in order.
	term := tab.TerminalText()
	for i := 0; i < 32; i++ {
		if !strings.Contains(term, "CONFBLOB "+twoDigits(i)+" ") {
			t.Fatalf("CONFBLOB %02d missing from the terminal", i)
		}
	}
}

// TestConsoleHiddenTab: a tab in the background still gets all its output.
// With the window minimised (the page is "hidden", where Chromium throttles
// chained timers to one a second) and after 12 s hidden, the machine reboots
// and prints 8 MiB; every byte must reach the host and be parsed by xterm.js
// within 30 s. That bound catches a stalled or starved drain, not Chromium's
// one-a-second throttling: the drain on a setTimeout chain that the host used
// before took 2.0-2.3 s here, the waitAsync timer 1.7-2.0 s (same run).
func TestConsoleHiddenTab(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 2*time.Minute)
	tab.cdpDo("minimise the window", func(ctx context.Context, tg *chromedp.Target) error {
		w, err := cdp.Call(ctx, tg, browser.GetWindowForTarget, browser.GetWindowForTargetParams{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tg, browser.SetWindowBounds, browser.SetWindowBoundsParams{WindowID: w.WindowID, Bounds: &browser.Bounds{WindowState: browser.WindowStateMinimized}})
		return err
	})
	tab.Navigate("/", conformanceParams(conformanceCmdline(t, "console", "bench=output")))
	tab.WaitJS("the first boot", `!!globalThis.gohost && /CONF DONE/.test(gohost.output())`, 60*time.Second)
	require.Equal(t, "hidden", Eval[string](tab, `document.visibilityState`))
	time.Sleep(12 * time.Second)

	start := time.Now()
	Eval[chromedp.Void](tab, `gohost.reboot()`)
	tab.WaitJS("CONF DONE after the reboot", `/CONF DONE/.test(gohost.output())`, 60*time.Second)
	// term.write('', cb) calls back once xterm.js has parsed everything
	// written before it.
	require.True(t, Eval[bool](tab, `new Promise((ok) => linuxWasmPage.term.write('', () => ok(true)))`))
	took := time.Since(start)
	t.Logf("hidden tab: reboot, 8 MiB of output and its parsing in %v", took.Round(time.Millisecond))
	assert.Less(t, took, 30*time.Second)

	assert.Equal(t, "hidden", Eval[string](tab, `document.visibilityState`))
	const payload = 8 << 20
	out := Eval[int](tab, `gohost.status().consoleOut`)
	assert.Greater(t, out, payload)
	assert.Equal(t, out, Eval[int](tab, `new TextEncoder().encode(gohost.output()).length`), "the transcript holds every byte")
	assert.Contains(t, tab.TerminalText(), "CONF DONE", "the terminal shows the end")
}

// slowTermJS makes the page's terminal a slow consumer: writes queue up and
// reach xterm.js at about 20 KB per 10 ms, and __slow records how far the
// host got ahead of what the terminal had parsed.
const slowTermJS = `(() => {
  const term = linuxWasmPage.term, write = term.write.bind(term), q = [];
  const s = globalThis.__slow = {handed: 0, parsed: 0, maxAhead: 0, queued: () => q.length};
  term.write = (d, cb) => {
    // The self-test page writes the kernel's output as decoded text (it
    // counts and colours the CONF lines): slow that down alike, in bytes.
    if (typeof d === 'string') d = new TextEncoder().encode(d);
    s.handed += d.length;
    s.maxAhead = Math.max(s.maxAhead, s.handed - s.parsed);
    q.push([d, cb]);
  };
  setInterval(() => {
    for (let budget = 20000; budget > 0 && q.length;) {
      const [d, cb] = q[0];
      if (d.length > budget) { write(d.subarray(0, budget)); q[0][0] = d.subarray(budget); s.parsed += budget; break; }
      q.shift(); budget -= d.length;
      write(d, () => { s.parsed += d.length; if (cb) cb(); });
    }
  }, 10);
})()`

// TestConsoleFlowControl: with a terminal that parses at about 2 MB/s, the
// kernel prints 8 MiB. The host must stay at most host.ConsoleBacklogMax
// (4 MiB) ahead of the terminal and hold the rest back in the ring, where the
// kernel waits for room, instead of piling output up in xterm.js (which
// discards writes beyond 50 MB queued); every byte still arrives. Without
// the gate the host ran 8.2 MB ahead here.
func TestConsoleFlowControl(t *testing.T) {
	if !hasConformance {
		t.Fatal("conformance kernel not built (make conformance)")
	}
	tab := newTab(t, 2*time.Minute)
	bootConformance(t, tab, conformanceCmdline(t, "console"), 40*time.Second)
	Eval[chromedp.Void](tab, slowTermJS)
	cmd := conformanceCmdline(t, "console", "bench=output")
	Eval[chromedp.Void](tab, `gohost.boot({kernel: '/conformance/vmlinux.wasm', initrd: '/conformance/initramfs.cpio', cmdline: `+jsString(cmd)+`})`)
	tab.WaitJS("CONF DONE", `/CONF DONE/.test(gohost.output())`, 60*time.Second)
	tab.WaitJS("the terminal caught up", `__slow.queued() === 0 && __slow.parsed === gohost.status().consoleOut`, 30*time.Second)

	type slow struct{ Handed, Parsed, MaxAhead, Out int }
	s := Eval[slow](tab, `({Handed: __slow.handed, Parsed: __slow.parsed, MaxAhead: __slow.maxAhead, Out: gohost.status().consoleOut})`)
	t.Logf("handed %d, parsed %d, at most %d ahead of the terminal", s.Handed, s.Parsed, s.MaxAhead)
	assert.Greater(t, s.Out, 8<<20)
	assert.Equal(t, s.Out, s.Handed, "every byte reached the terminal")
	const backlogMax = 4 << 20 // host.ConsoleBacklogMax (a js-only package)
	assert.LessOrEqual(t, s.MaxAhead, backlogMax, "the host ran ahead of the terminal")
	assert.Greater(t, s.MaxAhead, backlogMax/2, "the terminal was behind, as this test needs")
	assert.NotContains(t, tab.TerminalText(), "\uFFFD")
}

// pressKeys sends one keyDown (with its text) and one keyUp per character,
// as a keyboard does (chromedp.KeyEvent also sends a char event, which the
// browser turns into a second keypress). modifiers: Alt=1, Ctrl=2, Shift=8.
func pressKeys(t *testing.T, tab *Tab, keys string, modifiers int64) {
	t.Helper()
	for _, r := range keys {
		k := string(r)
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: k, Text: k, UnmodifiedText: k, Modifiers: modifiers}
		if r >= 'a' && r <= 'z' {
			down.Code = "Key" + strings.ToUpper(k)
			down.WindowsVirtualKeyCode = int64(r - 'a' + 'A')
		}
		if modifiers&2 != 0 {
			down.Text = string(rune(r - 'a' + 1)) // the control character
		}
		up := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyUp, Key: k, Code: down.Code, WindowsVirtualKeyCode: down.WindowsVirtualKeyCode, Modifiers: modifiers}
		err := chromedp.Do(tab.ctx, chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			for _, p := range []input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, target, input.DispatchKeyEvent, p); err != nil {
					return err
				}
			}
			return nil
		}))
		if err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }
