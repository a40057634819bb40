// Package cpio reads and writes "newc" (SVR4, magic "070701") cpio archives,
// the format the Linux kernel unpacks as initramfs.
//
// The writer is deterministic: every entry has mtime 0, uid 0, gid 0, inode
// numbers allocated sequentially from 1 in write order, device numbers 0 and
// checksum 0, so the same calls always give the same bytes.
//
// The reader accepts "070701" and "070702" (the CRC variant; the checksum is
// not verified). [ReadAll] additionally walks several concatenated archives,
// separated by zero padding and optionally gzip-compressed, the way the
// kernel's initramfs unpacker does.
package cpio

import (
	"errors"
	"fmt"
)

// Mode type bits (the S_IFMT part of Header.Mode).
const (
	TypeMask    = 0o170000 // S_IFMT
	TypeDir     = 0o040000 // S_IFDIR
	TypeReg     = 0o100000 // S_IFREG
	TypeSymlink = 0o120000 // S_IFLNK
)

// Trailer is the name of the entry that ends an archive.
const Trailer = "TRAILER!!!"

const (
	magicNewc    = "070701"
	magicNewcCRC = "070702"
	headerLen    = 110
	// MaxNameSize is the largest accepted name size including the
	// terminating NUL (PATH_MAX, as in the kernel).
	MaxNameSize = 4096
)

// Errors returned by the reader. Errors from malformed input wrap
// ErrFormat so callers can test with errors.Is.
var (
	ErrFormat      = errors.New("cpio: malformed archive")
	ErrWriteClosed = errors.New("cpio: write after Close")
)

// Header describes one archive entry.
type Header struct {
	Name      string // path inside the archive, without the terminating NUL
	Mode      uint32 // type bits (TypeMask) and permission bits
	Ino       uint32
	Uid       uint32
	Gid       uint32
	Nlink     uint32
	Mtime     uint32 // seconds since the Unix epoch
	Size      int64  // data length in bytes (for symlinks: length of the target)
	DevMajor  uint32
	DevMinor  uint32
	RdevMajor uint32
	RdevMinor uint32
	Check     uint32 // checksum field (only meaningful for "070702")
}

// IsDir reports whether the entry is a directory.
func (h *Header) IsDir() bool { return h.Mode&TypeMask == TypeDir }

// IsRegular reports whether the entry is a regular file.
func (h *Header) IsRegular() bool { return h.Mode&TypeMask == TypeReg }

// IsSymlink reports whether the entry is a symbolic link.
func (h *Header) IsSymlink() bool { return h.Mode&TypeMask == TypeSymlink }

func formatErr(off int64, format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrFormat, off, fmt.Sprintf(format, args...))
}

// pad4 returns the number of padding bytes needed after n bytes to reach a
// multiple of 4.
func pad4(n int64) int64 { return (4 - n&3) & 3 }

func parseHex8(b []byte) (uint32, bool) {
	var v uint32
	for _, c := range b[:8] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

var fieldNames = [13]string{"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
	"devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"}

// parseHeader parses the fixed 110-byte part of a header. It returns the
// header (without Name) and the name size including the NUL.
func parseHeader(b []byte, off int64) (Header, uint32, error) {
	var h Header
	if len(b) < headerLen {
		return h, 0, formatErr(off, "truncated header")
	}
	if m := string(b[:6]); m != magicNewc && m != magicNewcCRC {
		return h, 0, formatErr(off, "bad magic %q (want %q)", m, magicNewc)
	}
	var f [13]uint32
	for i := range f {
		v, ok := parseHex8(b[6+8*i:])
		if !ok {
			return h, 0, formatErr(off, "bad hex in field %s: %q", fieldNames[i], b[6+8*i:6+8*i+8])
		}
		f[i] = v
	}
	h = Header{
		Ino: f[0], Mode: f[1], Uid: f[2], Gid: f[3], Nlink: f[4], Mtime: f[5],
		Size: int64(f[6]), DevMajor: f[7], DevMinor: f[8], RdevMajor: f[9], RdevMinor: f[10],
		Check: f[12],
	}
	ns := f[11]
	if ns == 0 {
		return h, 0, formatErr(off, "name size 0 (name must end with NUL)")
	}
	if ns > MaxNameSize {
		return h, 0, formatErr(off, "name size %d exceeds %d", ns, MaxNameSize)
	}
	return h, ns, nil
}

// parseName checks the raw name bytes (including the NUL).
func parseName(b []byte, off int64) (string, error) {
	if b[len(b)-1] != 0 {
		return "", formatErr(off, "name is not NUL-terminated")
	}
	for _, c := range b[:len(b)-1] {
		if c == 0 {
			return "", formatErr(off, "name contains a NUL byte")
		}
	}
	return string(b[:len(b)-1]), nil
}
