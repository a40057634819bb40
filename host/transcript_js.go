package host

import (
	"strings"
	"syscall/js"
)

// Transcript keeps a machine's console output, decoded, for the log download,
// the panic panel and the automation API. Checks for a pattern look only at
// what was added since the last check (plus an overlap for matches that
// straddle two chunks): rescanning everything on every chunk made console
// throughput fall with the size of the transcript.
type Transcript struct {
	dec     js.Value // streaming TextDecoder: UTF-8 split across chunks stays whole
	text    strings.Builder
	dropped int // bytes dropped from the front to stay under max
	max     int
}

// NewTranscript keeps at most max bytes of text (the oldest half is dropped
// when full).
func NewTranscript(max int) *Transcript {
	return &Transcript{dec: js.Global().Get("TextDecoder").New("utf-8"), max: max}
}

// Add decodes raw console bytes and appends them.
func (t *Transcript) Add(chunk js.Value) {
	s := t.dec.Call("decode", chunk, map[string]any{"stream": true}).String()
	if t.text.Len()+len(s) > t.max {
		keep := t.text.String()
		keep = keep[len(keep)/2:]
		t.dropped += t.text.Len() - len(keep)
		t.text.Reset()
		t.text.WriteString(keep)
	}
	t.text.WriteString(s)
}

// Text is everything kept.
func (t *Transcript) Text() string { return t.text.String() }

// Mark is a position in the transcript, for Since.
func (t *Transcript) Mark() int { return t.dropped + t.text.Len() }

// Since is the text added after mark, preceded by up to overlap bytes before it.
func (t *Transcript) Since(mark, overlap int) string {
	s := t.text.String()
	i := mark - t.dropped - overlap
	if i < 0 {
		i = 0
	}
	if i > len(s) {
		i = len(s)
	}
	return s[i:]
}

// Tail is the last n bytes of text.
func (t *Transcript) Tail(n int) string {
	s := t.text.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// Ready reports whether the output since mark shows the machine ready: it
// contains pattern, or without one, the output ends like a shell prompt.
func (t *Transcript) Ready(mark int, pattern string) bool {
	if pattern != "" {
		return strings.Contains(t.Since(mark, len(pattern)), pattern)
	}
	s := t.Tail(2)
	return s == "# " || s == "$ "
}
