package cpio

import (
	"fmt"
	"io"
	"strings"
)

// Writer writes one newc archive. Create it with [NewWriter], add entries,
// then call [Writer.Close] to write the trailer. Close does not close the
// underlying writer.
type Writer struct {
	w      io.Writer
	off    int64
	ino    uint32
	closed bool
	err    error
}

// NewWriter returns a Writer that writes an archive to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

var zeros [4]byte

func (w *Writer) write(b []byte) error {
	if w.err != nil {
		return w.err
	}
	n, err := w.w.Write(b)
	w.off += int64(n)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	w.err = err
	return err
}

func (w *Writer) pad() error { return w.write(zeros[:pad4(w.off)]) }

func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("cpio: empty name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("cpio: name %q contains a NUL byte", name)
	}
	if len(name)+1 > MaxNameSize {
		return fmt.Errorf("cpio: name too long (%d bytes)", len(name))
	}
	if name == Trailer {
		return fmt.Errorf("cpio: name %q is reserved for the trailer", name)
	}
	return nil
}

// typedMode adds typ to mode when mode has no type bits, and refuses a mode
// whose type bits are something other than typ.
func typedMode(mode, typ uint32) (uint32, error) {
	switch mode & TypeMask {
	case 0:
		return mode | typ, nil
	case typ:
		return mode, nil
	}
	return 0, fmt.Errorf("cpio: mode %#o has file type %#o, want %#o", mode, mode&TypeMask, typ)
}

// entry writes a header, the name and the data, each padded to 4 bytes.
func (w *Writer) entry(name string, mode, nlink uint32, ino uint32, data []byte) error {
	if w.closed {
		return ErrWriteClosed
	}
	if int64(len(data)) > 0xFFFFFFFF {
		return fmt.Errorf("cpio: %s: data too large for newc (%d bytes)", name, len(data))
	}
	hdr := fmt.Sprintf("%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		magicNewc, ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	buf := make([]byte, 0, len(hdr)+len(name)+1)
	buf = append(buf, hdr...)
	buf = append(buf, name...)
	buf = append(buf, 0)
	if err := w.write(buf); err != nil {
		return err
	}
	if err := w.pad(); err != nil {
		return err
	}
	if err := w.write(data); err != nil {
		return err
	}
	return w.pad()
}

func (w *Writer) nextIno() uint32 { w.ino++; return w.ino }

// WriteFile adds a regular file. mode may be given either with its type
// bits (0100644) or as permission bits only (0644), in which case the
// regular-file type bits 0100000 are added; any other file type is an
// error. Set-id and sticky bits (07000) are kept as given.
func (w *Writer) WriteFile(name string, mode uint32, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	m, err := typedMode(mode, TypeReg)
	if err != nil {
		return err
	}
	return w.entry(name, m, 1, w.nextIno(), data)
}

// Mkdir adds a directory. As with WriteFile, mode may carry the directory
// type bits (040755) or only permission bits (0755).
func (w *Writer) Mkdir(name string, mode uint32) error {
	if err := checkName(name); err != nil {
		return err
	}
	m, err := typedMode(mode, TypeDir)
	if err != nil {
		return err
	}
	return w.entry(name, m, 2, w.nextIno(), nil)
}

// Symlink adds a symbolic link name pointing to target (mode 0120777).
func (w *Writer) Symlink(name, target string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if target == "" || strings.IndexByte(target, 0) >= 0 {
		return fmt.Errorf("cpio: bad symlink target %q", target)
	}
	return w.entry(name, TypeSymlink|0o777, 1, w.nextIno(), []byte(target))
}

// Close writes the TRAILER!!! entry. The archive length is then a multiple
// of 4. Calling Close again is a no-op.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	if err := w.entry(Trailer, 0, 1, 0, nil); err != nil {
		return err
	}
	w.closed = true
	return nil
}
