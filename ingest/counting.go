package ingest

import "io"

// CountingReader counts the bytes read through it, from the offset it
// starts at. Formats buffer ahead, so the count runs up to one buffer ahead
// of the records returned: close enough for a progress bar.
type CountingReader struct {
	r io.Reader
	n int64
}

// NewCountingReader returns a CountingReader of r, which starts at byte
// from of its input.
func NewCountingReader(r io.Reader, from int64) *CountingReader {
	return &CountingReader{r: r, n: from}
}

// Read reads from the underlying reader, counting what it returns.
func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// BytesRead is the offset reached: the bytes read plus the start.
func (c *CountingReader) BytesRead() int64 { return c.n }
