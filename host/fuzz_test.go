//go:build !js

package host

import (
	"errors"
	"github.com/linuxwasm/gohost/internal/abi"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckCmdline: a command line is refused exactly when it is longer
// than 511 bytes or contains a NUL, and the refusal says why.
func FuzzCheckCmdline(f *testing.F) {
	for _, s := range []string{"", DefaultCmdline, strings.Repeat("x", 511), strings.Repeat("x", 512), "a\x00b",
		strings.Repeat("€", 170) + "x", strings.Repeat("€", 171), "conf=all\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCmdline(s)
		tooLong, nul := len(s) > MaxCmdline, strings.IndexByte(s, 0) >= 0
		if (err == nil) != (!tooLong && !nul) {
			t.Fatalf("CheckCmdline(%d bytes, nul=%v) = %v", len(s), nul, err)
		}
		if tooLong && !strings.Contains(err.Error(), "511") {
			t.Fatalf("refusal does not name the limit: %v", err)
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Fatalf("message is not valid UTF-8: %q", err.Error())
		}
	})
}

// FuzzCheckFit: over the values a host can meet (a kernel's memory minimum
// is at most 65536 pages, since CheckKernel caps the maximum there; an
// initrd is at most 4 GiB), CheckFit accepts exactly when twice the boot
// image plus the kernel's working margin fits in the 0x1FFF pages the
// kernel grows to, its limit is monotonic, and every refusal names a size
// that does fit for that kernel.
func FuzzCheckFit(f *testing.F) {
	f.Add(uint64(43), uint64(194888))
	f.Add(uint64(43), uint64(3540*wasmPage))
	f.Add(uint64(43), uint64(3540*wasmPage+1))
	f.Add(uint64(3583), uint64(0))
	f.Add(uint64(3584), uint64(0))
	f.Add(uint64(65536), uint64(1<<32))
	f.Fuzz(func(t *testing.T, k, n uint64) {
		k %= 65537
		n %= 1<<32 + 1
		err := CheckFit(abi.InitialWasm32, k, int(n))
		pages := (n + wasmPage - 1) / wasmPage
		fits := 2*(k+pages)+minKernelPages <= bootTargetPages
		if (err == nil) != fits {
			t.Fatalf("CheckFit(%d pages, %d bytes) = %v, want fits=%v", k, n, err, fits)
		}
		if err == nil {
			if n > 0 && CheckFit(abi.InitialWasm32, k, int(n-1)) != nil {
				t.Fatalf("not monotonic at %d pages, %d bytes", k, n)
			}
			return
		}
		if !strings.Contains(err.Error(), "more than fits") && !strings.Contains(err.Error(), "the kernel declares") {
			t.Fatalf("unclear refusal: %v", err)
		}
	})
}

// FuzzInspectKernel: any bytes are either accepted with the memory limits
// the host needs, or refused with a *KernelError carrying a message; never
// a panic or another error type.
func FuzzInspectKernel(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("<html>"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x01\x05"))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x02\x0f\x01\x03env\x06memory\x02\x03\x01\x80\x80\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := InspectKernel(b)
		if err == nil {
			if info == nil || info.Kind.Spec() == nil || info.MemoryMax > info.Kind.Spec().MaxMemoryPages || info.MemoryMin > info.MemoryMax {
				t.Fatalf("accepted with limits %+v", info)
			}
			return
		}
		var ke *KernelError
		if !errors.As(err, &ke) || ke.Message == "" {
			t.Fatalf("error %T %v is not a KernelError with a message", err, err)
		}
	})
}
