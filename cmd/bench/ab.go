//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/linuxwasm/gohost/internal/browsertest"
)

// abVariant is one build of the page (a www directory) with a pool floor.
type abVariant struct {
	name  string
	base  string
	floor int
}

// runAB compares builds of the page in one browser, boot after boot in
// alternation (A B B A ...), on the conformance kernel padded to a real
// kernel's size: navigation to the host's API, to the ready line and to
// CONF DONE, and the renderer's PSS at CONF DONE. Each spec is dir[:floor].
func (b *Bench) runAB(specs []string, n int, conf string, words string) error {
	if words == "" {
		words = bootScenarios
	}
	var vs []abVariant
	for _, spec := range specs {
		dir, floor := spec, 4
		if i := strings.LastIndexByte(spec, ':'); i > 0 {
			if _, err := fmt.Sscan(spec[i+1:], &floor); err != nil {
				return fmt.Errorf("-ab %s: %v", spec, err)
			}
			dir = spec[:i]
		}
		h, err := realHandler(dir, conf)
		if err != nil {
			return err
		}
		base, stop, err := browsertest.Serve(h)
		if err != nil {
			return err
		}
		defer stop()
		vs = append(vs, abVariant{name: spec, base: base, floor: floor})
	}
	fmt.Fprintf(os.Stderr, "bench: A/B of %d builds, the conformance kernel padded to a real kernel's shape, %d rounds\n", len(vs), n)
	samples := map[string]map[string][]float64{}
	for _, v := range vs {
		samples[v.name] = map[string][]float64{}
		// Warm-up: HTTP and code caches, as for every other benchmark.
		if _, err := b.runPage(PageOpts{Base: v.base, Kernel: realKernel, Cmdline: b.cmdline("conf=boot"), PoolFloor: v.floor, Timeout: 2 * time.Minute}); err != nil {
			return fmt.Errorf("warm-up %s: %w", v.name, err)
		}
	}
	for i := 0; i < n; i++ {
		order := append([]abVariant(nil), vs...)
		if i%2 == 1 {
			for l, r := 0, len(order)-1; l < r; l, r = l+1, r-1 {
				order[l], order[r] = order[r], order[l]
			}
		}
		for _, v := range order {
			r, err := b.runPage(PageOpts{Base: v.base, Kernel: realKernel, Cmdline: b.cmdline(strings.Fields(words)...), PoolFloor: v.floor, Memory: true, Timeout: 3 * time.Minute})
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			s := samples[v.name]
			s["host API ready (ms)"] = append(s["host API ready (ms)"], r.T["hostReady"])
			s["first console byte (ms)"] = append(s["first console byte (ms)"], r.T["firstByte"])
			s["ready line (ms)"] = append(s["ready line (ms)"], r.T["ready"])
			s["CONF DONE (ms)"] = append(s["CONF DONE (ms)"], r.T["done"])
			s["downloaded: stage compile (ms)"] = append(s["downloaded: stage compile (ms)"], r.T["stage_compile"])
			s["compiled: stage boot (ms)"] = append(s["compiled: stage boot (ms)"], r.T["stage_boot"])
			s["renderer PSS, all (MiB)"] = append(s["renderer PSS, all (MiB)"], float64(r.PSSTotalKB)/1024)
			s["workers + stock"] = append(s["workers + stock"], float64(r.statusInt("workers")+r.statusInt("stock")))
			for k, v := range r.Bench() {
				s["BENCH "+k] = append(s["BENCH "+k], v)
			}
			fmt.Fprintf(os.Stderr, "bench: round %d %s: api %.0f ready %.0f done %.0f ms, PSS %.0f MiB [load %s]\n",
				i+1, v.name, r.T["hostReady"], r.T["ready"], r.T["done"], float64(r.PSSTotalKB)/1024, loadavg())
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\tfigure\tmedian\tmin\tmax\tp25\tp75\tn\t")
	for _, v := range vs {
		var figs []string
		for f := range samples[v.name] {
			figs = append(figs, f)
		}
		sort.Strings(figs)
		for _, f := range figs {
			st := Summarise(samples[v.name][f])
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t\n", v.name, f, st.Median, st.Min, st.Max, st.P25, st.P75, st.N)
		}
	}
	return tw.Flush()
}

// workerBaseline measures what a Web Worker costs with no Go in it: the page
// (no kernel: it stops at its "No kernel found" panel) starts n workers
// running wasm_exec.js, which only defines a class, and the renderer PSS
// before and after gives MiB per worker: the floor under any worker of the
// host, next to "PSS per idle pooled worker".
func (b *Bench) workerBaseline(n int) (float64, error) {
	tabCtx, cancelTab := chromedp.NewContext(b.browser)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tabCtx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(b.baseURL+"/?kernel=/none.wasm")); err != nil {
		return 0, err
	}
	time.Sleep(2 * time.Second)
	before, err := browsertest.RendererPSS(b.browserPID)
	if err != nil {
		return 0, err
	}
	js := fmt.Sprintf(`(async () => { globalThis.__w = []; for (let i = 0; i < %d; i++) {
	  const w = new Worker('wasm_exec.js'); globalThis.__w.push(w); }
	  return globalThis.__w.length; })()`, n)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js, chromedp.EvalAwaitPromise)); err != nil {
		return 0, err
	}
	time.Sleep(4 * time.Second)
	after, err := browsertest.RendererPSS(b.browserPID)
	if err != nil {
		return 0, err
	}
	var sum0, sum1 int64
	for _, kb := range before {
		sum0 += kb
	}
	for _, kb := range after {
		sum1 += kb
	}
	return float64(sum1-sum0) / 1024 / float64(n), nil
}
