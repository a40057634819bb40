//go:build !js

// Command kcheck runs the host's own checks of a kernel and an initramfs
// natively and says what this host would do with them: boot them (saying
// which of the three kernel kinds it found: initial release wasm32, 7.0
// wasm32, 7.0 wasm64), or every reason it would refuse. For people who built
// a kernel and want to know before they open a browser.
//
//	go run ./cmd/kcheck vmlinux.wasm [initramfs.cpio.gz]
//
// The checks are the host's, not copies: host.InspectKernel (the kernel's
// imports and exports against the host interface, internal/abi),
// host.CheckFit (the initramfs against the kernel's memory) and
// host.CheckCmdline; the initramfs is read with internal/cpio as the kernel's
// unpacker would. Exit status: 0 it boots, 1 it is refused, 2 a usage or
// file error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/linuxwasm/gohost/host"
	"github.com/linuxwasm/gohost/internal/abi"
	"github.com/linuxwasm/gohost/internal/cpio"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage is a usage error, already explained on stderr.
var errUsage = errors.New("usage")

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("kcheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	cmdline := fl.String("cmdline", host.DefaultCmdline, "the kernel command line to check")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: kcheck [-cmdline LINE] vmlinux.wasm [initramfs.cpio.gz]")
		fmt.Fprintln(stderr, "Says whether this host boots the kernel (and initramfs), or every reason it refuses them.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() < 1 || fl.NArg() > 2 {
		fl.Usage()
		return 2
	}
	r, err := check(fl.Arg(0), fl.Arg(1), *cmdline)
	if err != nil {
		fmt.Fprintln(stderr, "kcheck:", err)
		return 2
	}
	r.print(stdout)
	if len(r.refusals) > 0 {
		return 1
	}
	return 0
}

// report is what kcheck found: facts, the host's refusals, and warnings
// about what the kernel would meet after the host let it boot.
type report struct {
	facts    []string
	refusals []refusal
	warnings []string
}

// refusal is one reason, with the host's detail lines (a kernel refused for
// its interface names every missing or mistyped symbol).
type refusal struct {
	reason  string
	details []string
}

func (r *report) refuse(reason string, details ...string) {
	r.refusals = append(r.refusals, refusal{reason, details})
}

func (r *report) print(w io.Writer) {
	for _, f := range r.facts {
		fmt.Fprintln(w, f)
	}
	for _, s := range r.warnings {
		fmt.Fprintln(w, "warning:", s)
	}
	if len(r.refusals) == 0 {
		fmt.Fprintln(w, "This host would boot it.")
		return
	}
	fmt.Fprintf(w, "This host would refuse it (%d %s):\n", len(r.refusals), plural(len(r.refusals), "reason", "reasons"))
	for _, s := range r.refusals {
		fmt.Fprintln(w, "  -", s.reason)
		for _, d := range s.details {
			fmt.Fprintln(w, "      ", d)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func check(kernelPath, initrdPath, cmdline string) (*report, error) {
	r := &report{}
	kb, err := os.ReadFile(kernelPath)
	if err != nil {
		return nil, err
	}
	info, err := host.InspectKernel(kb)
	var ke *host.KernelError
	switch {
	case errors.As(err, &ke):
		r.refuse("kernel: "+ke.Message, ke.Details...)
	case err != nil:
		r.refuse("kernel: " + err.Error())
	default:
		r.facts = append(r.facts, kernelFacts(kernelPath, len(kb), info))
		if info.UnexpectedSysStubs() {
			// Facts section 7: a 7.0-era kernel normally answers these
			// inside itself; an older 7.0 build imports them, and the host
			// stubs them.
			names := make([]string, len(info.SysStubs))
			for i, st := range info.SysStubs {
				names[i] = st.Name
			}
			r.warnings = append(r.warnings, fmt.Sprintf("a %s kernel normally imports no sys_* function; the host answers these %d with -ENOSYS, as a newer kernel would itself: %s",
				info.Kind, len(names), strings.Join(names, ", ")))
		}
	}
	if err := host.CheckCmdline(cmdline); err != nil {
		r.refuse("command line: " + err.Error())
	}
	if initrdPath == "" {
		r.facts = append(r.facts, "No initramfs named: only the kernel was checked.")
		return r, nil
	}
	st, err := os.Stat(initrdPath)
	if err != nil {
		return nil, err
	}
	if info != nil {
		if err := host.CheckFit(info.Kind, info.MemoryMin, int(st.Size())); err != nil {
			// Too big to boot: its contents do not matter (nor are they read).
			r.refuse("initramfs: " + err.Error())
			return r, nil
		}
	}
	ib, err := os.ReadFile(initrdPath)
	if err != nil {
		return nil, err
	}
	r.facts = append(r.facts, initrdFacts(initrdPath, ib, cmdline, &r.warnings))
	return r, nil
}

func kernelFacts(path string, size int, info *abi.KernelInfo) string {
	max := "no maximum"
	if info.MemoryMax > 0 {
		max = fmt.Sprintf("at most %d", info.MemoryMax)
	}
	s := fmt.Sprintf("Kernel %s: %d bytes, %s Linux/Wasm kernel (%s) that this host runs: memory of %d pages (%s) to start, %s; %d host imports, %d sys_* stubs.",
		path, size, info.Kind.WithArticle(), info.Kind.Long(), info.MemoryMin, sizeText(info.MemoryMin*65536), max, len(info.HostImports), len(info.SysStubs))
	return s
}

// initrdFacts describes the initramfs as the kernel's unpacker would read
// it; what would stop the unpacker or the boot is a warning (the host passes
// the initramfs on as it is; the kernel meets these).
func initrdFacts(path string, b []byte, cmdline string, warnings *[]string) string {
	gz := len(b) > 1 && b[0] == 0x1f && b[1] == 0x8b
	entries, err := cpio.ReadAll(b)
	if err != nil {
		*warnings = append(*warnings, fmt.Sprintf("the initramfs does not read whole: %v (the kernel's unpacker stops there)", err))
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[strings.TrimPrefix(e.Name, "/")] = true
	}
	if init := initPath(cmdline); init != "" && !names[strings.TrimPrefix(init, "/")] {
		*warnings = append(*warnings, fmt.Sprintf("the command line says init=%s, which is not in the initramfs", init))
	}
	kind := "uncompressed"
	if gz {
		kind = "gzip-compressed"
	}
	return fmt.Sprintf("Initramfs %s: %d bytes, %s, %d entries.", path, len(b), kind, len(entries))
}

// initPath is the command line's init= (the last one wins, as in Linux).
func initPath(cmdline string) string {
	init := ""
	for _, w := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(w, "init="); ok {
			init = v
		}
	}
	return init
}

func sizeText(n uint64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}
