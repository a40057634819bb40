package wasmbin

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func FuzzParse(f *testing.F) {
	f.Add(kernelLike())
	f.Add(module(
		dylinkSec(1024, 4, 17, 0),
		sec(SecType, vec(functype(nil, nil))),
		sec(SecImport, vec(
			importMem("env", "memory", 0x03, 1, 65536),
			importTable("env", "__indirect_function_table", 0x00, 17),
			importGlobal("env", "__stack_pointer", I32, true),
		)),
		sec(SecFunction, vec(uleb(0))),
		sec(SecExport, vec(export("_start", KindFunc, 0))),
		codeSec(1),
	))
	f.Add(module(
		sec(SecType, vec(functype(vt(I32), nil))),
		sec(SecImport, vec(importMem("env", "memory", 0x07, 1, 2), cat(str("env"), str("exc"), []byte{0x04, 0x00}, uleb(0)))),
		sec(SecTag, vec([]byte{0x00, 0x00})),
		sec(SecGlobal, vec([]byte{0x7E, 0x00, 0x42, 0x7F, 0x42, 0x01, 0x7C, 0x0B})),
		sec(SecExport, vec(export("t", KindTag, 1), export("g", KindGlobal, 0))),
	))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, e := range m.Exports {
			switch e.Kind {
			case KindFunc:
				require.NotNil(t, e.Func)
				_ = e.Func.String()
				require.True(t, e.Func.Equal(m.FuncTypeOf(e.Index)))
			case KindGlobal:
				require.NotNil(t, e.Global)
			case KindTable:
				require.NotNil(t, e.Table)
			case KindMemory:
				require.NotNil(t, e.Memory)
			case KindTag:
				require.NotNil(t, e.Tag)
			}
		}
		for _, im := range m.Imports {
			n := 0
			for _, p := range []bool{im.Func != nil, im.Table != nil, im.Memory != nil, im.Global != nil, im.Tag != nil} {
				if p {
					n++
				}
			}
			require.Equal(t, 1, n)
		}
		for _, g := range m.Globals {
			_, _ = g.ConstI32()
		}
	})
}
