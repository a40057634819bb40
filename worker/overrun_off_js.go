//go:build !memcheck_overrun

package worker

import "github.com/linuxwasm/gohost/internal/memcheck"

// overrunKind: no fault injection outside the memcheck_overrun test build.
func overrunKind() memcheck.Kind { return 0 }
