//go:build memcheck_overrun

package worker

import (
	"syscall/js"

	"github.com/linuxwasm/gohost/internal/memcheck"
)

// The memcheck_overrun build is test equipment only (e2e TestMemcheckOverrun
// builds it; make build never does): the host writes one byte just outside
// the range the kernel granted for the kind the test names in the worker's
// global gohostOverrun (a memcheck.Kind name, set by the test's server), so
// the test can see the memcheck mode, and with the mode off the conformance
// kernel's guard words, catch a real overrun.

var injected = -1

func overrunKind() memcheck.Kind {
	if injected < 0 {
		injected = 0
		if v := js.Global().Get("gohostOverrun"); v.Type() == js.TypeString {
			injected = int(memcheck.KindNamed(v.String()))
		}
	}
	return memcheck.Kind(injected)
}
