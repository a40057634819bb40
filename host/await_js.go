package host

import (
	"errors"
	"fmt"
	"syscall/js"
)

// await waits for a JS promise from a goroutine (never from a callback that
// JS is waiting on).
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: arg0(args)}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: jsErr(arg0(args))}
		return nil
	})
	p.Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}

// jsErr turns a thrown JS value into a Go error with its message.
func jsErr(v js.Value) error {
	if v.Type() == js.TypeObject {
		if m := v.Get("message"); m.Type() == js.TypeString {
			return errors.New(m.String())
		}
	}
	return errors.New(v.String())
}

// try runs f, turning a thrown JS exception (a js.Error panic) into an error.
func try(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if je, ok := p.(js.Error); ok {
				err = jsErr(je.Value)
				return
			}
			panic(p)
		}
	}()
	f()
	return nil
}

// guard runs f and turns a Go panic into an error. Every entry from JS into
// Go on the main thread goes through it: an escaped panic would end the Go
// program and leave the page frozen with no message.
func guard(where string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			switch v := p.(type) {
			case js.Error:
				err = fmt.Errorf("%s: %v", where, jsErr(v.Value))
			case error:
				err = fmt.Errorf("%s: internal error: %v", where, v)
			default:
				err = fmt.Errorf("%s: internal error: %v", where, v)
			}
		}
	}()
	return f()
}
