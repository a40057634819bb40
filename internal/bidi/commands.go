//go:build !js

package bidi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// NewSession starts the (one) BiDi session of the connection.
func (c *Conn) NewSession(ctx context.Context) error {
	return c.Call(ctx, "session.new", map[string]any{"capabilities": map[string]any{}}, nil)
}

// EndSession ends the session; Firefox then closes its windows.
func (c *Conn) EndSession(ctx context.Context) error {
	return c.Call(ctx, "session.end", nil, nil)
}

// CreateTab opens a new tab and returns its browsing context id.
func (c *Conn) CreateTab(ctx context.Context) (string, error) {
	var r struct {
		Context string `json:"context"`
	}
	if err := c.Call(ctx, "browsingContext.create", map[string]any{"type": "tab"}, &r); err != nil {
		return "", err
	}
	if r.Context == "" {
		return "", fmt.Errorf("bidi browsingContext.create: no context in the answer")
	}
	return r.Context, nil
}

// CloseTab closes a browsing context.
func (c *Conn) CloseTab(ctx context.Context, context string) error {
	return c.Call(ctx, "browsingContext.close", map[string]any{"context": context}, nil)
}

// Navigate loads url in the context and waits until its load event.
func (c *Conn) Navigate(ctx context.Context, context, url string) error {
	return c.Call(ctx, "browsingContext.navigate", map[string]any{"context": context, "url": url, "wait": "complete"}, nil)
}

// AddPreloadScript runs source (statements) in every document the context
// loads from now on, before the document's own scripts.
func (c *Conn) AddPreloadScript(ctx context.Context, context, source string) error {
	return c.Call(ctx, "script.addPreloadScript", map[string]any{
		"functionDeclaration": "() => {\n" + source + "\n}",
		"contexts":            []string{context},
	}, nil)
}

// ExceptionError is a script that threw (or a promise that rejected).
type ExceptionError struct{ Text string }

func (e *ExceptionError) Error() string { return "script threw: " + e.Text }

// Eval evaluates the JavaScript expression expr in the context, awaits it
// if it is a promise, and decodes its value, passed through JSON.stringify
// in the page, into out (if not nil). An undefined value decodes as null.
// JSON in the page keeps the client free of BiDi's typed value encoding.
func (c *Conn) Eval(ctx context.Context, context, expr string, out any) error {
	raw, err := c.EvalJSON(ctx, context, expr)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("bidi: decode the value of %.80q: %w", expr, err)
	}
	return nil
}

// EvalJSON is Eval's JSON text of the value.
func (c *Conn) EvalJSON(ctx context.Context, context, expr string) (json.RawMessage, error) {
	var r struct {
		Type   string `json:"type"`
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := c.Call(ctx, "script.evaluate", map[string]any{
		"expression":   "(async () => JSON.stringify(await (" + expr + "\n)))()",
		"target":       map[string]any{"context": context},
		"awaitPromise": true,
	}, &r)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Type == "exception":
		return nil, &ExceptionError{Text: r.ExceptionDetails.Text}
	case r.Type != "success":
		return nil, fmt.Errorf("bidi script.evaluate: result of type %q", r.Type)
	case r.Result.Type == "undefined":
		return json.RawMessage("null"), nil
	case r.Result.Type != "string":
		return nil, fmt.Errorf("bidi script.evaluate: JSON.stringify gave a %s", r.Result.Type)
	}
	var s string
	if err := json.Unmarshal(r.Result.Value, &s); err != nil {
		return nil, fmt.Errorf("bidi script.evaluate: %w", err)
	}
	return json.RawMessage(s), nil
}

// CaptureScreenshot returns a PNG of the context's viewport.
func (c *Conn) CaptureScreenshot(ctx context.Context, context string) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := c.Call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": context}, &r); err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		return nil, fmt.Errorf("bidi browsingContext.captureScreenshot: %w", err)
	}
	return b, nil
}
