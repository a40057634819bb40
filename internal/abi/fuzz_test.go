package abi

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/linuxwasm/gohost/internal/wasmbin"
)

func FuzzCheckKernel(f *testing.F) {
	f.Add(goodKernel().bytes())
	f.Add(goodProgram().bytes())
	f.Add(kernelOf(&Kernel70Wasm32).bytes())
	f.Add(kernelOf(&Kernel70Wasm64).bytes())
	bad := goodKernel()
	bad.removeExport("ret_from_fork")
	bad.importNamed("memory").mem = &wasmbin.Limits{Min: 1, Memory64: true}
	f.Add(bad.bytes())
	if b, err := os.ReadFile(filepath.Join(conformanceDir, "conf_b.wasm")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := wasmbin.Parse(b)
		if err != nil {
			return
		}
		info, err := CheckKernel(m)
		if err != nil {
			me, ok := err.(*MismatchError)
			require.True(t, ok, "%T", err)
			require.NotEmpty(t, me.Problems)
			_ = me.Error()
		} else {
			require.NotNil(t, info)
			require.NotNil(t, info.Kind.Spec(), "an accepted kernel has a kind")
			require.Len(t, info.HostImpls, len(info.HostImports))
		}
		pinfo, err := CheckUserProgram(m)
		if err != nil {
			_, ok := err.(*MismatchError)
			require.True(t, ok, "%T", err)
		} else {
			_ = pinfo.TableSize()
		}
	})
}
