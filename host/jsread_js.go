package host

import (
	"github.com/hack-pad/safejs"
)

// jsReader reads a setup-time JavaScript object graph (a fetch response and
// its stream, Resource Timing entries) through safejs and keeps the first
// error, so that code reading many properties checks once rather than after
// every step. After an error every read returns a zero value.
type jsReader struct{ err error }

func (r *jsReader) keep(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *jsReader) get(v safejs.Value, name string) safejs.Value {
	if r.err != nil {
		return safejs.Undefined()
	}
	p, err := v.Get(name)
	r.keep(err)
	return p
}

func (r *jsReader) call(v safejs.Value, name string, args ...any) safejs.Value {
	if r.err != nil {
		return safejs.Undefined()
	}
	res, err := v.Call(name, args...)
	r.keep(err)
	return res
}

func (r *jsReader) new(v safejs.Value, args ...any) safejs.Value {
	if r.err != nil {
		return safejs.Undefined()
	}
	res, err := v.New(args...)
	r.keep(err)
	return res
}

func (r *jsReader) int(v safejs.Value) int {
	if r.err != nil {
		return 0
	}
	n, err := v.Int()
	r.keep(err)
	return n
}

func (r *jsReader) bool(v safejs.Value) bool {
	if r.err != nil {
		return false
	}
	b, err := v.Bool()
	r.keep(err)
	return b
}

// str is v as a Go string, or "" when v is not a string (a missing header
// is null).
func (r *jsReader) str(v safejs.Value) string {
	if r.err != nil || v.Type() != safejs.TypeString {
		return ""
	}
	s, err := v.String()
	r.keep(err)
	return s
}

func (r *jsReader) length(v safejs.Value) int {
	if r.err != nil {
		return 0
	}
	n, err := v.Length()
	r.keep(err)
	return n
}

// await waits for a promise the reader produced (see await in await_js.go).
func (r *jsReader) await(p safejs.Value) safejs.Value {
	if r.err != nil {
		return safejs.Undefined()
	}
	v, err := await(safejs.Unsafe(p))
	r.keep(err)
	return safejs.Safe(v)
}
