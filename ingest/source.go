package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// File returns a Source reading the file at path in format f. The path is
// the name used in error reports.
func File(path string, f Format) Source { return &fileSource{path: path, format: f} }

// Bytes returns a Source reading data in format f, such as a file embedded
// in the binary; name is used in error reports.
func Bytes(name string, data []byte, f Format) Source {
	return &bytesSource{name: name, data: data, format: f}
}

type fileSource struct {
	path   string
	format Format
}

func (s *fileSource) Name() string { return s.path }

func (s *fileSource) Size() int64 {
	fi, err := os.Stat(s.path)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

func (s *fileSource) Open(ctx context.Context) (Reader, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	c := &countingReader{r: f}
	return &streamReader{Reader: s.format(c, s.path), count: c, closer: f}, nil
}

type bytesSource struct {
	name   string
	data   []byte
	format Format
}

func (s *bytesSource) Name() string { return s.name }
func (s *bytesSource) Size() int64  { return int64(len(s.data)) }

func (s *bytesSource) Open(ctx context.Context) (Reader, error) {
	c := &countingReader{r: bytes.NewReader(s.data)}
	return &streamReader{Reader: s.format(c, s.name), count: c}, nil
}

// streamReader adds byte counting and closing to a format's Reader, so that
// formats only parse.
type streamReader struct {
	Reader
	count  *countingReader
	closer io.Closer
}

func (r *streamReader) BytesRead() int64 { return r.count.n }

func (r *streamReader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// countingReader counts the bytes read through it. Formats buffer ahead, so
// the count runs up to one buffer ahead of the records returned: close
// enough for a progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
