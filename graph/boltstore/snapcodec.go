package boltstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cespare/xxhash/v2"
)

// snapWriter streams a snapshot's body through a checksum: little-endian
// fixed-width numbers, length-prefixed arrays and strings.
type snapWriter struct {
	w   *bufio.Writer
	sum *xxhash.Digest
	buf []byte
	err error
}

func newSnapWriter(w *bufio.Writer) *snapWriter {
	return &snapWriter{w: w, sum: xxhash.New(), buf: make([]byte, 0, 64<<10)}
}

func (s *snapWriter) flush() {
	if s.err == nil {
		_, _ = s.sum.Write(s.buf)
		_, s.err = s.w.Write(s.buf)
	}
	s.buf = s.buf[:0]
}

func (s *snapWriter) room(n int) {
	if len(s.buf)+n > cap(s.buf) {
		s.flush()
	}
}

func (s *snapWriter) u64(v uint64) {
	s.room(8)
	s.buf = binary.LittleEndian.AppendUint64(s.buf, v)
}

func (s *snapWriter) bytes(b []byte) {
	s.u64(uint64(len(b)))
	for len(b) > 0 {
		s.room(1)
		n := min(len(b), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, b[:n]...)
		b = b[n:]
	}
}

func (s *snapWriter) str(v string) { s.bytes([]byte(v)) }

func (s *snapWriter) strs(v []string) {
	s.u64(uint64(len(v)))
	for _, x := range v {
		s.str(x)
	}
}

func (s *snapWriter) u32s(v []uint32) {
	s.u64(uint64(len(v)))
	for _, x := range v {
		s.room(4)
		s.buf = binary.LittleEndian.AppendUint32(s.buf, x)
	}
}

func (s *snapWriter) u64s(v []uint64) {
	s.u64(uint64(len(v)))
	for _, x := range v {
		s.u64(x)
	}
}

func (s *snapWriter) f64s(v []float64) {
	s.u64(uint64(len(v)))
	for _, x := range v {
		s.u64(math.Float64bits(x))
	}
}

// errSnapShort is a snapshot that ends early or announces more than it holds.
var errSnapShort = errors.New("truncated or oversized field")

// snapReader parses a checksummed body held in memory. The first error
// sticks; every length is checked against the bytes left before anything
// is allocated, so a hostile file cannot ask for more memory than its size.
type snapReader struct {
	b   []byte
	err error
}

func (r *snapReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *snapReader) u64() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.fail(errSnapShort)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// count reads a length of items of size bytes each.
func (r *snapReader) count(size int) int {
	n := r.u64()
	if r.err != nil || n > uint64(len(r.b)/size) {
		r.fail(errSnapShort)
		return 0
	}
	return int(n)
}

func (r *snapReader) bytes() []byte {
	n := r.count(1)
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *snapReader) str() string { return string(r.bytes()) }

func (r *snapReader) strs() []string {
	n := r.count(8) // each string has at least its length
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *snapReader) u32s() []uint32 {
	n := r.count(4)
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(r.b[4*i:])
	}
	r.b = r.b[4*n:]
	return out
}

func (r *snapReader) u64s() []uint64 {
	n := r.count(8)
	out := make([]uint64, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(r.b[8*i:])
	}
	r.b = r.b[8*n:]
	return out
}

func (r *snapReader) f64s() []float64 {
	n := r.count(8)
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(r.b[8*i:]))
	}
	r.b = r.b[8*n:]
	return out
}

// within checks that every value of v is below n.
func within(what string, v []uint32, n int) error {
	for i, x := range v {
		if uint64(x) >= uint64(n) {
			return fmt.Errorf("%s[%d] = %d, beyond %d", what, i, x, n)
		}
	}
	return nil
}
