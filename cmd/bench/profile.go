//go:build !js

package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// profileOutput runs the output benchmark once with the V8 sampling
// profiler on the page's main thread, from the ready line until xterm.js has
// processed every byte, and prints where the main thread spent its time
// (self time per function, grouped by script).
func (b *Bench) profileOutput(w io.Writer) error {
	tabCtx, cancelTab := chromedp.NewContext(b.browser)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tabCtx, 3*time.Minute)
	defer cancel()
	src := strings.NewReplacer("__POOL_FLOOR__", "4", "__INPUT_STAMPS__", "false", "__SHELL__", "false").Replace(probeJS)
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return chromedp.Void{}, err
	})
	if err != nil {
		return err
	}
	q := "kernel=/conformance/vmlinux.wasm&initrd=/conformance/initramfs.cpio&cmdline=" + strings.ReplaceAll(b.cmdline("bench=output"), " ", "+")
	if err := chromedp.Do(ctx, chromedp.Navigate(b.baseURL+"/?"+q)); err != nil {
		return err
	}
	poll := func(cond string) error {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`(() => { const b = globalThis.__bench; return !!b && (b.errors.length > 0 || `+cond+`); })()`,
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
		return err
	}
	if err := poll(`'ready' in b.t`); err != nil {
		return err
	}
	var prof *profiler.Profile
	err = chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, profiler.Enable, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := cdp.Call(ctx, tg, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, profiler.Start, cdp.Empty{})
		return chromedp.Void{}, err
	})
	if err != nil {
		return err
	}
	if err := poll(`'xtermDone' in b.t`); err != nil {
		return err
	}
	err = chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		r, err := cdp.Call(ctx, tg, profiler.Stop, cdp.Empty{})
		prof = r.Profile
		return chromedp.Void{}, err
	})
	if err != nil {
		return err
	}
	r, err := readProbe(ctx, "/conformance/vmlinux.wasm")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "output benchmark: ready -> xterm done %.0f ms, %d bytes\n", r.T["xtermDone"]-r.T["ready"], r.Processed)
	printProfile(w, prof)
	return nil
}

func printProfile(w io.Writer, p *profiler.Profile) {
	if p == nil {
		return
	}
	var total int64
	byFunc := map[string]int64{}
	byScript := map[string]int64{}
	for _, n := range p.Nodes {
		if n.HitCount == 0 || n.CallFrame == nil {
			continue
		}
		total += n.HitCount
		script := path.Base(n.CallFrame.URL)
		if n.CallFrame.URL == "" {
			script = "(native/none)"
		}
		fn := n.CallFrame.FunctionName
		if fn == "" {
			fn = "(anonymous)"
		}
		byFunc[fn+" "+script] += n.HitCount
		byScript[script] += n.HitCount
	}
	top := func(title string, m map[string]int64, k int) {
		type kv struct {
			k string
			v int64
		}
		var s []kv
		for a, v := range m {
			s = append(s, kv{a, v})
		}
		sort.Slice(s, func(i, j int) bool { return s[i].v > s[j].v })
		fmt.Fprintf(w, "%s (%d samples):\n", title, total)
		for i := 0; i < len(s) && i < k; i++ {
			fmt.Fprintf(w, "  %5.1f%%  %s\n", 100*float64(s[i].v)/float64(total), s[i].k)
		}
	}
	top("main thread self time by script", byScript, 10)
	top("main thread self time by function", byFunc, 20)
}
