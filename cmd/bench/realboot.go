//go:build !js

package main

// realboot: the conformance kernel's shell-shaped boot (40 kthreads, 3 CPUs,
// PID 1 forking and exec'ing the 1.6 MB conf_box program about five times,
// the console read only by a polling khvcd thread) on the kernel padded to
// a real vmlinux.wasm's shape, timed as a user sees it: navigation to the
// first kernel console line and to the prompt, renderer memory at the
// prompt, typed commands to their answers, and a command typed after the
// console has been idle long enough for khvcd to back off to 2 s polls.
// Every page load is run on gohost and on the reference host (e2e/refhost,
// a model of the original JavaScript host), alternated.

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/linuxwasm/gohost/e2e/conformance"
)

// shellRounds is how many times each command is typed per page load; the
// page load's figure is their median.
const shellRounds = 5

// shellTimeoutMs bounds one typed line's answer: khvcd polls at most every
// ~2 s, a fork + exec of the big program takes a few hundred ms loaded.
const shellTimeoutMs = 15000

// hostSuffix is the figure-key suffix of a page's host.
func hostSuffix(host string) string {
	if host == HostRef {
		return ".ref"
	}
	return ".gohost"
}

// waterfall is the boot's stages as both hosts have them, in order: probe
// mark, figure key.
var waterfall = []struct{ mark, key, label string }{
	{"page", "rb_wf_page", "page (DOMContentLoaded)"},
	{"hostReady", "rb_wf_host", "host ready (gohost: API installed; reference: its first script ran)"},
	{"kernelRequest", "rb_wf_kreq", "kernel request sent"},
	{"kernelDownloaded", "rb_wf_kdl", "kernel downloaded (Resource Timing responseEnd)"},
	{"compiled", "rb_wf_compiled", "kernel compiled (gohost: stage boot)"},
	{"firstByte", "rb_first", "first kernel console output"},
	{"prompt", "rb_prompt", "shell prompt"},
}

// realbootRun boots realboot once on host (gohost with the default pool of
// 4, or the reference host) and records its figures under the host's suffix.
func (b *Bench) realbootRun(host string, k *rbKind, idle time.Duration) (string, error) {
	floor, sfx := 4, hostSuffix(host)
	if host == HostRef {
		floor = 0
	}
	opts := PageOpts{Kernel: realKernel, Cmdline: b.cmdline("conf=realboot"), PoolFloor: floor, Host: host, Memory: true}
	if k != nil {
		initrd, err := os.ReadFile(filepath.Join(b.confDir, k.initrd))
		if err != nil {
			return "", err
		}
		sfx = k.sfx
		opts.Kernel, opts.Initrd = "/conformance/"+k.kernel, "/conformance/"+k.initrd
		opts.Cmdline = strings.Join(append([]string{"conf=realboot", "maxcpus=3"}, conformance.InitrdWords(initrd)...), " ")
	}
	var echo, ls, lsRun []float64
	lsFirst, lsFirstRun, idleMs := math.NaN(), math.NaN(), math.NaN()
	then := func(eval Evaluator, r *PageRun) error {
		type answer struct {
			Ms    float64 `json:"ms"`
			RunMs float64 `json:"runMs"`
		}
		typ := func(line, want string) (answer, error) {
			var a answer
			err := eval(fmt.Sprintf(`__bench.shell(%q, %q, %d)`, line, want, shellTimeoutMs), &a)
			return a, err
		}
		for i := 0; i < shellRounds; i++ {
			a, err := typ("echo hi\r", "hi\r\n")
			if err != nil {
				return fmt.Errorf("echo hi: %w", err)
			}
			echo = append(echo, a.Ms)
		}
		// The first forking command brings up the 4th CPU (after the
		// builtins, so khvcd polls at its busy rate for both hosts).
		for i := 0; i < shellRounds; i++ {
			a, err := typ("ls\r", "sbin\r\n")
			if err != nil {
				return fmt.Errorf("ls: %w", err)
			}
			if i == 0 {
				lsFirst = a.Ms
				if a.RunMs >= 0 {
					lsFirstRun = a.RunMs
				}
			} else {
				ls = append(ls, a.Ms)
				if a.RunMs >= 0 {
					lsRun = append(lsRun, a.RunMs)
				}
			}
		}
		if idle > 0 {
			time.Sleep(idle)
			a, err := typ("echo idle\r", "idle\r\n")
			if err != nil {
				return fmt.Errorf("echo idle after %v: %w", idle, err)
			}
			idleMs = a.Ms
		}
		return nil
	}
	timeout := 90*time.Second + idle
	opts.Timeout, opts.Then = timeout, then
	r, err := b.runPage(opts)
	if err != nil {
		return "", fmt.Errorf("realboot (%s): %w", hostName(host), err)
	}
	if printMarks {
		logMarks(hostName(host), r)
	}
	for _, w := range waterfall {
		v, ok := r.T[w.mark]
		if !ok {
			v = math.NaN()
		}
		b.add(w.key+sfx, v)
	}
	b.add("rb_pss"+sfx, float64(r.PSSTotalKB)/1024)
	b.add("rb_echo"+sfx, Summarise(echo).Median)
	b.add("rb_ls_first"+sfx, lsFirst)
	b.add("rb_ls_first_run"+sfx, lsFirstRun)
	b.add("rb_ls"+sfx, Summarise(ls).Median)
	b.add("rb_ls_run"+sfx, Summarise(lsRun).Median)
	if idle > 0 {
		b.add("rb_idle"+sfx, idleMs)
	}
	stocked := "" // gohost's started workers without a machine yet
	if n := r.statusInt("stock"); n >= 0 {
		stocked = fmt.Sprintf(" + %d stocked", n)
	}
	return fmt.Sprintf("realboot %s: first line %.0f ms, prompt %.0f ms, PSS %.0f MiB (%d workers%s), first ls %.0f ms, ls %.0f ms (%.1f ms after the echo: %.1f), echo %.1f ms, after %v idle %.0f ms",
		hostName(host), r.T["firstByte"], r.T["prompt"], float64(r.PSSTotalKB)/1024, r.statusInt("workers"), stocked, lsFirst, Summarise(ls).Median,
		Summarise(lsRun).Median, lsRun, Summarise(echo).Median, idle, idleMs), nil
}

// measureRealboot runs the realboot page loads of run i, gohost and the
// reference host alternated (the order swaps every run) so both share the
// load.
func (b *Bench) measureRealboot(i, n int, idle time.Duration, logf func(string, ...any)) error {
	for _, host := range [][]string{{HostGohost, HostRef}, {HostRef, HostGohost}}[i%2] {
		t0 := time.Now()
		msg, err := b.realbootRun(host, nil, idle)
		if err != nil {
			return err
		}
		logf("run %d/%d %s (%s)", i+1, n, msg, time.Since(t0).Round(time.Millisecond))
	}
	// The 7.0-era kinds (issue 21), on gohost only: the reference host
	// models the initial release's original host.
	for _, k := range rbKinds {
		t0 := time.Now()
		msg, err := b.realbootRun(HostGohost, &k, 0)
		if err != nil {
			return err
		}
		logf("run %d/%d %s (%s)", i+1, n, msg, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// rbKind is a 7.0-era conformance kernel (issue 21) realboot also runs on:
// the same shell-shaped boot on the other kernel kinds the host recognises.
// These kernels are not padded to a real kernel's size.
type rbKind struct {
	sfx, kernel, initrd string
}

var rbKinds = []rbKind{
	{".70w32", "vmlinux-70-wasm32.wasm", conformance.Initrd},
	{".70w64", "vmlinux-70-wasm64.wasm", "initramfs-wasm64.cpio"},
}

// logMarks prints a page load's performance marks and probe moments in
// time order (-marks): where the start-up's time goes.
func logMarks(host string, r *PageRun) {
	type at struct {
		name string
		ms   float64
	}
	var all []at
	for k, v := range r.Marks {
		all = append(all, at{k, v})
	}
	for k, v := range r.T {
		all = append(all, at{"probe:" + k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ms < all[j].ms })
	var sb strings.Builder
	for _, a := range all {
		fmt.Fprintf(&sb, "  %7.0f %s\n", a.ms, a.name)
	}
	fmt.Fprintf(os.Stderr, "marks %s:\n%s", host, sb.String())
}
