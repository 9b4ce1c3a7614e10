package ingest

import "io"

// BudgetReader reads from an io.Reader until more than a budget of bytes
// has been read since the last Reset, then fails every read with a
// LIMIT_EXCEEDED error (IsTooLarge). A streaming decoder such as
// json.Decoder holds a whole value, however long: reading through a
// BudgetReader reset before each value bounds what it may hold. Decoders
// read ahead, so the bound is approximate by the size of their buffer.
type BudgetReader struct {
	r         io.Reader
	max, used int64
	what      string
}

// NewBudgetReader returns a BudgetReader of r allowing max bytes per
// value; what names the value in the error ("the object").
func NewBudgetReader(r io.Reader, max int64, what string) *BudgetReader {
	return &BudgetReader{r: r, max: max, what: what}
}

// Reset starts the budget of the next value.
func (b *BudgetReader) Reset() { b.used = 0 }

func (b *BudgetReader) Read(p []byte) (int, error) {
	if b.used >= b.max {
		return 0, TooLarge(b.what, b.max, true, b.max)
	}
	if rest := b.max - b.used; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.used += int64(n)
	return n, err
}
