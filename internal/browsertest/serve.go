//go:build !js

package browsertest

import (
	"net"
	"net/http"
	"time"
)

// Serve serves h on a free loopback port and returns its base URL
// (http://127.0.0.1:port); stop closes the server.
func Serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}
