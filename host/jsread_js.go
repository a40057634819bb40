package host

import (
	"github.com/hack-pad/safejs"
)

// jsReader reads a setup-time JavaScript object graph (a fetch response and
// its stream, Resource Timing entries, boot files) through safejs and keeps
// the first error, so that code reading many properties checks once rather
// than after every step. After an error every read returns a zero value.
type jsReader struct{ err error }

func (r *jsReader) keep(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

// read runs f unless an earlier read failed, and keeps its error.
func read[T any](r *jsReader, f func() (T, error)) T {
	var v T
	if r.err == nil {
		var err error
		v, err = f()
		r.keep(err)
	}
	return v
}

func (r *jsReader) get(v safejs.Value, name string) safejs.Value {
	return read(r, func() (safejs.Value, error) { return v.Get(name) })
}

func (r *jsReader) call(v safejs.Value, name string, args ...any) safejs.Value {
	return read(r, func() (safejs.Value, error) { return v.Call(name, args...) })
}

func (r *jsReader) new(v safejs.Value, args ...any) safejs.Value {
	return read(r, func() (safejs.Value, error) { return v.New(args...) })
}

func (r *jsReader) int(v safejs.Value) int    { return read(r, v.Int) }
func (r *jsReader) bool(v safejs.Value) bool  { return read(r, v.Bool) }
func (r *jsReader) length(v safejs.Value) int { return read(r, v.Length) }
func (r *jsReader) index(v safejs.Value, i int) safejs.Value {
	return read(r, func() (safejs.Value, error) { return v.Index(i) })
}

// str is v as a Go string, or "" when v is not a string (a missing header
// is null).
func (r *jsReader) str(v safejs.Value) string {
	if v.Type() != safejs.TypeString {
		return ""
	}
	return read(r, v.String)
}

// bytes copies a Uint8Array into Go memory.
func (r *jsReader) bytes(u safejs.Value) []byte {
	b := make([]byte, r.length(u))
	read(r, func() (int, error) { return safejs.CopyBytesToGo(b, u) })
	return b
}

// await waits for a promise the reader produced (see await in await_js.go).
func (r *jsReader) await(p safejs.Value) safejs.Value {
	return read(r, func() (safejs.Value, error) {
		v, err := await(safejs.Unsafe(p))
		return safejs.Safe(v), err
	})
}
