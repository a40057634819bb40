//go:build !js

package bidi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// command is what the fake remote end receives.
type command struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// fakeRemote is a WebSocket server that hands every command to answer,
// which writes whatever messages it likes (answers, events, garbage).
type fakeRemote struct {
	t      *testing.T
	url    string
	mu     sync.Mutex
	got    []command
	answer func(ctx context.Context, ws *websocket.Conn, c command)
}

func newFakeRemote(t *testing.T, answer func(ctx context.Context, ws *websocket.Conn, c command)) *fakeRemote {
	f := &fakeRemote{t: t, answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/session" {
			http.NotFound(w, r)
			return
		}
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		ws.SetReadLimit(readLimit)
		ctx := r.Context()
		for {
			typ, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if typ != websocket.MessageText {
				t.Errorf("command sent as %v, want text", typ)
			}
			var c command
			if err := json.Unmarshal(b, &c); err != nil {
				t.Errorf("command is not JSON: %q", b)
				continue
			}
			f.mu.Lock()
			f.got = append(f.got, c)
			f.mu.Unlock()
			f.answer(ctx, ws, c)
		}
	}))
	t.Cleanup(srv.Close)
	f.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/session"
	return f
}

func send(ctx context.Context, ws *websocket.Conn, v any) {
	b, _ := json.Marshal(v)
	_ = ws.Write(ctx, websocket.MessageText, b)
}

func success(id int64, result any) map[string]any {
	return map[string]any{"type": "success", "id": id, "result": result}
}

func dial(t *testing.T, f *fakeRemote) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, f.url)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The framing: one JSON text message per command with a fresh id, method
// and params; the answer's result is decoded; ids grow.
func TestCallFraming(t *testing.T) {
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		send(ctx, ws, success(c.ID, map[string]any{"echo": c.Method, "params": c.Params}))
	})
	c := dial(t, f)
	var r struct {
		Echo   string          `json:"echo"`
		Params json.RawMessage `json:"params"`
	}
	require.NoError(t, c.Call(ctx5(t), "session.new", map[string]any{"capabilities": map[string]any{}}, &r))
	assert.Equal(t, "session.new", r.Echo)
	assert.JSONEq(t, `{"capabilities":{}}`, string(r.Params))
	// No params is an empty object, as the protocol requires.
	require.NoError(t, c.Call(ctx5(t), "session.end", nil, &r))
	assert.JSONEq(t, `{}`, string(r.Params))

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.got, 2)
	assert.Less(t, f.got[0].ID, f.got[1].ID, "ids are fresh")
}

// Answers that come back in another order than the commands went out, with
// events and unrelated messages in between, reach the right callers.
func TestCallOutOfOrderWithEvents(t *testing.T) {
	var mu sync.Mutex
	var held []command
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		mu.Lock()
		defer mu.Unlock()
		held = append(held, c)
		if len(held) < 3 {
			return
		}
		// Answer all three, last first, with noise between.
		for i := len(held) - 1; i >= 0; i-- {
			send(ctx, ws, map[string]any{"type": "event", "method": "log.entryAdded", "params": map[string]any{"text": held[i].Method}})
			_ = ws.Write(ctx, websocket.MessageText, []byte("not json"))
			send(ctx, ws, success(999999, map[string]any{})) // an id nobody waits for
			send(ctx, ws, success(held[i].ID, map[string]any{"method": held[i].Method}))
		}
		held = nil
	})
	c := dial(t, f)
	var evMu sync.Mutex
	var events []string
	c.OnEvent = func(method string, params json.RawMessage) {
		evMu.Lock()
		events = append(events, method+" "+string(params))
		evMu.Unlock()
	}
	var wg sync.WaitGroup
	methods := []string{"a.one", "b.two", "c.three"}
	for _, m := range methods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r struct{ Method string }
			if assert.NoError(t, c.Call(ctx5(t), m, nil, &r)) {
				assert.Equal(t, m, r.Method)
			}
		}()
	}
	wg.Wait()
	evMu.Lock()
	defer evMu.Unlock()
	assert.Len(t, events, 3)
	for _, e := range events {
		assert.True(t, strings.HasPrefix(e, "log.entryAdded "), e)
	}
}

func TestCallErrorAnswer(t *testing.T) {
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		send(ctx, ws, map[string]any{"type": "error", "id": c.ID, "error": "no such frame", "message": "context abc not found", "stacktrace": "x"})
	})
	c := dial(t, f)
	err := c.Call(ctx5(t), "browsingContext.navigate", map[string]any{"context": "abc"}, nil)
	var be *Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "no such frame", be.Code)
	assert.Equal(t, "browsingContext.navigate", be.Method)
	assert.Contains(t, err.Error(), "context abc not found")
}

// A command whose answer never comes ends with its context; one whose
// connection closes ends with the connection's error, and so do later ones.
func TestCallTimeoutAndClosedConnection(t *testing.T) {
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		if c.Method == "close.me" {
			ws.Close(websocket.StatusGoingAway, "bye")
		}
	})
	c := dial(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := c.Call(ctx, "never.answered", nil, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	err = c.Call(ctx5(t), "close.me", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection closed")
	err = c.Call(ctx5(t), "after.close", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection closed")
}

// Eval wraps the expression so the page returns JSON text, awaits promises,
// and turns an exception answer into an ExceptionError.
func TestEval(t *testing.T) {
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		var p struct {
			Expression   string `json:"expression"`
			AwaitPromise bool   `json:"awaitPromise"`
			Target       struct {
				Context string `json:"context"`
			} `json:"target"`
		}
		require.NoError(t, json.Unmarshal(c.Params, &p))
		if !p.AwaitPromise || p.Target.Context != "ctx-1" || !strings.Contains(p.Expression, "JSON.stringify(await (") {
			send(ctx, ws, map[string]any{"type": "error", "id": c.ID, "error": "invalid argument", "message": p.Expression})
			return
		}
		switch {
		case strings.Contains(p.Expression, "throws()"):
			send(ctx, ws, success(c.ID, map[string]any{"type": "exception", "exceptionDetails": map[string]any{"text": "Error: boom"}, "realm": "r"}))
		case strings.Contains(p.Expression, "nothing()"):
			send(ctx, ws, success(c.ID, map[string]any{"type": "success", "result": map[string]any{"type": "undefined"}, "realm": "r"}))
		default:
			send(ctx, ws, success(c.ID, map[string]any{"type": "success", "result": map[string]any{"type": "string", "value": `{"a":[1,"x"]}`}, "realm": "r"}))
		}
	})
	c := dial(t, f)
	var v struct {
		A []any `json:"a"`
	}
	require.NoError(t, c.Eval(ctx5(t), "ctx-1", "value()", &v))
	assert.Equal(t, []any{1.0, "x"}, v.A)

	err := c.Eval(ctx5(t), "ctx-1", "throws()", nil)
	var ex *ExceptionError
	require.ErrorAs(t, err, &ex)
	assert.Equal(t, "Error: boom", ex.Text)

	raw, err := c.EvalJSON(ctx5(t), "ctx-1", "nothing()")
	require.NoError(t, err)
	assert.Equal(t, "null", string(raw))
}

// A screenshot bigger than the WebSocket module's default 32 KiB read
// limit arrives whole and decoded.
func TestCaptureScreenshotLarge(t *testing.T) {
	png := make([]byte, 3<<20)
	for i := range png {
		png[i] = byte(i * 7)
	}
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		send(ctx, ws, success(c.ID, map[string]any{"data": base64.StdEncoding.EncodeToString(png)}))
	})
	c := dial(t, f)
	got, err := c.CaptureScreenshot(ctx5(t), "ctx-1")
	require.NoError(t, err)
	assert.True(t, len(got) == len(png) && string(got) == string(png), "screenshot bytes")
}

// The helpers send the commands and parameters the protocol names.
func TestCommandParams(t *testing.T) {
	f := newFakeRemote(t, func(ctx context.Context, ws *websocket.Conn, c command) {
		if c.Method == "browsingContext.create" {
			send(ctx, ws, success(c.ID, map[string]any{"context": "tab-7"}))
			return
		}
		send(ctx, ws, success(c.ID, map[string]any{}))
	})
	c := dial(t, f)
	ctx := ctx5(t)
	require.NoError(t, c.NewSession(ctx))
	tab, err := c.CreateTab(ctx)
	require.NoError(t, err)
	assert.Equal(t, "tab-7", tab)
	require.NoError(t, c.AddPreloadScript(ctx, tab, "globalThis.x = 1;"))
	require.NoError(t, c.Navigate(ctx, tab, "http://127.0.0.1:1/"))
	require.NoError(t, c.CloseTab(ctx, tab))
	require.NoError(t, c.EndSession(ctx))

	f.mu.Lock()
	defer f.mu.Unlock()
	want := []struct{ method, params string }{
		{"session.new", `{"capabilities":{}}`},
		{"browsingContext.create", `{"type":"tab"}`},
		{"script.addPreloadScript", `{"functionDeclaration":"() => {\nglobalThis.x = 1;\n}","contexts":["tab-7"]}`},
		{"browsingContext.navigate", `{"context":"tab-7","url":"http://127.0.0.1:1/","wait":"complete"}`},
		{"browsingContext.close", `{"context":"tab-7"}`},
		{"session.end", `{}`},
	}
	require.Len(t, f.got, len(want))
	for i, w := range want {
		assert.Equal(t, w.method, f.got[i].Method)
		assert.JSONEq(t, w.params, string(f.got[i].Params), w.method)
	}
}

func TestDialRefused(t *testing.T) {
	f := newFakeRemote(t, nil)
	_, err := Dial(ctx5(t), strings.TrimSuffix(f.url, "/session")+"/elsewhere")
	require.Error(t, err)
	assert.False(t, errors.Is(err, context.DeadlineExceeded))
}
