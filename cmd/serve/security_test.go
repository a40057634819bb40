//go:build !js

package main

import (
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server listens on loopback unless told otherwise: the -addr default
// (read from the usage text run prints for -h) is a loopback address.
func TestDefaultAddressIsLoopback(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stderr
	os.Stderr = w
	runErr := run([]string{"-h"})
	os.Stderr = old
	w.Close()
	usage, _ := io.ReadAll(r)
	require.True(t, errors.Is(runErr, flag.ErrHelp), "run -h: %v", runErr)
	m := regexp.MustCompile(`-addr string\s+[^\n]*\(default "([^"]+)"\)`).FindSubmatch(usage)
	require.NotNil(t, m, "no -addr default in the usage:\n%s", usage)
	host, _, err := net.SplitHostPort(string(m[1]))
	require.NoError(t, err)
	ip := net.ParseIP(host)
	require.NotNil(t, ip, "default host %q is not an IP address", host)
	assert.True(t, ip.IsLoopback(), "default address %s is not loopback", m[1])
}
