//go:build !js

package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDisplayAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8000": "127.0.0.1:8000",
		"0.0.0.0:80":     "localhost:80",
		"[::]:8000":      "localhost:8000",
	} {
		a, err := net.ResolveTCPAddr("tcp", in)
		assert.NoError(t, err)
		assert.Equal(t, want, displayAddr(a), in)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	assert.Error(t, run([]string{"extra"}))
	assert.Error(t, run([]string{"-nosuchflag"}))
	assert.Error(t, run([]string{"-dir", t.TempDir() + "/missing"}))
}
