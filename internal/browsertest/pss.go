//go:build !js

package browsertest

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// RendererPSS returns the PSS (kB) of every Chromium renderer process below
// the browser process root, keyed by pid: the memory a page costs as the OS
// counts it (performance.measureUserAgentSpecificMemory misses wasm memory).
func RendererPSS(root int) (map[int]int64, error) {
	return processPSS(root, func(args []string) bool { return slices.Contains(args, "--type=renderer") })
}

// ContentPSS is RendererPSS for Firefox: its web content processes (the
// ones started with -contentproc whose process type, a word of their
// command line, is "tab"), the page's and the idle ones Firefox keeps ready
// alike.
func ContentPSS(root int) (map[int]int64, error) {
	return processPSS(root, func(args []string) bool {
		return slices.Contains(args, "-contentproc") && slices.Contains(args, "tab")
	})
}

// processPSS returns the PSS (kB) of every process below root whose
// command line's words are, keyed by pid. Words, not arguments: a process
// that Firefox's fork server made has its whole command line in one
// argument.
func processPSS(root int, is func(args []string) bool) (map[int]int64, error) {
	children := map[int][]int{}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parens.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := map[int]int64{}
	stack := []int{root}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		stack = append(stack, children[p]...)
		cmd, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "cmdline"))
		words := strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " "))
		if err != nil || len(words) == 0 || !is(words) {
			continue
		}
		rollup, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p), "smaps_rollup"))
		if err != nil {
			continue // exited meanwhile
		}
		kb, err := ParsePSS(string(rollup))
		if err != nil {
			return nil, err
		}
		out[p] = kb
	}
	return out, nil
}

// ParsePSS reads the "Pss:" line (kB) of /proc/<pid>/smaps_rollup.
func ParsePSS(s string) (int64, error) {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "Pss:" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, errors.New("smaps_rollup: no Pss line")
}
