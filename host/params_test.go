//go:build !js

package host

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testBase = "http://127.0.0.1:8000/"

func TestParseParamsDefaults(t *testing.T) {
	p, err := ParseParams("", testBase)
	require.NoError(t, err)
	assert.Equal(t, Params{Kernel: testBase + DefaultKernelURL, Initrd: testBase + DefaultInitrdURL, Cmdline: DefaultCmdline}, p)
	// The page's own query and fragment do not leak into the defaults.
	p, err = ParseParams("?", "http://h:1/dir/index.html?x#y")
	require.NoError(t, err)
	assert.Equal(t, "http://h:1/dir/kernel/vmlinux.wasm", p.Kernel)
}

func TestParseParamsApplied(t *testing.T) {
	for _, c := range []struct {
		search         string
		kernel, initrd string
		cmdline        string
	}{
		{"?cpus=5&append=quiet%20loglevel=3&kernel=/k/v.wasm", testBase + "k/v.wasm", testBase + DefaultInitrdURL,
			"nohz_full=0,2-63 root=/dev/ram0 rootfstype=ramfs init=/init console=hvc console=ttyS0 maxcpus=5 quiet loglevel=3"},
		{"?cmdline=conf%3Dall", "", "", "conf=all"},
		{"cmdline=conf=all+maxcpus=2&cpus=4", "", "", "conf=all maxcpus=4"},
		{"?cmdline=%20a%20b%20", "", "", "a b"},
		{"?cpus=07", "", "", withMaxCPUs(DefaultCmdline, 7)},
		{"?kernel=https://example.org/v.wasm&initrd=//other/i.cpio", "https://example.org/v.wasm", "http://other/i.cpio", DefaultCmdline},
		{"?cmdline=%E2%82%AC%zz", "", "", "€%zz"}, // URLSearchParams keeps a bad escape as it is
		{"?append=a%ffb", "", "", DefaultCmdline + " a\ufffdb"},
	} {
		p, err := ParseParams(c.search, testBase)
		require.NoError(t, err, c.search)
		if c.kernel != "" {
			assert.Equal(t, c.kernel, p.Kernel, c.search)
		}
		if c.initrd != "" {
			assert.Equal(t, c.initrd, p.Initrd, c.search)
		}
		assert.Equal(t, c.cmdline, p.Cmdline, c.search)
		assert.False(t, p.SelfTest)
	}
}

func TestParseParamsSelfTest(t *testing.T) {
	p, err := ParseParams("?selftest", testBase)
	require.NoError(t, err)
	assert.Equal(t, Params{Kernel: testBase + "conformance/vmlinux.wasm", Initrd: testBase + "conformance/initramfs.cpio", Cmdline: SelfTestCmdline, SelfTest: true}, p)
	p, err = ParseParams("?selftest=1&cpus=2", testBase)
	require.NoError(t, err)
	assert.Equal(t, "conf=all maxcpus=2", p.Cmdline)
	_, err = ParseParams("?selftest&kernel=/k.wasm&cmdline=x&selftest=yes", testBase)
	var pe *ParamsError
	require.ErrorAs(t, err, &pe)
	all := strings.Join(pe.Problems, "\n")
	assert.Contains(t, all, `leave out "kernel"`)
	assert.Contains(t, all, `leave out "cmdline"`)
	assert.Contains(t, all, `Parameter "selftest" is given more than once`)
}

// memcheck turns the check of the host's kernel writes on (off without it)
// and takes no value but 1.
func TestParseParamsMemcheck(t *testing.T) {
	p, err := ParseParams("?cmdline=conf%3Dconsole", testBase)
	require.NoError(t, err)
	assert.False(t, p.Memcheck)
	for _, q := range []string{"?memcheck", "?memcheck=1&cpus=2", "?selftest&memcheck"} {
		p, err = ParseParams(q, testBase)
		require.NoError(t, err, q)
		assert.True(t, p.Memcheck, q)
	}
	_, err = ParseParams("?memcheck=yes", testBase)
	var pe *ParamsError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, strings.Join(pe.Problems, "\n"), `"memcheck" takes no value (or 1), not "yes"`)
}

// Every refused value names its parameter (these were browser-tab tests).
func TestParseParamsRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		params url.Values
		want   string
	}{
		{"cpus=0", url.Values{"cpus": {"0"}}, `"cpus" must be a whole number from 1 to 64, not "0"`},
		{"cpus=65", url.Values{"cpus": {"65"}}, `"cpus" must be a whole number from 1 to 64, not "65"`},
		{"cpus=abc", url.Values{"cpus": {"abc"}}, `"cpus" must be a whole number`},
		{"unknown", url.Values{"bogus": {"1"}}, `Unknown parameter "bogus" (known: cmdline, kernel, initrd, cpus, append, selftest, memcheck)`},
		{"javascript-kernel", url.Values{"kernel": {"javascript:alert(1)"}}, `"kernel" must be an http(s) URL, not javascript:`},
		{"empty-cmdline", url.Values{"cmdline": {""}}, `"cmdline" is empty`},
		{"long-append", url.Values{"append": {strings.Repeat("x", 600)}}, `longer than 511 bytes`},
		{"kernel-empty", url.Values{"kernel": {" "}}, `"kernel" is empty`},
		{"kernel-not-url", url.Values{"kernel": {"http://[::1"}}, `"kernel" is not a URL`},
		{"kernel-data", url.Values{"kernel": {"data:application/wasm,AGFzbQ"}}, `"kernel" must be an http(s) URL, not data:`},
		{"initrd-ftp", url.Values{"initrd": {"ftp://example.com/i.cpio"}}, `"initrd" must be an http(s) URL, not ftp:`},
		{"initrd-empty", url.Values{"initrd": {""}}, `"initrd" is empty`},
		{"cmdline-control", url.Values{"cmdline": {"conf=console\x01"}}, `"cmdline" contains control characters`},
		{"append-empty", url.Values{"append": {"  "}}, `"append" is empty`},
		{"append-newline", url.Values{"append": {"a\nb"}}, `"append" contains control characters`},
		{"cpus-fraction", url.Values{"cpus": {"1.5"}}, `"cpus" must be a whole number from 1 to 64, not "1.5"`},
		{"cpus-negative", url.Values{"cpus": {"-1"}}, `"cpus" must be a whole number from 1 to 64, not "-1"`},
		{"cpus-empty", url.Values{"cpus": {""}}, `"cpus" must be a whole number from 1 to 64, not ""`},
		{"cpus-space", url.Values{"cpus": {" 7"}}, `"cpus" must be a whole number from 1 to 64, not " 7"`},
		{"cpus-twice", url.Values{"cpus": {"2", "3"}}, `Parameter "cpus" is given more than once`},
		{"long-cmdline", url.Values{"cmdline": {strings.Repeat("x", 512)}}, `longer than 511 bytes`},
		{"selftest-value", url.Values{"selftest": {"yes"}}, `"selftest" takes no value (or 1), not "yes"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseParams("?"+c.params.Encode(), testBase)
			var pe *ParamsError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, strings.Join(pe.Problems, "\n"), c.want)
			assert.Equal(t, "The page was opened with URL parameters it cannot use.", err.Error())
		})
	}
	// Every problem is listed, not just the first.
	_, err := ParseParams("?cpus=0&kernel=ftp://x/y", testBase)
	var pe *ParamsError
	require.ErrorAs(t, err, &pe)
	assert.Len(t, pe.Problems, 2)
	// A 511-byte command line is the longest accepted.
	_, err = ParseParams("?cmdline="+strings.Repeat("x", 511), testBase)
	assert.NoError(t, err)
}

func TestFormPairsLikeURLSearchParams(t *testing.T) {
	assert.Equal(t, [][2]string{{"a", "1 2"}, {"b", ""}, {"c", "x=y"}, {"", "v"}}, formPairs("?a=1+2&b&&c=x%3dy&=v"))
	assert.Equal(t, [][2]string{{"%", "%2"}, {"%g1", "\x00"}}, formPairs("%=%2&%g1=%00"))
}

// checkParamsResult is the property every outcome has: refused with listed
// problems, or http(s) URLs and a non-empty command line the kernel takes
// whole, without control characters.
func checkParamsResult(t *testing.T, q string, p Params, err error) bool {
	if err != nil {
		pe, ok := err.(*ParamsError)
		if !ok || len(pe.Problems) == 0 {
			t.Errorf("%q: refused without problems: %v", q, err)
		}
		return false
	}
	for _, u := range []string{p.Kernel, p.Initrd} {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			t.Errorf("%q: accepted a non-http(s) URL %q", q, u)
		}
	}
	if strings.TrimSpace(p.Cmdline) == "" || CheckCmdline(p.Cmdline) != nil ||
		strings.IndexFunc(p.Cmdline, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		t.Errorf("%q: accepted command line %q", q, p.Cmdline)
	}
	return true
}

// Random query strings from the atoms that once found bugs in the page's
// parser (the former browser-tab property test, now native).
func TestParseParamsProperties(t *testing.T) {
	seed := uint32(12345)
	rnd := func(n int) int { seed = seed*1103515245 + 12345; return int(seed>>8) % n }
	keys := []string{"cmdline", "kernel", "initrd", "cpus", "append", "selftest", "x", ""}
	atoms := []string{"0", "1", "64", "65", "-1", "1e1", " 7", "abc", "%00", "%1b", "%20", "%E2%82%AC", "%ff", "javascript:1",
		"http://a/b", "//h/x", "/k.wasm", "data:,x", "..%2f..", "maxcpus=9", "=", "&", "#", strings.Repeat("x", 300)}
	accepted, refused := 0, 0
	for i := 0; i < 5000; i++ {
		q := "?"
		for j, n := 0, rnd(4); j < n; j++ {
			v := ""
			for k := rnd(3); k >= 0; k-- {
				v += atoms[rnd(len(atoms))]
			}
			if j > 0 {
				q += "&"
			}
			q += keys[rnd(len(keys))]
			if rnd(5) > 0 {
				q += "=" + v
			}
		}
		p, err := ParseParams(q, testBase)
		if checkParamsResult(t, q, p, err) {
			accepted++
		} else {
			refused++
		}
	}
	t.Logf("%d accepted, %d refused", accepted, refused)
	assert.Greater(t, accepted, 300)
	assert.Greater(t, refused, 300)
}

func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"", "?cpus=2", "?cmdline=a%00b", "?kernel=//x&append=+", "?selftest&cpus=64", "?%zz=%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := ParseParams(q, testBase)
		checkParamsResult(t, q, p, err)
	})
}
