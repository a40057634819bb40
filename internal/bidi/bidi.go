//go:build !js

// Package bidi is a small WebDriver BiDi client: the few commands the tests
// and benchmarks need to drive Firefox's built-in remote agent (a session,
// tabs, navigation, script evaluation, preload scripts, screenshots). No
// maintained Go module for BiDi was on the module proxy, so this speaks the
// protocol itself over github.com/coder/websocket.
//
// The protocol: every command is a JSON text message {id, method, params};
// the browser answers each with {type: "success", id, result} or
// {type: "error", id, error, message}, in any order, and sends
// {type: "event", method, params} messages in between.
package bidi

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coder/websocket"
)

// readLimit bounds one incoming message: a screenshot of a large window is
// several MiB of base64 (the module's default is 32 KiB).
const readLimit = 64 << 20

// Conn is one WebSocket connection to a BiDi remote end.
type Conn struct {
	ws *websocket.Conn

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan message
	err     error // set once the read loop ended; every later call fails with it
	done    chan struct{}

	// OnEvent, if set before the first call, receives every event message
	// (on the read loop's goroutine: it must not block).
	OnEvent func(method string, params json.RawMessage)
}

// message is any message from the remote end.
type message struct {
	Type       string          `json:"type"`
	ID         *int64          `json:"id"`
	Result     json.RawMessage `json:"result"`
	Method     string          `json:"method"`
	Params     json.RawMessage `json:"params"`
	Error      string          `json:"error"`
	Message    string          `json:"message"`
	Stacktrace string          `json:"stacktrace"`
}

// Error is a command's error answer.
type Error struct {
	Method  string // the command
	Code    string // the protocol's error code, e.g. "invalid argument"
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("bidi %s: %s: %s", e.Method, e.Code, e.Message)
}

// Dial connects to a remote end's WebSocket URL (for Firefox the URL it
// prints, plus "/session").
func Dial(ctx context.Context, url string) (*Conn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("bidi: connect %s: %w", url, err)
	}
	return newConn(ws), nil
}

func newConn(ws *websocket.Conn) *Conn {
	ws.SetReadLimit(readLimit)
	c := &Conn{ws: ws, pending: map[int64]chan message{}, done: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *Conn) readLoop() {
	var err error
	defer func() {
		c.mu.Lock()
		c.err = err
		for id, ch := range c.pending {
			close(ch)
			delete(c.pending, id)
		}
		c.mu.Unlock()
		close(c.done)
	}()
	for {
		var typ websocket.MessageType
		var b []byte
		typ, b, err = c.ws.Read(context.Background())
		if err != nil {
			err = fmt.Errorf("bidi: connection closed: %w", err)
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var m message
		if json.Unmarshal(b, &m) != nil {
			continue // not ours to interpret; the protocol only sends JSON
		}
		switch {
		case m.Type == "event":
			if c.OnEvent != nil {
				c.OnEvent(m.Method, m.Params)
			}
		case m.ID != nil:
			c.mu.Lock()
			ch := c.pending[*m.ID]
			delete(c.pending, *m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
	}
}

// Call sends one command and decodes its result into result (if not nil).
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.nextID++
	id := c.nextID
	ch := make(chan message, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	b, err := json.Marshal(struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params"`
	}{id, method, params})
	if err != nil {
		c.forget(id)
		return fmt.Errorf("bidi %s: %w", method, err)
	}
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.forget(id)
		return fmt.Errorf("bidi %s: send: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			c.mu.Lock()
			err := c.err
			c.mu.Unlock()
			return fmt.Errorf("bidi %s: %w", method, err)
		}
		if m.Type == "error" {
			return &Error{Method: method, Code: m.Error, Message: m.Message}
		}
		if m.Type != "success" {
			return fmt.Errorf("bidi %s: answer of type %q", method, m.Type)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("bidi %s: result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		c.forget(id)
		return fmt.Errorf("bidi %s: %w", method, ctx.Err())
	}
}

func (c *Conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Close closes the connection (not the browser) and waits for its read
// loop to end.
func (c *Conn) Close() error {
	err := c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
	return err
}
