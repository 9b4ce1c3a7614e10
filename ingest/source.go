package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Position is where a record starts in its input: the byte offset of its
// first byte and the number of lines (or records, for formats without lines)
// before it. A job's checkpoint keeps the position of the next record of the
// source it is reading, so that a resumed job reads on from there.
type Position struct {
	Offset int64 `json:"offset"`
	Line   int   `json:"line"`
}

// Positioner is implemented by a format's Reader that knows where its next
// record starts: after Next has returned a record (or a *RecordError),
// Position is the position of the byte after it.
type Positioner interface {
	Position() Position
}

// ResumeFormat is a Format that can start in the middle of its input: r
// begins at byte at.Offset of the input, at.Line lines into it (at is the
// zero Position for a whole input), and the Reader it returns implements
// Positioner with offsets counted from the start of the input. Line-oriented
// formats without a header (native JSON lines) provide one; formats that
// need the whole input, or a header, provide only a Format, and a resumed
// job re-reads them from the top, skipping the records it has done.
type ResumeFormat func(r io.Reader, name string, at Position) Reader

// Resumer is implemented by a Source that can open its input at a Position
// its Reader reported.
type Resumer interface {
	OpenAt(ctx context.Context, at Position) (Reader, error)
}

// Fingerprinter is implemented by a Source that can tell its content apart
// from other content under the same name, so that a checkpoint taken on one
// version of a file is never applied to another. Sources without it are
// identified by name and size.
type Fingerprinter interface {
	Fingerprint() (string, error)
}

// Opener opens and stats the files of Sources. An *os.Root is one: it
// refuses, when the file is opened, a path or symbolic link that leads out
// of its directory, so that a file swapped for a link after a job was
// accepted is not followed. OSFiles, the default, opens any path.
type Opener interface {
	Open(name string) (*os.File, error)
	Stat(name string) (fs.FileInfo, error)
}

// OSFiles is the Opener of os.Open and os.Stat.
type OSFiles struct{}

// Open opens the file at name with os.Open.
func (OSFiles) Open(name string) (*os.File, error) { return os.Open(name) }

// Stat describes the file at name with os.Stat.
func (OSFiles) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// OpenerOr returns o, or OSFiles when o is nil.
func OpenerOr(o Opener) Opener {
	if o == nil {
		return OSFiles{}
	}
	return o
}

// File returns a Source reading the file at path in format f. The path is
// the name used in error reports.
func File(path string, f Format) Source { return FileFrom(nil, path, f) }

// FileFrom is File opening the file through o (nil: OS).
func FileFrom(o Opener, path string, f Format) Source {
	return &fileSource{files: OpenerOr(o), path: path, format: f}
}

// ResumableFile is File for a format that can resume mid-file: a job that
// resumes from a checkpoint seeks to the next record instead of re-reading
// the file.
func ResumableFile(path string, f ResumeFormat) Source { return ResumableFileFrom(nil, path, f) }

// ResumableFileFrom is ResumableFile opening the file through o (nil: OS).
func ResumableFileFrom(o Opener, path string, f ResumeFormat) Source {
	return &resumableFile{fileSource{files: OpenerOr(o), path: path, format: func(r io.Reader, name string) Reader { return f(r, name, Position{}) }}, f}
}

// Bytes returns a Source reading data in format f, such as a file embedded
// in the binary; name is used in error reports.
func Bytes(name string, data []byte, f Format) Source {
	return &bytesSource{name: name, data: data, format: f}
}

type fileSource struct {
	files  Opener
	path   string
	format Format
}

func (s *fileSource) Name() string { return s.path }

func (s *fileSource) Size() int64 {
	fi, err := s.files.Stat(s.path)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

func (s *fileSource) Open(ctx context.Context) (Reader, error) {
	f, err := s.files.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	c := NewCountingReader(f, 0)
	return &streamReader{Reader: s.format(c, s.path), count: c, closer: f}, nil
}

// fingerprintPrefix is how much of a file is hashed into its fingerprint:
// with size and modification time, enough to catch a replaced or edited
// file without reading gigabytes at every start.
const fingerprintPrefix = 1 << 20

// Fingerprint is the size, modification time and a hash of the first MiB.
func (s *fileSource) Fingerprint() (string, error) {
	f, err := s.files.Open(s.path)
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: a close error loses nothing
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("fingerprint: %w", err)
	}
	h := sha256.New()
	if _, err := io.CopyN(h, f, fingerprintPrefix); err != nil && err != io.EOF {
		return "", fmt.Errorf("fingerprint %s: %w", s.path, err)
	}
	return fmt.Sprintf("size=%d mtime=%s sha256-1MiB=%s", fi.Size(), fi.ModTime().UTC().Format(time.RFC3339Nano), hex.EncodeToString(h.Sum(nil)[:16])), nil
}

type resumableFile struct {
	fileSource
	at ResumeFormat
}

func (s *resumableFile) OpenAt(ctx context.Context, at Position) (Reader, error) {
	f, err := s.files.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	if _, err := f.Seek(at.Offset, io.SeekStart); err != nil {
		_ = f.Close() // read only, and the seek error is the one to report
		return nil, fmt.Errorf("seek source to byte %d: %w", at.Offset, err)
	}
	c := NewCountingReader(f, at.Offset)
	return &streamReader{Reader: s.at(c, s.path, at), count: c, closer: f}, nil
}

type bytesSource struct {
	name   string
	data   []byte
	format Format
}

func (s *bytesSource) Name() string { return s.name }
func (s *bytesSource) Size() int64  { return int64(len(s.data)) }

func (s *bytesSource) Open(ctx context.Context) (Reader, error) {
	c := NewCountingReader(bytes.NewReader(s.data), 0)
	return &streamReader{Reader: s.format(c, s.name), count: c}, nil
}

func (s *bytesSource) Fingerprint() (string, error) {
	h := sha256.Sum256(s.data)
	return fmt.Sprintf("size=%d sha256=%s", len(s.data), hex.EncodeToString(h[:16])), nil
}

// SetDefaultMarking passes the job's default marking on to the format's
// Reader when it takes one (MarkingDefaulter).
func (r *streamReader) SetDefaultMarking(m graph.Marking) {
	if d, ok := r.Reader.(MarkingDefaulter); ok {
		d.SetDefaultMarking(m)
	}
}

// streamReader adds byte counting and closing to a format's Reader, so that
// formats only parse.
type streamReader struct {
	Reader
	count  *CountingReader
	closer io.Closer
}

func (r *streamReader) BytesRead() int64 { return r.count.BytesRead() }

// position reports the format's Position when it has one; the embedded
// Reader's methods are not promoted through the interface field.
func (r *streamReader) position() (Position, bool) {
	p, ok := r.Reader.(Positioner)
	if !ok {
		return Position{}, false
	}
	return p.Position(), true
}

// Skipped passes on the format's skip counts; the embedded Reader's
// methods are not promoted through the interface field.
func (r *streamReader) Skipped() map[string]int { return skippedOf(r.Reader) }

func (r *streamReader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}
