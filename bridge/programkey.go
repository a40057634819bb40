package bridge

import (
	"encoding/binary"
	"math/bits"
)

// ProgramKey identifies a user program image by content: the host keys the
// programs it compiles ahead of time with it (MachineStart.Programs), and a
// worker execing an image computes it to find the compiled module. It must be
// cheap next to compiling, on every exec of a BusyBox-sized image in a
// worker's Go: FNV-1a, a byte at a time, took 40-95 ms for 1.5 MB in Go wasm
// on the reference VM, while this takes about 1 ms: four independent 64-bit
// lanes of multiply-rotate over 32-byte blocks (the structure of xxHash64),
// the length and the tail mixed in at the end. 64 bits: collisions between the
// few programs of one machine are not a practical risk.
func ProgramKey(b []byte) uint64 {
	return ProgramKeyChunked(len(b), make([]byte, keyChunk), func(off int, dst []byte) { copy(dst, b[off:]) })
}

// keyChunk is the chunk ProgramKey reads at a time.
const keyChunk = 64 << 10

// ProgramKeyChunked is ProgramKey of an image of n bytes that fill copies
// into buf (a multiple of 32 bytes long) a piece at a time: fill(off, dst)
// must copy the image's bytes [off, off+len(dst)). A worker reads a program
// out of the kernel's memory this way, so that a 1.5 MB exec does not grow
// its Go heap by 1.5 MB (a wasm memory never shrinks).
func ProgramKeyChunked(n int, buf []byte, fill func(off int, dst []byte)) uint64 {
	const (
		p1 = 0x9E3779B185EBCA87
		p2 = 0xC2B2AE3D27D4EB4F
		p3 = 0x165667B19E3779F9
		p4 = 0x85EBCA77C2B2AE63
		p5 = 0x27D4EB2F165667C5
	)
	if len(buf) < 32 || len(buf)%32 != 0 {
		panic("bridge.ProgramKeyChunked: the buffer must be a non-zero multiple of 32 bytes")
	}
	round := func(acc, w uint64) uint64 { return bits.RotateLeft64(acc+w*p2, 31) * p1 }
	var v1, v2, v3, v4 uint64 = p1, p2, 0, p3
	v1 += p2
	var tail []byte // the last n%32 bytes
	for off := 0; off < n; off += len(buf) {
		b := buf[:min(len(buf), n-off)]
		fill(off, b)
		for len(b) >= 32 {
			v1 = round(v1, binary.LittleEndian.Uint64(b[0:]))
			v2 = round(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = round(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = round(v4, binary.LittleEndian.Uint64(b[24:]))
			b = b[32:]
		}
		tail = b
	}
	var h uint64
	if n >= 32 {
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		for _, v := range [...]uint64{v1, v2, v3, v4} {
			h = (h^round(0, v))*p1 + p4
		}
	} else {
		h = p5
	}
	h += uint64(n)
	b := tail
	for len(b) >= 8 {
		h = bits.RotateLeft64(h^round(0, binary.LittleEndian.Uint64(b)), 27)*p1 + p4
		b = b[8:]
	}
	for _, c := range b {
		h = bits.RotateLeft64(h^uint64(c)*p5, 11) * p1
	}
	h ^= h >> 33
	h *= p2
	h ^= h >> 29
	h *= p3
	h ^= h >> 32
	return h
}
