package host

// The page's URL parameters (?cmdline=...&cpus=...): parsed and checked here,
// in plain Go with native table tests, and handed to the page through
// gohost.parseParams, so the rules and the defaults have one owner.

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Conformance kernel URLs, as served by cmd/serve when the conformance kernel
// has been built: the page's host self-test boots them.
const (
	SelfTestKernelURL = "/conformance/vmlinux.wasm"
	SelfTestInitrdURL = "/conformance/initramfs.cpio"
	// SelfTestCmdline runs every scenario; the page adds the server's
	// description of the initramfs (initrd_len=, initrd_fnv=) so the
	// conformance kernel checks the bytes it was given against the file the
	// server has.
	SelfTestCmdline = "conf=all maxcpus=3"
)

// ParamNames lists the URL parameters the page knows, in the order its
// messages name them.
var ParamNames = []string{"cmdline", "kernel", "initrd", "cpus", "append", "selftest", "memcheck"}

// Params is what the URL parameters ask for, with the defaults filled in.
type Params struct {
	Kernel  string // absolute http(s) URL
	Initrd  string // absolute http(s) URL
	Cmdline string
	// SelfTest: boot the conformance kernel (test equipment, not Linux) as
	// the host self-test.
	SelfTest bool
	// Memcheck: check every host write into the kernel's memory
	// (gohost.boot's memcheck option).
	Memcheck bool
}

// ParamsError lists every refused parameter, one line each.
type ParamsError struct{ Problems []string }

func (e *ParamsError) Error() string {
	return "The page was opened with URL parameters it cannot use."
}

// ParseParams reads a URL query (location.search, with or without its "?")
// the way the browser's URLSearchParams does and resolves URLs against base
// (location.href). Every problem is listed, never just the first; nothing
// unknown or invalid is ignored.
func ParseParams(search, base string) (Params, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	baseURL, err := url.Parse(base)
	if err != nil || !baseURL.IsAbs() {
		return Params{}, &ParamsError{Problems: []string{fmt.Sprintf("The page's own address %q is not an absolute URL.", base)}}
	}
	q := map[string][]string{}
	for _, kv := range formPairs(search) {
		q[kv[0]] = append(q[kv[0]], kv[1])
	}
	known := map[string]bool{}
	for _, k := range ParamNames {
		known[k] = true
	}
	for _, kv := range formPairs(search) {
		if !known[kv[0]] {
			bad("Unknown parameter %q (known: %s).", kv[0], strings.Join(ParamNames, ", "))
		}
	}
	for _, k := range ParamNames {
		if len(q[k]) > 1 {
			bad("Parameter %q is given more than once.", k)
		}
	}
	get := func(k string) (string, bool) {
		v, ok := q[k]
		if !ok {
			return "", false
		}
		return v[0], true
	}

	p := Params{Cmdline: DefaultCmdline}
	kernelDef, initrdDef := DefaultKernelURL, DefaultInitrdURL
	if v, ok := get("selftest"); ok {
		if v != "" && v != "1" {
			bad(`"selftest" takes no value (or 1), not %q.`, v)
		}
		for _, k := range []string{"kernel", "initrd", "cmdline"} {
			if _, ok := get(k); ok {
				bad(`"selftest" boots the conformance kernel with its own %s: leave out %q.`, k, k)
			}
		}
		p.SelfTest = true
		kernelDef, initrdDef, p.Cmdline = SelfTestKernelURL, SelfTestInitrdURL, SelfTestCmdline
	}
	resolve := func(name, def string) string {
		v, ok := get(name)
		if !ok {
			v = def
		} else if strings.TrimSpace(v) == "" {
			bad("%q is empty.", name)
			v = def
		}
		u, err := url.Parse(strings.TrimSpace(v))
		if err != nil {
			bad("%q is not a URL: %s", name, v)
			return ""
		}
		u = baseURL.ResolveReference(u)
		if u.Scheme != "http" && u.Scheme != "https" {
			bad("%q must be an http(s) URL, not %s:", name, u.Scheme)
			return ""
		}
		return u.String()
	}
	if v, ok := get("memcheck"); ok {
		if v != "" && v != "1" {
			bad(`"memcheck" takes no value (or 1), not %q.`, v)
		}
		p.Memcheck = true
	}
	p.Kernel = resolve("kernel", kernelDef)
	p.Initrd = resolve("initrd", initrdDef)

	printable := func(name, v string) bool {
		if strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			bad("%q contains control characters.", name)
			return false
		}
		return true
	}
	if v, ok := get("cmdline"); ok {
		v = strings.TrimSpace(v)
		if v == "" {
			bad(`"cmdline" is empty.`)
		} else if printable("cmdline", v) {
			p.Cmdline = v
		}
	}
	if v, ok := get("cpus"); ok {
		if n, ok := cpuCount(v); !ok {
			bad(`"cpus" must be a whole number from 1 to 64, not %q.`, v)
		} else {
			p.Cmdline = withMaxCPUs(p.Cmdline, n)
		}
	}
	if v, ok := get("append"); ok {
		v = strings.TrimSpace(v)
		if v == "" {
			bad(`"append" is empty.`)
		} else if printable("append", v) {
			p.Cmdline += " " + v
		}
	}
	if len(p.Cmdline) > MaxCmdline {
		bad("The kernel command line is longer than %d bytes.", MaxCmdline)
	}
	if len(problems) > 0 {
		return Params{}, &ParamsError{Problems: problems}
	}
	return p, nil
}

// cpuCount accepts 1 to 64 written with one or two ASCII digits.
func cpuCount(v string) (int, bool) {
	if len(v) < 1 || len(v) > 2 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= 64
}

// withMaxCPUs replaces every maxcpus= word by one maxcpus=n at the end.
func withMaxCPUs(cmdline string, n int) string {
	var words []string
	for _, w := range strings.Fields(cmdline) {
		if !strings.HasPrefix(w, "maxcpus=") {
			words = append(words, w)
		}
	}
	return strings.Join(append(words, fmt.Sprintf("maxcpus=%d", n)), " ")
}

// formPairs splits a query string into name/value pairs the way the
// browser's URLSearchParams does (application/x-www-form-urlencoded): "&"
// separates, the first "=" splits, "+" is a space, a "%" not followed by two
// hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
func formPairs(search string) [][2]string {
	search = strings.TrimPrefix(search, "?")
	var out [][2]string
	for _, part := range strings.Split(search, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, [2]string{formDecode(name), formDecode(value)})
	}
	return out
}

func formDecode(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r) // utf8.RuneError for each invalid byte
		b = b[n:]
	}
	return sb.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
