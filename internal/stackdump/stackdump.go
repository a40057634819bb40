//go:build !js

// Package stackdump looks inside a stuck page from the test harness: it
// attaches to every worker of a page through the DevTools protocol
// (Target.setAutoAttach, flat sessions), pauses each (Debugger.pause) and
// reads its call stack, wasm frames named from the modules' name sections
// ($conf_stall_spin; a stripped module's functions read $func123). A worker
// that does not pause in time is profiled instead for a short while
// (Profiler). That is how the spinning workers of issue 19 were found; the
// soak and the e2e tests call it when a machine stops answering and write
// its text beside the state dump.
//
// What Chromium 156 does, measured here: a worker spinning in a wasm loop
// or parked in an atomic wait takes the inspector's interrupt and pauses
// there; a worker idle in its event loop does not pause until a message
// comes (its profile says no code ran). A worker answers Profiler commands
// only after Debugger.enable. Its profile attributes samples in wasm code
// compiled before the profile began to the module's js-to-wasm entry, not
// to a wasm function: it tells that the worker runs wasm, not where (the
// text says so). A browser-wide trace with V8's sampling profiler does the
// same.
//
// It uses its own DevTools connection (browsertest.DevToolsURL): chromedp's
// connection drops the messages of sessions it did not open itself, and
// chromedp's attach evaluates JavaScript in the target, which a spinning
// worker never answers.
package stackdump

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp/remote"
)

// Options bound how long a dump takes.
type Options struct {
	// EnableWait is how long a worker has to answer its first command
	// (default 20 s: Debugger.enable recompiles the worker's wasm for
	// debugging, which takes seconds on a loaded machine).
	EnableWait time.Duration
	// PauseWait is how long a worker has to pause, and to answer later
	// commands (default 5 s).
	PauseWait time.Duration
	// ProfileFor is how long a worker that did not pause is profiled
	// (default 1 s), at ProfileInterval (default 200 µs).
	ProfileFor, ProfileInterval time.Duration
	// AttachWait is how long to collect the workers after asking for them
	// (default 1 s).
	AttachWait time.Duration
	// NoPause profiles every worker without trying to pause it first (the
	// way a worker that will not pause is seen).
	NoPause bool
}

func (o *Options) defaults() {
	if o.EnableWait <= 0 {
		o.EnableWait = 20 * time.Second
	}
	if o.PauseWait <= 0 {
		o.PauseWait = 5 * time.Second
	}
	if o.ProfileFor <= 0 {
		o.ProfileFor = time.Second
	}
	if o.ProfileInterval <= 0 {
		o.ProfileInterval = 200 * time.Microsecond
	}
	if o.AttachWait <= 0 {
		o.AttachWait = time.Second
	}
}

// Frame is one call frame, innermost first.
type Frame struct {
	Function string // "$conf_stall_spin" for a named wasm function
	URL      string
	Line     int64
	Column   int64 // a wasm frame's byte offset in the module
}

func (f Frame) String() string {
	fn := f.Function
	if fn == "" {
		fn = "(anonymous)"
	}
	if f.Line == 0 && strings.HasPrefix(fn, "$") {
		// a wasm frame: its position is a byte offset in the module
		return fmt.Sprintf("%s  %s+0x%x", fn, shortURL(f.URL), f.Column)
	}
	return fmt.Sprintf("%s  %s:%d:%d", fn, shortURL(f.URL), f.Line+1, f.Column+1)
}

// Share is a function's part of a profile's samples.
type Share struct {
	Function string
	Samples  int
}

// Profile is a worker's CPU profile, summarised.
type Profile struct {
	Duration time.Duration
	Samples  int
	Self     []Share // by samples on top of the stack, most first
	Heaviest []Frame // the most sampled stack, innermost first
}

// Worker is what was seen of one worker.
type Worker struct {
	TargetID string
	Title    string
	URL      string
	Paused   bool
	Frames   []Frame  // its stack when it paused
	Profile  *Profile // when it did not
	Err      string   // why it did not pause, or could not be profiled
	// EnableTook is how long its Debugger.enable took.
	EnableTook time.Duration
}

// Report is a dump of every worker of a page.
type Report struct {
	Page    string
	Took    time.Duration
	Workers []Worker
}

// Dump attaches to the workers of the page target pageID in the browser at
// the DevTools websocket address wsURL and reads their stacks.
func Dump(ctx context.Context, wsURL string, pageID target.ID, opts Options) (*Report, error) {
	opts.defaults()
	t0 := time.Now()
	c, err := dial(ctx, wsURL)
	if err != nil {
		return nil, err
	}
	defer c.close()

	var att target.AttachToTargetResult
	if err := c.call(ctx, "", target.CommandAttachToTarget, target.AttachToTargetParams{TargetID: pageID, Flatten: ptr(true)}, &att); err != nil {
		return nil, fmt.Errorf("stackdump: attaching to the page: %w", err)
	}
	page := att.SessionID
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = c.call(dctx, "", target.CommandDetachFromTarget, target.DetachFromTargetParams{SessionID: page}, nil)
	}()
	pageEvents := c.subscribe(page)
	if err := c.call(ctx, page, target.CommandSetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, Flatten: ptr(true)}, nil); err != nil {
		return nil, fmt.Errorf("stackdump: auto-attach: %w", err)
	}
	// The workers that exist now are announced at once; collect them.
	var workers []*target.EventAttachedToTarget
	deadline := time.After(opts.AttachWait)
collect:
	for {
		select {
		case m := <-pageEvents:
			if m.Method != cdproto.EventTargetAttachedToTarget {
				continue
			}
			var ev target.EventAttachedToTarget
			if jsonv2.Unmarshal(m.Params, &ev) == nil && ev.TargetInfo != nil && ev.TargetInfo.Type == "worker" {
				workers = append(workers, &ev)
			}
		case <-deadline:
			break collect
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	r := &Report{Page: string(pageID), Workers: make([]Worker, len(workers))}
	var wg sync.WaitGroup
	for i, ev := range workers {
		r.Workers[i] = Worker{TargetID: string(ev.TargetInfo.TargetID), Title: ev.TargetInfo.Title, URL: ev.TargetInfo.URL}
		wg.Add(1)
		go func(w *Worker, s target.SessionID) {
			defer wg.Done()
			c.inspect(ctx, s, w, opts)
		}(&r.Workers[i], ev.SessionID)
	}
	wg.Wait()
	// Let the paused workers run again, and leave every worker as it was:
	// the debugger off, the session closed.
	for i, ev := range workers {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if r.Workers[i].Paused {
			_ = c.call(cctx, ev.SessionID, debugger.CommandResume, debugger.ResumeParams{}, nil)
		}
		if r.Workers[i].EnableTook > 0 {
			_ = c.call(cctx, ev.SessionID, debugger.CommandDisable, nil, nil)
		}
		_ = c.call(cctx, page, target.CommandDetachFromTarget, target.DetachFromTargetParams{SessionID: ev.SessionID}, nil)
		cancel()
	}
	sort.SliceStable(r.Workers, func(i, j int) bool { return r.Workers[i].Title < r.Workers[j].Title })
	r.Took = time.Since(t0)
	return r, nil
}

// inspect pauses one worker and reads its stack, or profiles it.
func (c *client) inspect(ctx context.Context, s target.SessionID, w *Worker, opts Options) {
	events := c.subscribe(s)
	scripts := map[string]string{} // script id -> URL
	note := func(m *cdproto.Message) (paused *debugger.EventPaused) {
		switch m.Method {
		case cdproto.EventDebuggerScriptParsed:
			var ev debugger.EventScriptParsed
			if jsonv2.Unmarshal(m.Params, &ev) == nil {
				scripts[string(ev.ScriptID)] = ev.URL
			}
		case cdproto.EventDebuggerPaused:
			var ev debugger.EventPaused
			if jsonv2.Unmarshal(m.Params, &ev) == nil {
				return &ev
			}
		}
		return nil
	}
	frames := func(ev *debugger.EventPaused) []Frame {
		var fs []Frame
		for _, f := range ev.CallFrames {
			fr := Frame{Function: f.FunctionName}
			if f.Location != nil {
				fr.URL, fr.Line = scripts[string(f.Location.ScriptID)], f.Location.LineNumber
				if f.Location.ColumnNumber != nil {
					fr.Column = *f.Location.ColumnNumber
				}
			}
			fs = append(fs, fr)
		}
		return fs
	}
	cmd := func(d time.Duration, method string, params, res any) error {
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		return c.call(cctx, s, method, params, res)
	}
	// Debugger.enable answers once the worker's thread takes the
	// inspector's interrupt; it also lists the scripts (their URLs). Until
	// it has, the worker answers no Profiler command either.
	t0 := time.Now()
	if err := cmd(opts.EnableWait, debugger.CommandEnable, debugger.EnableParams{}, nil); err != nil {
		w.Err = "the worker answers no DevTools command (Debugger.enable: " + err.Error() + ")"
		return
	}
	w.EnableTook = time.Since(t0)
	if !opts.NoPause {
		if err := cmd(opts.PauseWait, debugger.CommandPause, nil, nil); err != nil {
			w.Err = "Debugger.pause: " + err.Error()
			return
		}
		until := time.After(opts.PauseWait)
	wait:
		for {
			select {
			case m := <-events:
				if ev := note(m); ev != nil {
					// It stays paused until Dump resumes it, after the
					// others were profiled.
					w.Paused, w.Frames = true, frames(ev)
					return
				}
			case <-until:
				break wait
			case <-ctx.Done():
				w.Err = ctx.Err().Error()
				return
			}
		}
		w.Err = fmt.Sprintf("did not pause within %v", opts.PauseWait)
	}
	p, err := profile(opts, cmd)
	if err != nil {
		w.Err = strings.TrimPrefix(w.Err+"; ", "; ") + err.Error()
	}
	w.Profile = p
	// A pause that came late still tells where it was.
	for {
		select {
		case m := <-events:
			if ev := note(m); ev != nil {
				w.Paused, w.Frames = true, frames(ev)
			}
			continue
		default:
		}
		return
	}
}

// profile runs the worker's CPU profiler for opts.ProfileFor.
func profile(opts Options, cmd func(time.Duration, string, any, any) error) (*Profile, error) {
	wait := opts.PauseWait
	if err := cmd(wait, profiler.CommandEnable, nil, nil); err != nil {
		return nil, fmt.Errorf("Profiler.enable: %w", err)
	}
	defer cmd(wait, profiler.CommandDisable, nil, nil)
	if err := cmd(wait, profiler.CommandSetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: opts.ProfileInterval.Microseconds()}, nil); err != nil {
		return nil, fmt.Errorf("Profiler.setSamplingInterval: %w", err)
	}
	if err := cmd(wait, profiler.CommandStart, nil, nil); err != nil {
		return nil, fmt.Errorf("Profiler.start: %w", err)
	}
	time.Sleep(opts.ProfileFor)
	var res profiler.StopResult
	if err := cmd(wait, profiler.CommandStop, nil, &res); err != nil {
		return nil, fmt.Errorf("Profiler.stop: %w", err)
	}
	if res.Profile == nil {
		return nil, errors.New("Profiler.stop returned no profile")
	}
	return Summarise(res.Profile), nil
}

// Summarise reads a CPU profile: samples per function on top of the stack,
// and the stack sampled most.
func Summarise(p *profiler.Profile) *Profile {
	out := &Profile{Duration: time.Duration(p.EndTime-p.StartTime) * time.Microsecond, Samples: len(p.Samples)}
	nodes := map[int64]*profiler.ProfileNode{}
	parent := map[int64]int64{}
	for _, n := range p.Nodes {
		nodes[n.ID] = n
		for _, ch := range n.Children {
			parent[ch] = n.ID
		}
	}
	byNode := map[int64]int{}
	self := map[string]int{}
	for _, id := range p.Samples {
		byNode[id]++
		if n := nodes[id]; n != nil && n.CallFrame != nil {
			self[name(n.CallFrame.FunctionName)]++
		}
	}
	for f, k := range self {
		out.Self = append(out.Self, Share{Function: f, Samples: k})
	}
	sort.Slice(out.Self, func(i, j int) bool {
		if out.Self[i].Samples != out.Self[j].Samples {
			return out.Self[i].Samples > out.Self[j].Samples
		}
		return out.Self[i].Function < out.Self[j].Function
	})
	// The heaviest stack: the node most sampled that is not the profiler's
	// own bookkeeping, from it up to the root.
	var top int64 = -1
	for id, k := range byNode {
		n := nodes[id]
		if n == nil || n.CallFrame == nil || isMeta(n.CallFrame.FunctionName) {
			continue
		}
		if top < 0 || k > byNode[top] || (k == byNode[top] && id < top) {
			top = id
		}
	}
	for id, ok := top, top >= 0; ok; id, ok = parent[id] {
		n := nodes[id]
		if n == nil || n.CallFrame == nil || n.CallFrame.FunctionName == "(root)" {
			break
		}
		cf := n.CallFrame
		out.Heaviest = append(out.Heaviest, Frame{Function: cf.FunctionName, URL: cf.URL, Line: cf.LineNumber, Column: cf.ColumnNumber})
	}
	return out
}

// Code is how many samples found code running (not idle, not the
// profiler's or the collector's own).
func (p *Profile) Code() int {
	n := 0
	for _, s := range p.Self {
		if !isMeta(s.Function) {
			n += s.Samples
		}
	}
	return n
}

func isMeta(fn string) bool {
	return fn == "(root)" || fn == "(program)" || fn == "(idle)" || fn == "(garbage collector)"
}

func name(fn string) string {
	if fn == "" {
		return "(anonymous)"
	}
	return fn
}

// Text is the report as the harness writes it beside the state dump.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "worker stacks of page %s: %d workers (DevTools, %v)\n", r.Page, len(r.Workers), r.Took.Round(time.Millisecond))
	for i, w := range r.Workers {
		fmt.Fprintf(&b, "\nworker %d/%d %q (%s, target %s; Debugger.enable took %v)\n", i+1, len(r.Workers), w.Title, shortURL(w.URL), w.TargetID, w.EnableTook.Round(time.Millisecond))
		if w.Paused {
			fmt.Fprintf(&b, "  paused; call stack, innermost first:\n")
			for k, f := range w.Frames {
				fmt.Fprintf(&b, "    #%d %s\n", k, f)
			}
		}
		if w.Err != "" {
			fmt.Fprintf(&b, "  %s\n", w.Err)
		}
		if p := w.Profile; p != nil {
			fmt.Fprintf(&b, "  CPU profile over %v, %d samples, %d running code; where they were:\n", p.Duration.Round(time.Millisecond), p.Samples, p.Code())
			if p.Code() == 0 {
				fmt.Fprintf(&b, "    (no code ran: the worker waits in its event loop for a message)\n")
			}
			for k, s := range p.Self {
				if k == 10 {
					fmt.Fprintf(&b, "    ... %d more functions\n", len(p.Self)-k)
					break
				}
				fmt.Fprintf(&b, "    %5.1f%% %s\n", 100*float64(s.Samples)/float64(max(p.Samples, 1)), s.Function)
			}
			if len(p.Heaviest) > 0 {
				fmt.Fprintf(&b, "  the stack sampled most, innermost first:\n")
				for k, f := range p.Heaviest {
					fmt.Fprintf(&b, "    #%d %s\n", k, f)
				}
			}
			if strings.HasPrefix(p.Heaviest0(), "js-to-wasm") {
				fmt.Fprintf(&b, "  (V8 attributes a worker's samples in wasm code compiled before the profile began to its js-to-wasm\n"+
					"   entry, without the wasm function: the profile says the worker runs wasm, not where)\n")
			}
		}
	}
	return b.String()
}

// Heaviest0 is the innermost function of the stack sampled most, or "".
func (p *Profile) Heaviest0() string {
	if len(p.Heaviest) == 0 {
		return ""
	}
	return p.Heaviest[0].Function
}

// Functions lists every function name the report shows for a worker: its
// frames and its profile's.
func (w *Worker) Functions() []string {
	var fs []string
	for _, f := range w.Frames {
		fs = append(fs, f.Function)
	}
	if w.Profile != nil {
		for _, s := range w.Profile.Self {
			fs = append(fs, s.Function)
		}
		for _, f := range w.Profile.Heaviest {
			fs = append(fs, f.Function)
		}
	}
	return fs
}

func shortURL(u string) string {
	if i := strings.LastIndexByte(u, '/'); i >= 0 && i < len(u)-1 {
		return u[i+1:]
	}
	return u
}

func ptr[T any](v T) *T { return &v }

// ---- a minimal DevTools client over one websocket: commands by id,
// events by session ----

type client struct {
	conn *remote.Conn
	mu   sync.Mutex
	next int64
	wait map[int64]chan *cdproto.Message
	subs map[target.SessionID]chan *cdproto.Message
	done chan struct{}
	err  error
}

func dial(ctx context.Context, wsURL string) (*client, error) {
	conn, err := remote.DialContext(ctx, wsURL)
	if err != nil {
		return nil, fmt.Errorf("stackdump: connecting to %s: %w", wsURL, err)
	}
	c := &client{conn: conn, wait: map[int64]chan *cdproto.Message{}, subs: map[target.SessionID]chan *cdproto.Message{}, done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *client) close() {
	c.conn.Close()
	<-c.done
}

func (c *client) read() {
	defer close(c.done)
	for {
		m := new(cdproto.Message)
		if err := c.conn.Read(context.Background(), m); err != nil {
			c.mu.Lock()
			c.err = err
			for id, ch := range c.wait {
				close(ch)
				delete(c.wait, id)
			}
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch := c.wait[m.ID]; ch != nil {
				ch <- m
				delete(c.wait, m.ID)
			}
		} else if ch := c.subs[m.SessionID]; ch != nil {
			select {
			case ch <- m:
			default: // a subscriber that stopped reading loses events, not the connection
			}
		}
		c.mu.Unlock()
	}
}

// subscribe returns the events of session s from now on.
func (c *client) subscribe(s target.SessionID) <-chan *cdproto.Message {
	ch := make(chan *cdproto.Message, 4096)
	c.mu.Lock()
	c.subs[s] = ch
	c.mu.Unlock()
	return ch
}

func (c *client) call(ctx context.Context, s target.SessionID, method string, params, res any) error {
	msg := &cdproto.Message{SessionID: s, Method: cdproto.MethodType(method)}
	if params != nil {
		b, err := jsonv2.Marshal(params)
		if err != nil {
			return err
		}
		msg.Params = b
	}
	ch := make(chan *cdproto.Message, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.next++
	msg.ID = c.next
	c.wait[msg.ID] = ch
	c.mu.Unlock()
	if err := c.conn.Write(ctx, msg); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("connection lost: %v", c.err)
		}
		if m.Error != nil {
			return m.Error
		}
		if res != nil && len(m.Result) > 0 {
			return jsonv2.Unmarshal(m.Result, res)
		}
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.wait, msg.ID)
		c.mu.Unlock()
		return fmt.Errorf("no answer: %w", ctx.Err())
	}
}
