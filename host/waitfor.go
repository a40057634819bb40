package host

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// timeoutMessage says what waitFor waited for, how long, and where the
// console stood.
func timeoutMessage(pattern string, timeout time.Duration, tail string) string {
	return fmt.Sprintf("gohost.waitFor(%s): timed out after %d ms; the last console line was %s",
		pattern, timeout.Milliseconds(), lastLineQuoted(tail))
}

// lastLineQuoted is the last non-blank line of console text, without
// terminal escapes, quoted for an error message (waitFor's timeout says where
// the console stood), or "(none: the console printed nothing)".
func lastLineQuoted(text string) string {
	lines := strings.Split(stripEscapes(text), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			if len(l) > 200 {
				l = "…" + l[len(l)-200:]
			}
			return strconv.Quote(l)
		}
	}
	return "(none: the console printed nothing)"
}

// stripEscapes drops ANSI CSI sequences (ESC [ ... final byte) and lone
// escape characters, which a prompt or a coloured line carries.
func stripEscapes(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
	}
	return b.String()
}
