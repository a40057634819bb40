package cpio

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// Reader reads the entries of one newc archive from a stream. Next returns
// io.EOF after the TRAILER!!! entry; data following the trailer is not read.
// To walk concatenated (and compressed) archives held in memory use [ReadAll].
//
// The reader never allocates more than MaxNameSize bytes per header, whatever
// the sizes claimed by the input.
type Reader struct {
	r      io.Reader
	off    int64 // bytes consumed from r
	remain int64 // data bytes of the current entry not yet read
	pad    int64 // padding after the current entry's data
	done   bool
	err    error
	hbuf   [headerLen]byte
}

// NewReader returns a Reader reading an archive from r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

func (r *Reader) readFull(b []byte) error {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (r *Reader) skip(n int64) error {
	if n == 0 {
		return nil
	}
	m, err := io.CopyN(io.Discard, r.r, n)
	r.off += m
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// Offset returns the number of bytes consumed from the underlying reader.
// After Next returned io.EOF it is the length of the archive including the
// trailer's padding.
func (r *Reader) Offset() int64 { return r.off }

// Next advances to the next entry, skipping any unread data of the current
// one. It returns io.EOF after the trailer, and an error wrapping ErrFormat
// (or io.ErrUnexpectedEOF) for malformed or truncated input.
func (r *Reader) Next() (*Header, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	h, err := r.next()
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		return nil, err
	}
	return h, nil
}

func (r *Reader) next() (*Header, error) {
	if err := r.skip(r.remain + r.pad); err != nil {
		return nil, fmt.Errorf("cpio: truncated entry data: %w", err)
	}
	r.remain, r.pad = 0, 0
	start := r.off
	if err := r.readFull(r.hbuf[:]); err != nil {
		if start == 0 && err == io.ErrUnexpectedEOF && r.off == 0 {
			return nil, fmt.Errorf("%w: empty input", ErrFormat)
		}
		return nil, fmt.Errorf("cpio: truncated header at offset %d: %w", start, err)
	}
	h, ns, err := parseHeader(r.hbuf[:], start)
	if err != nil {
		return nil, err
	}
	nb := make([]byte, ns)
	if err := r.readFull(nb); err != nil {
		return nil, fmt.Errorf("cpio: truncated name at offset %d: %w", start, err)
	}
	h.Name, err = parseName(nb, start)
	if err != nil {
		return nil, err
	}
	if err := r.skip(pad4(r.off)); err != nil {
		return nil, fmt.Errorf("cpio: truncated name padding at offset %d: %w", start, err)
	}
	if h.Name == Trailer {
		if err := r.skip(h.Size + pad4(h.Size)); err != nil {
			return nil, fmt.Errorf("cpio: truncated trailer: %w", err)
		}
		r.done = true
		return nil, io.EOF
	}
	r.remain = h.Size
	r.pad = pad4(h.Size)
	return &h, nil
}

// Read reads the data of the current entry. It returns io.EOF at the end of
// the entry's data and io.ErrUnexpectedEOF if the input ends early.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remain {
		p = p[:r.remain]
	}
	n, err := r.r.Read(p)
	r.off += int64(n)
	r.remain -= int64(n)
	if err == io.EOF {
		if r.remain > 0 {
			err = io.ErrUnexpectedEOF
			r.err = err
		} else {
			err = nil
		}
	}
	return n, err
}

// Entry is an archive entry with its data, as returned by ReadAll.
type Entry struct {
	Header
	Data []byte
}

// MaxDecompressed bounds the total number of bytes ReadAll will produce by
// decompressing gzip members, to protect against decompression bombs.
var MaxDecompressed int64 = 1 << 30

// ReadAll returns the entries of every archive in data, in order. Like the
// kernel's initramfs unpacker it accepts:
//   - several archives one after another;
//   - zero bytes between archives (skipped; an archive must start at an
//     offset that is a multiple of 4);
//   - gzip-compressed archives (a gzip member whose content is itself one or
//     more archives), mixed with uncompressed ones.
//
// Trailer entries are not returned. Data of entries of uncompressed archives
// aliases data. Each archive must end with a trailer: a truncated archive is
// an error (the kernel would silently stop). Input that is empty or only
// zeros gives no entries and no error.
func ReadAll(data []byte) ([]Entry, error) {
	budget := MaxDecompressed
	return readAll(data, true, &budget)
}

var gzipMagic = []byte{0x1f, 0x8b}

func readAll(data []byte, allowGzip bool, budget *int64) ([]Entry, error) {
	var out []Entry
	pos := 0
	for pos < len(data) {
		switch {
		case data[pos] == 0:
			pos++
		case data[pos] == '0' && pos&3 == 0:
			es, n, err := readArchive(data[pos:], int64(pos))
			out = append(out, es...)
			if err != nil {
				return out, err
			}
			pos += n
		case allowGzip && bytes.HasPrefix(data[pos:], gzipMagic):
			content, n, err := gunzipMember(data[pos:], budget)
			if err != nil {
				return out, fmt.Errorf("cpio: gzip member at offset %d: %w", pos, err)
			}
			es, err := readAll(content, false, budget)
			out = append(out, es...)
			if err != nil {
				return out, fmt.Errorf("cpio: in gzip member at offset %d: %w", pos, err)
			}
			pos += n
		case data[pos] == '0':
			return out, formatErr(int64(pos), "archive start not aligned to 4 bytes")
		default:
			return out, formatErr(int64(pos), "junk (byte %#02x) where an archive should start", data[pos])
		}
	}
	return out, nil
}

// readArchive parses one archive at the start of b and returns its entries
// and its length including the trailer's padding.
func readArchive(b []byte, base int64) ([]Entry, int, error) {
	var out []Entry
	pos := int64(0)
	n := int64(len(b))
	for {
		off := base + pos
		if n-pos < headerLen {
			return out, 0, fmt.Errorf("%w: truncated header at offset %d", ErrFormat, off)
		}
		h, ns, err := parseHeader(b[pos:pos+headerLen], off)
		if err != nil {
			return out, 0, err
		}
		pos += headerLen
		if n-pos < int64(ns) {
			return out, 0, fmt.Errorf("%w: truncated name at offset %d", ErrFormat, off)
		}
		h.Name, err = parseName(b[pos:pos+int64(ns)], off)
		if err != nil {
			return out, 0, err
		}
		pos += int64(ns)
		pos += pad4(base + pos)
		if pos > n || n-pos < h.Size {
			return out, 0, fmt.Errorf("%w: truncated data of %q at offset %d (size %d, %d bytes left)",
				ErrFormat, h.Name, off, h.Size, max(n-pos, 0))
		}
		d := b[pos : pos+h.Size : pos+h.Size]
		pos += h.Size
		pos += pad4(base + pos)
		if pos > n {
			pos = n // missing final padding: tolerated
		}
		if h.Name == Trailer {
			return out, int(pos), nil
		}
		out = append(out, Entry{Header: h, Data: d})
	}
}

// gunzipMember decompresses the gzip member at the start of b and returns
// its content and compressed length.
func gunzipMember(b []byte, budget *int64) ([]byte, int, error) {
	br := bytes.NewReader(b) // an io.ByteReader: gzip does not read ahead
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, 0, err
	}
	zr.Multistream(false)
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, *budget+1))
	if err != nil {
		return nil, 0, err
	}
	if n > *budget {
		return nil, 0, errors.New("decompressed size exceeds cpio.MaxDecompressed")
	}
	*budget -= n
	return buf.Bytes(), len(b) - br.Len(), nil
}
