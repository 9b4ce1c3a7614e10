// Package ingest runs one ingest job (Run): it reads records from sources,
// rejects those holding an oversized value, writes the rest to a store in
// batches (reading the next batch while the store writes one), checkpoints
// the job so that it can resume, and reports what it wrote, skipped and
// rejected, with the file and line of every rejected record.
//
// A source format is one subpackage (ingest/native, ingest/ofaccsv,
// ingest/stix, ingest/ftm...; ingest/formats registers them by name) that
// turns a byte stream into prepared records: it provides a Format, and
// File or Bytes make a Source of it. This package holds what the formats
// share: bounded line, CSV and JSON readers (Lines, CSVReader,
// BudgetReader), the Queue of records a unit of input makes, and the
// limits. CONVENTIONS.md says how a format derives keys, provenance and
// errors. ingest/jobs runs jobs for the API, one at a time, through Run.
package ingest

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/redthread-dev/redthread/graph"
)

// Pos locates a record in its input, for error reports.
type Pos struct {
	File string
	Line int // line or record number, 1-based; 0 when unknown
}

func (p Pos) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Record is one node, one edge or one price read from a source: exactly one
// of Node, Edge and Price is set.
type Record struct {
	Node  *graph.Node
	Edge  *graph.Edge
	Price *graph.Price // a close of the price table (graph.Price)
	Pos   Pos
	// Prepared, when it is the proof of Node or Edge (graph.SealNode,
	// SealEdge), lets the store take the record as it is, without
	// validating it again; the reader must not change the record after.
	Prepared graph.Prepared
}

// RecordError is a rejected record: malformed in its source, invalid, or
// refused by the store. It says where the record is, which field is at fault
// when that is known, and why.
type RecordError struct {
	Pos   Pos
	ID    string // node or edge ID, when known
	Field string // field or column at fault, when known
	Err   error
}

// Error formats the rejection as `file:line: field "x": reason`.
func (e *RecordError) Error() string {
	s := e.Pos.String() + ": "
	if e.Field != "" {
		s += "field " + strconv.Quote(e.Field) + ": "
	}
	return s + e.Reason()
}

// Reason is the message without position and field.
func (e *RecordError) Reason() string {
	if e.Err == nil {
		return "rejected"
	}
	return e.Err.Error()
}

func (e *RecordError) Unwrap() error { return e.Err }

// SourceError is an error that ended a job while it opened or read one
// source: the file cannot be read, or is not of its format at all. A
// format says why with a *graph.Error (its message names neither the file
// nor a path: File does), so that a caller can show the reason to users.
type SourceError struct {
	File string // the source's Name
	Err  error
}

func (e *SourceError) Error() string { return e.File + ": " + e.Err.Error() }

func (e *SourceError) Unwrap() error { return e.Err }

// Reader yields the records of one source.
//
// Next returns the next record, or io.EOF at the end. A malformed record is
// returned as a *RecordError and Next may be called again; any other error
// ends the source and the job. A Reader that implements io.Closer is closed
// by the runner; one that has BytesRead() int64 reports its progress; a
// Positioner lets a checkpointed job resume mid-file, a Skipper counts the
// input it passed over.
type Reader interface {
	Next() (Record, error)
}

// Source is one input of a job, typically a file in some format.
type Source interface {
	Name() string // as used in error reports
	Size() int64  // total bytes, -1 when unknown
	Open(ctx context.Context) (Reader, error)
}

// Format is what a format package provides: a Reader of the records in r,
// where name is the file name used in error reports.
type Format func(r io.Reader, name string) Reader

// Errorf returns a *RecordError at pos for field.
func Errorf(pos Pos, field, format string, args ...any) *RecordError {
	return &RecordError{Pos: pos, Field: field, Err: fmt.Errorf(format, args...)}
}
