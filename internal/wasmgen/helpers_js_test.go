package wasmgen

import (
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests instantiate the generated modules in the browser that runs the
// GOOS=js tests (multi-memory and exception handling need a current engine).

func compile(t *testing.T, b []byte) js.Value {
	t.Helper()
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	var mod js.Value
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("compile: %v", p)
			}
		}()
		mod = js.Global().Get("WebAssembly").Get("Module").New(u)
	}()
	return mod
}

func sharedMemory(pages int) js.Value {
	return js.Global().Get("WebAssembly").Get("Memory").New(map[string]any{"initial": pages, "maximum": pages, "shared": true})
}

func TestHostMemInBrowser(t *testing.T) {
	bridge, kernel := sharedMemory(1), sharedMemory(2)
	wa := js.Global().Get("WebAssembly")
	perf := js.Global().Get("performance")
	origin := wa.Get("Global").New(map[string]any{"value": "f64", "mutable": false}, perf.Get("timeOrigin"))
	inst := wa.Get("Instance").New(compile(t, HostMem()), map[string]any{
		"env": map[string]any{"now": perf.Get("now").Call("bind", perf), "origin": origin, "bridge": bridge, "memory": kernel},
	})
	x := inst.Get("exports")
	call := func(name string, args ...any) js.Value { return x.Call(name, args...) }

	call("store32", 8, 41)
	assert.Equal(t, 41, call("add32", 8, 1).Int(), "add returns the old value")
	assert.Equal(t, 42, call("load32", 8).Int())
	assert.Equal(t, 42, call("cas32", 8, 42, 7).Int())
	assert.Equal(t, 7, call("xchg32", 8, 3).Int())
	assert.Equal(t, 3, call("or32", 8, 4).Int())
	assert.Equal(t, 7, call("and32", 8, 5).Int())
	assert.Equal(t, 5, call("load32", 8).Int())
	// The bridge is memory 0: JS sees the same word.
	assert.Equal(t, 5, js.Global().Get("Int32Array").New(bridge.Get("buffer")).Index(2).Int())

	call("store8", 13, 0x1ab)
	assert.Equal(t, 0xab, call("load8", 13).Int())

	// 64-bit compare-exchange takes BigInts.
	big := js.Global().Get("BigInt")
	assert.Equal(t, "0", str(call("cas64", 16, big.Invoke(0), big.Invoke(123456789012))))
	assert.Equal(t, "123456789012", str(call("load64", 16)))

	// Copies in both directions between the two memories.
	k := js.Global().Get("Uint8Array").New(kernel.Get("buffer"))
	b := js.Global().Get("Uint8Array").New(bridge.Get("buffer"))
	for i := 0; i < 5; i++ {
		k.SetIndex(70000+i, 'a'+i)
	}
	call("copy_in", 100, 70000, 5)
	assert.Equal(t, "abcde", js.Global().Get("TextDecoder").New().Call("decode", b.Call("slice", 100, 105)).String())
	call("copy_out", 120000, 101, 3)
	assert.Equal(t, int('b'), k.Index(120000).Int())
	assert.Equal(t, int('d'), k.Index(120002).Int())

	// wait32 traps on a page's main thread, where these tests run; the e2e
	// boots exercise it in workers on every task switch.
	assert.Equal(t, 0, call("notify", 8, 1).Int(), "nobody waits")

	// The clock is nanoseconds since the epoch and moves forward.
	t1 := str(call("now_ns"))
	t2 := str(call("now_ns"))
	require.Len(t, t1, 19, "nanoseconds since 1970 have 19 digits: %s", t1)
	assert.LessOrEqual(t, t1, t2)
}

func TestShimsInBrowser(t *testing.T) {
	wa := js.Global().Get("WebAssembly")
	tag := wa.Get("Tag").New(map[string]any{"parameters": []any{"i32"}})
	big := js.Global().Get("BigInt")
	var result js.Value = big.Invoke(5)
	goSerialize := js.FuncOf(func(js.Value, []js.Value) any { return result })
	defer goSerialize.Release()
	goTail := js.FuncOf(func(js.Value, []js.Value) any { return result })
	defer goTail.Release()
	shims := []Shim{{Name: "serialize", Params: []ValType{I32, I32}}, {Name: "tail", Params: []ValType{I32}, Void: true}}
	inst := wa.Get("Instance").New(compile(t, Shims(shims)), map[string]any{
		ShimModule: map[string]any{"serialize": goSerialize, "tail": goTail},
		TagModule:  map[string]any{TagName: tag},
	})
	x := inst.Get("exports")

	assert.Equal(t, 5, x.Call("serialize", 1, 2).Int(), "a non-negative result passes through")
	assert.True(t, x.Call("tail", 1).IsUndefined())

	// A negative result -n throws the tag with n.
	result = big.Invoke(-4)
	for _, name := range []string{"serialize", "tail"} {
		e := thrown(func() { x.Call(name, 1, 2) })
		require.True(t, e.InstanceOf(wa.Get("Exception")), "%s threw %v", name, e)
		assert.True(t, e.Call("is", tag).Bool())
		assert.Equal(t, 4, e.Call("getArg", tag, 0).Int())
	}
}

// str converts via JS String(): syscall/js has no BigInt type.
func str(v js.Value) string { return js.Global().Call("String", v).String() }

// thrown runs f and returns the JS value it threw (undefined if none).
func thrown(f func()) (v js.Value) {
	v = js.Undefined()
	defer func() {
		if p := recover(); p != nil {
			if je, ok := p.(js.Error); ok {
				v = je.Value
				return
			}
			panic(p)
		}
	}()
	f()
	return v
}

// Through the forwarder, once its table holds hostmem's exports, every call
// reaches hostmem; before that, a call traps instead of doing anything.
func TestHostMemForwarderInBrowser(t *testing.T) {
	wa := js.Global().Get("WebAssembly")
	names := HostMemNames()
	table := wa.Get("Table").New(map[string]any{"element": "anyfunc", "initial": len(names)})
	fw := wa.Get("Instance").New(compile(t, HostMemForwarder()), map[string]any{"env": map[string]any{"hostmem": table}})
	fx := fw.Get("exports")

	trapped := func() (r any) {
		defer func() { r = recover() }()
		fx.Call("load32", 8)
		return nil
	}()
	assert.NotNil(t, trapped, "an empty slot traps")

	bridge, kernel := sharedMemory(1), sharedMemory(1)
	perf := js.Global().Get("performance")
	origin := wa.Get("Global").New(map[string]any{"value": "f64", "mutable": false}, perf.Get("timeOrigin"))
	hm := wa.Get("Instance").New(compile(t, HostMem()), map[string]any{
		"env": map[string]any{"now": perf.Get("now").Call("bind", perf), "origin": origin, "bridge": bridge, "memory": kernel},
	}).Get("exports")
	for i, n := range names {
		table.Call("set", i, hm.Get(n))
	}
	fx.Call("store32", 8, 41)
	assert.Equal(t, 41, fx.Call("add32", 8, 1).Int())
	assert.Equal(t, 42, hm.Call("load32", 8).Int(), "the forwarder acts on hostmem's memory")
	big := js.Global().Get("BigInt")
	assert.Equal(t, "0", str(fx.Call("cas64", 16, big.Invoke(0), big.Invoke(7))))
	assert.Equal(t, "7", str(fx.Call("load64", 16)))
	require.Len(t, str(fx.Call("now_ns")), 19)
}

// A wasm64 kernel's memory is a memory64: the helper built for it copies
// between the 32-bit bridge and it with Go's 32-bit addresses.
func TestHostMemMemory64InBrowser(t *testing.T) {
	wa := js.Global().Get("WebAssembly")
	big := js.Global().Get("BigInt")
	bridge := sharedMemory(1)
	kernel := wa.Get("Memory").New(map[string]any{"initial": big.Invoke(2), "maximum": big.Invoke(2), "shared": true, "address": "i64"})
	perf := js.Global().Get("performance")
	origin := wa.Get("Global").New(map[string]any{"value": "f64", "mutable": false}, perf.Get("timeOrigin"))
	inst := wa.Get("Instance").New(compile(t, HostMemFor(true)), map[string]any{
		"env": map[string]any{"now": perf.Get("now").Call("bind", perf), "origin": origin, "bridge": bridge, "memory": kernel},
	})
	x := inst.Get("exports")
	k := js.Global().Get("Uint8Array").New(kernel.Get("buffer"))
	b := js.Global().Get("Uint8Array").New(bridge.Get("buffer"))
	for i := 0; i < 4; i++ {
		k.SetIndex(70000+i, 10+i)
	}
	x.Call("copy_in", 100, 70000, 4)
	for i := 0; i < 4; i++ {
		assert.Equal(t, 10+i, b.Index(100+i).Int())
	}
	x.Call("copy_out", 80000, 101, 2)
	assert.Equal(t, 11, k.Index(80000).Int())
	assert.Equal(t, 12, k.Index(80001).Int())
}
