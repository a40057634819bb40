//go:build !js

package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/host"
	"github.com/linuxwasm/gohost/internal/devserver"
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

// The page's defaults (host/params.go) are the URLs this server serves the
// kernel, the initrd and the conformance kernel at.
func TestPageDefaultsAreServed(t *testing.T) {
	const origin = "http://127.0.0.1:8000"
	p, err := host.ParseParams("", origin+"/")
	require.NoError(t, err)
	assert.Equal(t, origin+devserver.KernelURL, p.Kernel)
	assert.Equal(t, origin+devserver.InitrdURL, p.Initrd)
	p, err = host.ParseParams("?selftest", origin+"/")
	require.NoError(t, err)
	assert.Equal(t, origin+devserver.ConformanceURL+"vmlinux.wasm", p.Kernel)
	assert.Equal(t, origin+devserver.ConformanceURL+"initramfs.cpio", p.Initrd)
}
