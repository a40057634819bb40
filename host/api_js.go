package host

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall/js"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/linuxwasm/gohost/internal/cpio"
)

// API is the page-facing facade installed as globalThis.gohost: boot with
// options, send input, wait for output, read the status, reboot, and
// subscribe to events. The page's UI and the e2e tests use only this.
type API struct {
	assets    *Assets
	machine   *Machine
	lastOpts  Options
	listeners map[string][]listener
	nextID    int
	// ran: the current machine reached the boot stage, so a reboot is a
	// real second try; a kernel refused before that would only fail again.
	ran bool
	// endedMs is the uptime at which the current machine failed, panicked,
	// halted or was stopped (-1 while it lives): an ended machine's uptime
	// stands still.
	endedMs int64
	text    *Transcript
	waiters []*waiter
	funcs   []js.Func
	backlog safejs.Value // setConsoleBacklog's function, or undefined
}

// listener is one on() subscription; id tells two subscriptions of the
// same function apart for their unsubscribe functions.
type listener struct {
	id int
	fn safejs.Value
}

// EventTypes are the events on() takes.
var EventTypes = []string{"stage", "progress", "console", "log", "error", "stall"}

// bootKeys are the options boot() takes; any other key is refused by name.
var bootKeys = []string{"kernel", "initrd", "cmdline", "files", "readyPattern", "poolFloor", "poolCeiling", "memcheck"}

type waiter struct {
	pattern  string // for the timeout's message
	timeout  time.Duration
	match    func(t *Transcript, mark int) bool
	mark     int // transcript position checked up to
	resolve  js.Value
	reject   js.Value
	deadline time.Time
}

// Install creates the API object on globalThis and announces it with a
// gohost-ready event on window.
func Install(workerURL string) *API {
	a := &API{assets: LoadAssets(workerURL), listeners: map[string][]listener{}, endedMs: -1}
	current = a
	obj := js.Global().Get("Object").New()
	method := func(name string, f func(args []js.Value) any) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) (r any) {
			if err := guard("gohost."+name, func() error { r = f(args); return nil }); err != nil {
				a.Error(ErrorEvent{Title: "Host error", Message: err.Error()})
				r = nil
			}
			return r
		})
		a.funcs = append(a.funcs, fn)
		obj.Set(name, fn)
	}
	method("boot", a.boot)
	method("reboot", a.reboot)
	method("input", func(args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeString {
			return refusal("gohost.input takes a string, not " + typeName(args, 0))
		}
		if a.machine != nil {
			s, _ := safejs.Safe(args[0]).String()
			a.machine.Input(s)
		}
		return nil
	})
	// setConsoleBacklog(fn): fn() says how many console bytes the page has
	// been given and not yet consumed; the host stays ConsoleBacklogMax
	// ahead of it at most (see Machine.drainConsoleUpTo).
	method("setConsoleBacklog", func(args []js.Value) any {
		a.backlog = safejs.Value{}
		if len(args) > 0 && args[0].Type() == js.TypeFunction {
			a.backlog = safejs.Safe(args[0])
		}
		return nil
	})
	method("on", a.on)
	method("status", func([]js.Value) any {
		if a.machine == nil {
			return map[string]any{"stage": "idle"}
		}
		s := a.machine.Status()
		if a.endedMs >= 0 {
			s["uptimeMs"] = a.endedMs
		}
		return s
	})
	method("parseParams", func(args []js.Value) any {
		return parseParamsJS(args)
	})
	method("output", func([]js.Value) any {
		if a.text == nil {
			return ""
		}
		return a.text.Text()
	})
	method("waitFor", a.waitFor)
	// debugState(): the machine's state dump (debug.go) as a plain object,
	// or null without a running machine.
	method("debugState", func([]js.Value) any {
		if a.machine == nil {
			return nil
		}
		if d := a.machine.DebugState(); d != nil {
			return d.Map()
		}
		return nil
	})
	method("stop", func([]js.Value) any {
		if a.machine != nil {
			a.freezeUptime()
			a.machine.Stop()
		}
		return nil
	})
	js.Global().Set("gohost", obj)
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("gohost-ready"))
	return a
}

// refusal is what a method returns for arguments it refuses: a TypeError
// that names them. www/gohost.js throws it, so callers of the API it returns
// see an exception; the raw object's callers get it as the result.
func refusal(msg string) js.Value {
	return js.Global().Get("TypeError").New(msg)
}

// typeName describes args[i] for a refusal: its JavaScript type.
func typeName(args []js.Value, i int) string {
	if i >= len(args) {
		return "nothing"
	}
	switch t := args[i].Type(); t {
	case js.TypeNull:
		return "null"
	case js.TypeObject:
		if ok, _ := instanceOf(safejs.Safe(args[i]), "Array"); ok {
			return "an array"
		}
		return "an object"
	default:
		return "a " + t.String()
	}
}

// on(type, fn) subscribes fn to an event type and returns the function that
// unsubscribes it. That function is released by its first call; gohost.js
// makes later calls do nothing rather than call a released function.
func (a *API) on(args []js.Value) any {
	if len(args) == 0 || args[0].Type() != js.TypeString {
		return refusal("gohost.on: the event type must be a string (one of " + strings.Join(EventTypes, ", ") + "), not " + typeName(args, 0))
	}
	typ, _ := safejs.Safe(args[0]).String()
	if !containsString(EventTypes, typ) {
		return refusal(fmt.Sprintf("gohost.on: unknown event %q (known: %s)", typ, strings.Join(EventTypes, ", ")))
	}
	if len(args) < 2 || args[1].Type() != js.TypeFunction {
		return refusal(fmt.Sprintf("gohost.on(%q, fn): fn must be a function, not %s", typ, typeName(args, 1)))
	}
	a.nextID++
	id := a.nextID
	a.listeners[typ] = append(a.listeners[typ], listener{id: id, fn: safejs.Safe(args[1])})
	var off safejs.Func
	off, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		ls := a.listeners[typ]
		for i, l := range ls {
			if l.id == id {
				a.listeners[typ] = append(ls[:i:i], ls[i+1:]...)
				break
			}
		}
		off.Release()
		return nil
	})
	if err != nil {
		return nil
	}
	return safejs.Unsafe(off.Value())
}

// instanceOf reports whether v is an instance of the global constructor name.
func instanceOf(v safejs.Value, name string) (bool, error) {
	c, err := safejs.Global().Get(name)
	if err != nil {
		return false, err
	}
	return v.InstanceOf(c)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseParamsJS is gohost.parseParams(search, base): ParseParams for the
// page, as {kernel, initrd, cmdline, selftest, memcheck, problems, message}; problems
// is empty when the parameters can be used.
func parseParamsJS(args []js.Value) any {
	str := func(i int) string {
		if i >= len(args) || args[i].Type() != js.TypeString {
			return ""
		}
		s, _ := safejs.Safe(args[i]).String()
		return s
	}
	p, err := ParseParams(str(0), str(1))
	problems := []any{}
	msg := ""
	var pe *ParamsError
	if errors.As(err, &pe) {
		for _, s := range pe.Problems {
			problems = append(problems, s)
		}
		msg = pe.Error()
	}
	return map[string]any{"kernel": p.Kernel, "initrd": p.Initrd, "cmdline": p.Cmdline, "selftest": p.SelfTest,
		"memcheck": p.Memcheck, "problems": problems, "message": msg}
}

// freezeUptime stops the current machine's uptime where it is.
func (a *API) freezeUptime() {
	if a.machine == nil || a.endedMs >= 0 {
		return
	}
	if ms, ok := a.machine.Status()["uptimeMs"].(int64); ok {
		a.endedMs = ms
	} else {
		a.endedMs = 0
	}
}

// promise runs f in a goroutine and settles a JS promise with its result.
func promise(f func() (any, error)) js.Value {
	var exec js.Func
	exec = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			var v any
			err := guard("boot", func() (e error) { v, e = f(); return e })
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		exec.Release()
		return nil
	})
	return js.Global().Get("Promise").New(exec)
}

func (a *API) boot(args []js.Value) any {
	o := safejs.Undefined()
	if len(args) > 0 {
		o = safejs.Safe(args[0])
	}
	opts, files, err := bootOptions(o)
	return promise(func() (any, error) {
		if err != nil {
			return nil, err // refused before anything changes
		}
		if !files.IsUndefined() && !files.IsNull() {
			fs, err := readFiles(files)
			if err != nil {
				return nil, err
			}
			opts.Files = fs
		}
		return nil, a.start(opts)
	})
}

// bootOptions reads gohost.boot's options. A key present with the wrong type
// or an out-of-range value is an error that names it, never silently ignored;
// undefined and null mean the default.
func bootOptions(o safejs.Value) (Options, safejs.Value, error) {
	opts := Options{KernelURL: DefaultKernelURL, InitrdURL: DefaultInitrdURL, Cmdline: DefaultCmdline, PoolFloor: DefaultPoolFloor, PoolCeiling: DefaultPoolCeiling}
	files := safejs.Undefined()
	if o.IsUndefined() || o.IsNull() {
		return opts, files, nil
	}
	if o.Type() != safejs.TypeObject {
		return opts, files, errors.New("gohost.boot: the options must be an object")
	}
	if err := refuseUnknownKeys(o); err != nil {
		return opts, files, err
	}
	get := func(key string) (safejs.Value, bool, error) {
		v, err := o.Get(key)
		if err != nil {
			return v, false, err
		}
		return v, !v.IsUndefined() && !v.IsNull(), nil
	}
	str := func(key string, dst *string) error {
		v, ok, err := get(key)
		if err != nil || !ok {
			return err
		}
		if v.Type() != safejs.TypeString {
			return fmt.Errorf("gohost.boot: %s must be a string", key)
		}
		*dst, err = v.String()
		return err
	}
	count := func(key string, max int, dst *int) error {
		v, ok, err := get(key)
		if err != nil || !ok {
			return err
		}
		f := -1.0
		if v.Type() == safejs.TypeNumber {
			if f, err = v.Float(); err != nil {
				return err
			}
		}
		if f < 0 || f > float64(max) || f != math.Trunc(f) {
			return fmt.Errorf("gohost.boot: %s must be a whole number from 0 to %d", key, max)
		}
		*dst = int(f)
		return nil
	}
	boolean := func(key string, dst *bool) error {
		v, ok, err := get(key)
		if err != nil || !ok {
			return err
		}
		if v.Type() != safejs.TypeBoolean {
			return fmt.Errorf("gohost.boot: %s must be true or false", key)
		}
		*dst, err = v.Bool()
		return err
	}
	for _, err := range []error{
		str("kernel", &opts.KernelURL), str("initrd", &opts.InitrdURL), str("cmdline", &opts.Cmdline),
		str("readyPattern", &opts.ReadyPattern),
		count("poolFloor", 64, &opts.PoolFloor), count("poolCeiling", WorkerLimit, &opts.PoolCeiling),
		boolean("memcheck", &opts.Memcheck),
	} {
		if err != nil {
			return opts, files, err
		}
	}
	files, ok, err := get("files")
	if err == nil && ok && files.Type() != safejs.TypeObject {
		err = errors.New("gohost.boot: files must be an array of File objects")
	}
	return opts, files, err
}

// refuseUnknownKeys names the first option boot does not know (a typo such
// as cmdLine would otherwise boot with the default silently).
func refuseUnknownKeys(o safejs.Value) error {
	var r jsReader
	keys := r.call(r.get(safejs.Global(), "Object"), "keys", o)
	for i, n := 0, r.length(keys); i < n && r.err == nil; i++ {
		k := r.str(r.index(keys, i))
		if r.err == nil && !containsString(bootKeys, k) {
			return fmt.Errorf("gohost.boot: unknown option %q (known: %s)", k, strings.Join(bootKeys, ", "))
		}
	}
	return r.err
}

func (a *API) reboot([]js.Value) any {
	return promise(func() (any, error) {
		if a.lastOpts.KernelURL == "" {
			return nil, errors.New("nothing has been booted yet")
		}
		return nil, a.start(a.lastOpts)
	})
}

// start discards the current machine, all its workers and memory, and boots
// a new one.
func (a *API) start(opts Options) error {
	if a.machine != nil {
		a.machine.Stop()
	}
	a.lastOpts = opts
	a.ran, a.endedMs = false, -1
	a.text = NewTranscript(16 << 20)
	for _, w := range a.waiters {
		w.mark = 0 // a new machine: look at all of its output
	}
	a.machine = NewMachine(opts, a.assets, a, a.text)
	return a.machine.Boot()
}

// readFiles reads File objects (from a file input or a drop) into memory.
func readFiles(list safejs.Value) ([]cpio.File, error) {
	var r jsReader
	var out []cpio.File
	n := r.length(list)
	for i := 0; i < n && r.err == nil; i++ {
		f := r.index(list, i)
		name := r.str(r.get(f, "name"))
		buf := r.await(r.call(f, "arrayBuffer"))
		b := r.bytes(r.new(r.get(safejs.Global(), "Uint8Array"), buf))
		if r.err != nil {
			if name == "" {
				name = "file " + strconv.Itoa(i+1)
			}
			return nil, fmt.Errorf("cannot read %s: %v", name, r.err)
		}
		out = append(out, cpio.File{Name: name, Mode: 0o644, Data: b})
	}
	if r.err != nil {
		return nil, fmt.Errorf("cannot read the files: %v", r.err)
	}
	return out, nil
}

// waitFor(textOrRegExp, timeoutMs) resolves with the console text once it
// contains the string or matches the RegExp, and rejects on timeout.
func (a *API) waitFor(args []js.Value) any {
	isRegExp := false
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		isRegExp, _ = instanceOf(safejs.Safe(args[0]), "RegExp")
	}
	if len(args) == 0 || (args[0].Type() != js.TypeString && !isRegExp) {
		return js.Global().Get("Promise").Call("reject", refusal("gohost.waitFor needs a string or a RegExp, not "+typeName(args, 0)))
	}
	pat := args[0]
	timeout := 30 * time.Second
	if len(args) > 1 && args[1].Type() == js.TypeNumber {
		timeout = time.Duration(args[1].Float()) * time.Millisecond
	} else if len(args) > 1 && !args[1].IsUndefined() {
		return js.Global().Get("Promise").Call("reject", refusal("gohost.waitFor: the timeout must be a number of milliseconds, not "+typeName(args, 1)))
	}
	var pattern string
	if isRegExp {
		v, _ := safejs.Safe(pat).Call("toString")
		pattern, _ = v.String()
	} else {
		s, _ := safejs.Safe(pat).String()
		pattern = strconv.Quote(s)
	}
	// A string is looked for only in the text added since the last check
	// (with an overlap); a RegExp, which may span anything, sees the whole text.
	var match func(t *Transcript, mark int) bool
	if pat.Type() == js.TypeString {
		s := pat.String()
		match = func(t *Transcript, mark int) bool { return strings.Contains(t.Since(mark, len(s)), s) }
	} else {
		match = func(t *Transcript, _ int) bool { pat.Set("lastIndex", 0); return pat.Call("test", t.Text()).Bool() }
	}
	var exec js.Func
	exec = js.FuncOf(func(_ js.Value, pargs []js.Value) any {
		w := &waiter{pattern: pattern, timeout: timeout, match: match, resolve: pargs[0], reject: pargs[1], deadline: time.Now().Add(timeout)}
		if a.text == nil {
			a.text = NewTranscript(16 << 20)
		}
		a.waiters = append(a.waiters, w)
		a.checkWaiters()
		exec.Release()
		return nil
	})
	p := js.Global().Get("Promise").New(exec)
	var tick js.Func
	tick = js.FuncOf(func(js.Value, []js.Value) any {
		a.checkWaiters()
		tick.Release()
		return nil
	})
	js.Global().Call("setTimeout", tick, timeout.Milliseconds()+1)
	return p
}

func (a *API) checkWaiters() {
	t := a.text
	if t == nil {
		return
	}
	kept := a.waiters[:0]
	for _, w := range a.waiters {
		switch {
		case w.match(t, w.mark):
			w.resolve.Invoke(t.Text())
		case time.Now().After(w.deadline):
			w.reject.Invoke(js.Global().Get("Error").New(timeoutMessage(w.pattern, w.timeout, t.Tail(4096))))
		default:
			w.mark = t.Mark()
			kept = append(kept, w)
		}
	}
	a.waiters = kept
}

// The Events a Machine reports, fanned out to the page's listeners.

func (a *API) emit(typ string, v any) {
	for _, l := range append([]listener(nil), a.listeners[typ]...) {
		if _, err := l.fn.Invoke(v); err != nil {
			js.Global().Get("console").Call("error", "gohost: "+typ+" listener failed: "+err.Error())
		}
	}
}

func (a *API) Stage(stage, detail string) {
	switch stage {
	case "boot", "running", "ready":
		a.ran = true
	case "failed", "panic", "halted":
		a.freezeUptime()
	}
	a.emit("stage", map[string]any{"stage": stage, "detail": detail})
}

func (a *API) Progress(what string, loaded, total int, cached bool) {
	a.emit("progress", map[string]any{"what": what, "loaded": loaded, "total": total, "cached": cached})
}

func (a *API) Console(b js.Value) {
	a.emit("console", b)
	if len(a.waiters) > 0 {
		a.checkWaiters()
	}
}

func (a *API) ConsoleBacklog() int {
	if a.backlog.IsUndefined() {
		return 0
	}
	v, err := a.backlog.Invoke()
	if err != nil {
		return 0
	}
	n, err := v.Int()
	if err != nil {
		return 0
	}
	return n
}

func (a *API) Log(text string) { a.emit("log", text) }

// Stall is the hang watchdog's report, or the kernel's own fault report
// (kernel non-nil; source "kernel"): the page shows it and keeps it with the
// log download.
func (a *API) Stall(why, text string, state, kernel map[string]any) {
	ev := map[string]any{"reason": why, "text": text, "state": state, "source": "host"}
	if kernel != nil {
		ev["kernel"] = kernel
		if kernel["summary"] == why {
			ev["source"] = "kernel"
		}
	}
	a.emit("stall", ev)
}

func (a *API) Error(e ErrorEvent) {
	details := make([]any, len(e.Details))
	for i, d := range e.Details {
		details[i] = d
	}
	// reboot: whether booting the same options again can help (the machine
	// ran, and then panicked, halted or failed), or would fail the same way.
	a.emit("error", map[string]any{"title": e.Title, "message": e.Message, "details": details, "stack": e.Stack, "reboot": a.ran})
}
