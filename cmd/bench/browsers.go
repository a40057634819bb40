//go:build !js

package main

// The boot figures in Firefox and side by side with Chromium (issue 13):
// `bench -browser firefox` or `-browser both`. Firefox is driven over
// WebDriver BiDi (internal/firefox); the probe and the page are the same.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/linuxwasm/gohost/internal/browsertest"
	"github.com/linuxwasm/gohost/internal/devserver"
	"github.com/linuxwasm/gohost/internal/firefox"
)

// bootFigDefs are the figures measured in every browser.
var bootFigDefs = []figDef{
	{"boot_ready.pool4", "boot to ready line (poolFloor 4)", "ms", 0, false},
	{"boot_ready.pool0", "boot to ready line (poolFloor 0)", "ms", 0, false},
	{"boot_done.pool4", "boot to CONF DONE, " + bootScenarios + " (poolFloor 4)", "ms", 0, false},
	{"boot_host.pool4", "navigation to gohost API ready (poolFloor 4)", "ms", 0, false},
	{"boot_kernel.pool4", "gohost API ready to kernel's first byte (poolFloor 4)", "ms", 0, false},
	{"cpuup.pool4", "CPU bring-up (poolFloor 4)", "ms", 0, false},
	{"cpuup.pool0", "CPU bring-up (poolFloor 0)", "ms", 0, false},
	{"cpuup.pool16", "CPU bring-up (poolFloor 16)", "ms", 0, false},
	{"create.pool4", "task creation to first run (poolFloor 4)", "us", 0, false},
	{"kthreads.pool4", "40 kthreads after boot, each waited for (poolFloor 4)", "ms/task", 0, false},
}

// BrowserResults is the side-by-side JSON file.
type BrowserResults struct {
	Date      string              `json:"date"`
	Machine   string              `json:"machine"`
	Runs      int                 `json:"runs"`
	DurationS float64             `json:"durationS"`
	Browsers  map[string]string   `json:"browsers"` // name -> version
	Figures   map[string][]Figure `json:"figures"`  // name -> figures
	Notes     []string            `json:"notes,omitempty"`
}

// runBrowsers measures bootFigDefs in each browser of names ("chromium",
// "firefox"), the browsers alternating within every repetition so that
// both see the same background load.
func runBrowsers(n int, names []string, baseURL string, initrd []byte, chromium, firefoxExe, out string) error {
	benches := map[string]*Bench{}
	versions := map[string]string{}
	for _, name := range names {
		b := &Bench{baseURL: baseURL, initrd: initrd, samples: map[string][]float64{}}
		switch name {
		case "chromium":
			ctx, stop, err := browsertest.StartChromium(chromium)
			if err != nil {
				return fmt.Errorf("starting Chromium: %w", err)
			}
			defer stop()
			b.browser, b.browserPID = ctx, browsertest.BrowserPID(ctx)
			v, _ := commandVersion(chromium)
			versions[name] = v
		case "firefox":
			ff, err := firefox.Start(context.Background(), firefoxExe)
			if err != nil {
				return err
			}
			defer ff.Close()
			b.ff = ff
			v, _ := firefox.Version(firefoxExe)
			versions[name] = v
		default:
			return fmt.Errorf("-browser: unknown browser %q (chromium, firefox or both)", name)
		}
		benches[name] = b
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "bench: "+format+" [load %s]\n", append(a, loadavg())...)
	}
	notes := []string{"load average at start: " + loadavg()}
	start := time.Now()
	for _, name := range names {
		logf("%s: warm-up page load", name)
		if _, err := benches[name].runPage(PageOpts{Cmdline: benches[name].cmdline("conf=boot"), PoolFloor: 4, Timeout: 2 * time.Minute}); err != nil {
			return fmt.Errorf("%s warm-up: %w", name, err)
		}
	}
	for i := 0; i < n; i++ {
		for _, name := range names {
			if err := benches[name].measureBoot(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			s := benches[name].samples
			last := func(k string) float64 { v := s[k]; return v[len(v)-1] }
			logf("run %d/%d %s: ready %.0f ms (pool 0: %.0f), CONF DONE %.0f ms, cpuup %.1f/%.1f/%.2f ms (pool 4/0/16), kthreads %.1f ms/task",
				i+1, n, name, last("boot_ready.pool4"), last("boot_ready.pool0"), last("boot_done.pool4"),
				last("cpuup.pool4"), last("cpuup.pool0"), last("cpuup.pool16"), last("kthreads.pool4"))
		}
	}
	elapsed := time.Since(start)
	notes = append(notes, "load average at end: "+loadavg())

	host, _ := os.Hostname()
	res := &BrowserResults{
		Date:      time.Now().UTC().Format(time.RFC3339),
		Machine:   host,
		Runs:      n,
		DurationS: elapsed.Round(time.Second).Seconds(),
		Browsers:  versions,
		Figures:   map[string][]Figure{},
		Notes:     notes,
	}
	for _, name := range names {
		for _, d := range bootFigDefs {
			res.Figures[name] = append(res.Figures[name], Figure{Key: d.key, Label: d.label, Unit: d.unit, Stat: Summarise(benches[name].samples[d.key])})
		}
	}
	printBrowsers(os.Stdout, res, names)
	return writeResults(out, res, elapsed)
}

// measureBoot is one repetition of the boot figures in b's browser.
func (b *Bench) measureBoot() error {
	for _, floor := range []int{4, 0} {
		r, err := b.runPage(PageOpts{Cmdline: b.cmdline(bootScenarios), PoolFloor: floor, Timeout: 2 * time.Minute})
		if err != nil {
			return fmt.Errorf("boot (poolFloor %d): %w", floor, err)
		}
		sfx := fmt.Sprintf(".pool%d", floor)
		b.add("boot_ready"+sfx, r.T["ready"])
		b.add("boot_done"+sfx, r.T["done"])
		b.add("boot_host"+sfx, r.T["hostReady"])
		b.add("boot_kernel"+sfx, r.T["firstByte"]-r.T["hostReady"])
	}
	for _, floor := range []int{4, 0} {
		r, err := b.runPage(PageOpts{Cmdline: b.cmdline("bench=create,cpuup"), PoolFloor: floor, Timeout: 4 * time.Minute})
		if err != nil {
			return fmt.Errorf("cpuup (poolFloor %d): %w", floor, err)
		}
		m := r.Bench()
		b.add(fmt.Sprintf("cpuup.pool%d", floor), val(m, "cpuup")/1000)
		if floor == 4 {
			b.add("create.pool4", val(m, "create"))
		}
	}
	r, err := b.runPage(PageOpts{Cmdline: b.cmdline("conf=clock,switch", "bench=cpuup"), PoolFloor: 16, Timeout: 3 * time.Minute})
	if err != nil {
		return fmt.Errorf("cpuup (poolFloor 16): %w", err)
	}
	b.add("cpuup.pool16", val(r.Bench(), "cpuup")/1000)
	r, err = b.runPage(PageOpts{Cmdline: b.cmdline("conf=none", "bench=kthreads", "burst_tasks=40"), PoolFloor: 4, Timeout: 3 * time.Minute})
	if err != nil {
		return fmt.Errorf("kthreads: %w", err)
	}
	b.add("kthreads.pool4", val(r.Bench(), "kthreads")/1000)
	return nil
}

func printBrowsers(w io.Writer, res *BrowserResults, names []string) {
	fmt.Fprintf(w, "\ngohost boot figures by browser: %s, %d runs, %s\n", res.Machine, res.Runs, res.Date)
	for _, name := range names {
		fmt.Fprintf(w, "  %s: %s\n", name, res.Browsers[name])
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	hdr := "figure\tunit\t"
	for _, name := range names {
		hdr += name + " median\tmin-max\t"
	}
	fmt.Fprintln(tw, hdr)
	for i, d := range bootFigDefs {
		row := d.label + "\t" + d.unit + "\t"
		for _, name := range names {
			s := res.Figures[name][i].Stat
			row += num(s.Median) + "\t" + num(s.Min) + "-" + num(s.Max) + "\t"
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()
	for _, n := range res.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func commandVersion(exe string) (string, error) {
	out, err := exec.Command(exe, "--version").Output()
	return strings.TrimSpace(string(out)), err
}

// runPageFirefox is runPage in Firefox: a fresh tab with the probe as a
// preload script, the page loaded, polled until it is over, the probe read.
// Memory is the PSS of Firefox's web content processes (ContentPSS).
func (b *Bench) runPageFirefox(o PageOpts) (*PageRun, error) {
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	tab, err := b.ff.CreateTab(ctx)
	if err != nil {
		return nil, fmt.Errorf("new tab: %w", err)
	}
	defer func() {
		c, cl := context.WithTimeout(context.Background(), 10*time.Second)
		defer cl()
		_ = b.ff.CloseTab(c, tab)
	}()
	src := strings.NewReplacer("__POOL_FLOOR__", strconv.Itoa(o.PoolFloor),
		"__INPUT_STAMPS__", strconv.FormatBool(o.Stamps), "__SHELL__", strconv.FormatBool(o.Then != nil)).Replace(probeJS)
	if err := b.ff.AddPreloadScript(ctx, tab, src); err != nil {
		return nil, fmt.Errorf("set up tab: %w", err)
	}
	pageURL, kernel := b.pageURL(o)
	if err := b.ff.Navigate(ctx, tab, pageURL); err != nil {
		return nil, fmt.Errorf("navigate: %w", err)
	}
	eval := func(js string, out any) error { return b.ff.Eval(ctx, tab, js, out) }
	read := func() (*PageRun, error) {
		var r PageRun
		if err := eval(fmt.Sprintf(`globalThis.__bench ? JSON.parse(JSON.stringify(__bench.collect(%q))) : {}`, kernel), &r); err != nil {
			return nil, fmt.Errorf("read probe: %w", err)
		}
		return &r, nil
	}
	pred := donePredicate(o)
	for {
		var ok bool
		if err := eval(pred, &ok); err != nil {
			if r, _ := read(); r != nil {
				return r, fmt.Errorf("waiting for the page: %w (received %d bytes, stages %v, lines %v)", err, r.Received, r.Stages, r.Lines)
			}
			return nil, fmt.Errorf("waiting for the page: %w", err)
		}
		if ok {
			break
		}
		time.Sleep(pollInterval)
	}
	if o.Memory {
		// As in Chromium: the pool at its floor first (boots that stop at
		// CONF DONE), then the same settling time, both hosts alike.
		if o.PoolFloor > 0 && o.Host == HostGohost && o.Then == nil {
			for t0 := time.Now(); time.Since(t0) < 30*time.Second; time.Sleep(pollInterval) {
				var full bool
				if eval(`gohost.status().pool >= `+strconv.Itoa(o.PoolFloor), &full) != nil || full {
					break
				}
			}
		}
		time.Sleep(1500 * time.Millisecond)
	}
	r, err := read()
	if err != nil {
		return nil, err
	}
	if o.Eval != "" {
		if err := eval(o.Eval, &r.EvalResult); err != nil {
			return nil, fmt.Errorf("evaluate %s: %w", o.Eval, err)
		}
	}
	if o.Memory {
		if err := r.addPSS(browsertest.ContentPSS(b.ff.PID())); err != nil {
			return nil, err
		}
	}
	if err := r.failure(); err != nil {
		return r, err
	}
	if o.Then != nil {
		if err := o.Then(eval, r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// serve checks the build, serves the page and the conformance kernel on a
// loopback port and calls f with its URL and the initrd.
func serve(www, conf string, f func(baseURL string, initrd []byte) error) error {
	for _, name := range []string{"gohost.wasm", "gohost-worker.wasm", "wasm_exec.js", "gohost-worker.js"} {
		if _, err := os.Stat(filepath.Join(www, name)); err != nil {
			return fmt.Errorf("%v (run make build)", err)
		}
	}
	initrd, err := os.ReadFile(filepath.Join(conf, "initramfs.cpio"))
	if err != nil {
		return fmt.Errorf("conformance kernel: %v (make conformance)", err)
	}
	h, err := devserver.NewHandler(devserver.Config{Dir: www, Conformance: conf})
	if err != nil {
		return err
	}
	base, stop, err := browsertest.Serve(h)
	if err != nil {
		return err
	}
	defer stop()
	return f(base, initrd)
}
