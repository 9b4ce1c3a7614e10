package etleth

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/big"
	"runtime"
	"slices"
	"sync"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// Rows are read a chunk at a time and converted on every CPU: checking
// addresses, parsing amounts and preparing edges cost most of a load's
// CPU, and rows are independent. What depends on the rows before (which
// wallets are new, the skip counts) is applied as each row is returned,
// so records, rejections and counts come exactly as from one row at a
// time, and a resumed job that skips the records done meets the same.
const (
	aheadRows = 1024
	// aheadSplit is the chunk size from which converting is split across
	// CPUs: below it, starting goroutines costs more than it saves.
	aheadSplit = 64
)

// maxDecimals bounds a token's decimals: 10^77 is the largest power of
// ten an EVM word holds.
const maxDecimals = 77

func powersOf10() *[maxDecimals + 1]*big.Int {
	var p [maxDecimals + 1]*big.Int
	ten := big.NewInt(10)
	p[0] = big.NewInt(1)
	for i := 1; i <= maxDecimals; i++ {
		p[i] = new(big.Int).Mul(p[i-1], ten)
	}
	return &p
}

// converted is one row's outcome: a rejection, a skip, or a transfer.
type converted struct {
	row          []string // until converted
	pos          ingest.Pos
	err          error // a *ingest.RecordError
	skip         string
	from, to     string // wallet keys
	illustrative bool
	edge         *graph.Edge
	proof        graph.Prepared
}

// ahead is the read-ahead state of a Reader.
type ahead struct {
	items []converted
	next  int   // first item not returned
	end   error // io.EOF or the read error that ended the input
}

// nextRow queues the records of the next row, or returns its rejection.
func (r *Reader) nextRow() error {
	a := &r.ahead
	if a.next == len(a.items) {
		if a.end == nil {
			r.readChunk()
		}
		if a.next == len(a.items) {
			if a.end == io.EOF {
				r.done = true
			}
			return a.end
		}
	}
	cv := &a.items[a.next]
	a.next++
	defer func() { *cv = converted{} }() // not kept alive by the chunk
	switch {
	case cv.err != nil:
		return cv.err
	case cv.skip != "":
		r.skipped[cv.skip]++
		return nil
	}
	return r.emit(cv)
}

// readChunk reads up to aheadRows rows and converts them.
func (r *Reader) readChunk() {
	a := &r.ahead
	a.items, a.next = a.items[:0], 0
	for len(a.items) < aheadRows {
		row, err := r.csv.Read()
		if err == io.EOF {
			a.end = io.EOF
			break
		}
		var perr *csv.ParseError
		var tl *ingest.RowTooLargeError
		switch {
		case errors.As(err, &perr) && errors.As(perr.Err, &tl):
			pos := ingest.Pos{File: r.name, Line: perr.StartLine}
			field := ""
			if tl.Field < len(r.names) {
				field = r.names[tl.Field]
			}
			a.items = append(a.items, converted{pos: pos, err: &ingest.RecordError{Pos: pos, Field: field, Err: tl.Err}})
			continue
		case errors.As(err, &perr):
			pos := ingest.Pos{File: r.name, Line: perr.StartLine}
			a.items = append(a.items, converted{pos: pos, err: &ingest.RecordError{Pos: pos, Err: fmt.Errorf("malformed CSV: %w", perr.Err)}})
			continue
		case err != nil:
			a.end = fmt.Errorf("read %s: %w", r.name, err)
		}
		if err != nil {
			break
		}
		line, _ := r.csv.FieldPos(0) // only valid after a successful Read
		// The reader reuses its row: the fields are kept, not the slice.
		a.items = append(a.items, converted{row: slices.Clone(row), pos: ingest.Pos{File: r.name, Line: line}})
	}
	r.convertChunk()
}

// convertChunk converts the chunk's rows, split across CPUs when it is large.
func (r *Reader) convertChunk() {
	items := r.ahead.items
	conv := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if cv := &items[i]; cv.row != nil {
				r.convert(cv.row, cv)
				cv.row = nil
			}
		}
	}
	p := max(1, min(runtime.GOMAXPROCS(0), len(items)/(aheadSplit/2)))
	if p == 1 {
		conv(0, len(items))
		return
	}
	var wg sync.WaitGroup
	for c := range p {
		lo, hi := c*len(items)/p, (c+1)*len(items)/p
		wg.Go(func() { conv(lo, hi) })
	}
	wg.Wait()
}
