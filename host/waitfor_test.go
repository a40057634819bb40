package host

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLastLineQuoted(t *testing.T) {
	assert.Equal(t, `"CONF DONE 5 0"`, lastLineQuoted("boot\r\nCONF DONE 5 0\r\n\r\n"))
	assert.Equal(t, `"~ # ls"`, lastLineQuoted("x\n\x1b[1;32m~ #\x1b[0m ls"))
	assert.Equal(t, "(none: the console printed nothing)", lastLineQuoted(" \r\n"))
	assert.Equal(t, "(none: the console printed nothing)", lastLineQuoted(""))
	long := lastLineQuoted(string(make([]byte, 0)) + "a" + string(repeat('x', 300)))
	assert.Len(t, long, 2+len("…")+200)
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestTimeoutMessage(t *testing.T) {
	assert.Equal(t, `gohost.waitFor("never printed"): timed out after 400 ms; the last console line was "CONF DONE 5 0"`,
		timeoutMessage(`"never printed"`, 400e6, "CONF DONE 5 0\r\n"))
}
