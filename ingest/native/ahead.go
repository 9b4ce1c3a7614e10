package native

import (
	"errors"
	"runtime"
	"sync"

	"github.com/redthread-dev/redthread/ingest"
)

// Lines are decoded and validated ahead of the caller, a chunk at a time,
// on every CPU: decoding JSON and checksumming addresses cost most of a
// load's CPU, and the records of a chunk are independent. A chunk holds at
// most aheadLines lines and, past its first line, aheadBytes bytes, so the
// read-ahead stays small beside a batch of records.
const (
	aheadLines = 1024
	aheadBytes = 4 << 20
	// aheadSplit is the chunk size from which parsing is split across
	// CPUs: below it, starting goroutines costs more than it saves.
	aheadSplit = 64
)

// parsed is one line's outcome, with the position after it.
type parsed struct {
	line  []byte // into the chunk's arena until parsed
	pos   ingest.Pos
	rec   ingest.Record
	err   error
	after ingest.Position
}

// ahead is the read-ahead state of a Reader.
type ahead struct {
	items  []parsed
	next   int             // first item not returned
	arena  []byte          // the chunk's lines, reused from chunk to chunk
	pos    ingest.Position // after the last record returned
	filled bool            // a chunk was read: pos is set
	end    error           // io.EOF or the read error that ended the input
}

// next returns the next record in order, filling a chunk when none is left.
func (r *Reader) next() (ingest.Record, error) {
	a := &r.ahead
	if a.next == len(a.items) {
		if a.end != nil {
			a.pos = r.lines.Position()
			return ingest.Record{}, a.end
		}
		r.fill()
		if len(a.items) == 0 {
			a.pos = r.lines.Position()
			return ingest.Record{}, a.end
		}
	}
	it := &a.items[a.next]
	a.next++
	a.pos = it.after
	rec, err := it.rec, it.err
	it.rec, it.err = ingest.Record{}, nil // not kept alive by the chunk
	return rec, err
}

// position is where the line after the last record returned starts.
func (r *Reader) position() ingest.Position {
	if !r.ahead.filled {
		return r.lines.Position()
	}
	return r.ahead.pos
}

// fill reads the next chunk of lines and parses them.
func (r *Reader) fill() {
	a := &r.ahead
	a.pos, a.filled = r.lines.Position(), true
	a.items, a.next, a.arena = a.items[:0], 0, a.arena[:0]
	if cap(a.arena) > 2*aheadBytes {
		a.arena = nil // grown by a long line: not kept for the next chunk
	}
	size := 0
	for len(a.items) < aheadLines && (len(a.items) == 0 || size < aheadBytes) {
		line, err := r.lines.Next()
		var rerr *ingest.RecordError
		switch {
		case errors.As(err, &rerr): // an over-long line: rejected, reading goes on
			a.items = append(a.items, parsed{err: err, after: r.lines.Position()})
			continue
		case err != nil:
			a.end = err
		}
		if err != nil {
			break
		}
		// Lines are valid until the next read: copied into the arena,
		// which may move as it grows, so items index it by offset first.
		start := len(a.arena)
		a.arena = append(a.arena, line...)
		size += len(line)
		a.items = append(a.items, parsed{line: a.arena[start:len(a.arena):len(a.arena)], pos: r.lines.Pos(), after: r.lines.Position()})
	}
	r.rebase()
	r.parseChunk()
}

// rebase points each item's line into the arena's final array (appends
// may have moved it while the chunk was read).
func (r *Reader) rebase() {
	a := &r.ahead
	off := 0
	for i := range a.items {
		it := &a.items[i]
		if it.err != nil {
			continue
		}
		n := len(it.line)
		it.line = a.arena[off : off+n : off+n]
		off += n
	}
}

// parseChunk parses the chunk's lines, split across CPUs when it is large.
func (r *Reader) parseChunk() {
	items := r.ahead.items
	parse := func(lo, hi int, ends *endpointCache) {
		for i := lo; i < hi; i++ {
			it := &items[i]
			if it.err == nil {
				it.rec, it.err = parseLine(it.line, it.pos, r.marking, ends)
			}
			it.line = nil
		}
	}
	p := max(1, min(runtime.GOMAXPROCS(0), len(items)/(aheadSplit/2)))
	for len(r.ends) < p {
		r.ends = append(r.ends, &endpointCache{})
	}
	if p == 1 {
		parse(0, len(items), r.ends[0])
		return
	}
	var wg sync.WaitGroup
	for c := range p {
		lo, hi := c*len(items)/p, (c+1)*len(items)/p
		wg.Go(func() { parse(lo, hi, r.ends[c]) })
	}
	wg.Wait()
}
