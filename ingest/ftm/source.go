package ftm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/redthread-dev/redthread/ingest"
)

// source is a File or Bytes source: two passes over the same bytes.
type source struct {
	name, path string
	files      ingest.Opener // of path
	data       []byte
	opts       Options
}

func (s *source) Name() string { return s.name }

func (s *source) Size() int64 {
	if s.path == "" {
		return int64(len(s.data))
	}
	fi, err := s.files.Stat(s.path)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

func (s *source) open() (io.ReadCloser, error) {
	if s.path == "" {
		return io.NopCloser(bytes.NewReader(s.data)), nil
	}
	f, err := s.files.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	return f, nil
}

func (s *source) Open(ctx context.Context) (ingest.Reader, error) {
	f, err := s.open()
	if err != nil {
		return nil, err
	}
	ids, names, err := scanIDs(ctx, f, s.name)
	_ = f.Close() // read only: the second pass opens the file again
	if err != nil {
		return nil, err
	}
	if f, err = s.open(); err != nil {
		return nil, err
	}
	r := NewReader(f, s.name, s.opts)
	r.ids, r.names, r.prepass, r.closer = ids, names, true, f
	return r, nil
}

// scanIDs is the first pass: the node ID of every entity that makes a
// node, and the names of those a designation may name.
func scanIDs(ctx context.Context, f io.Reader, name string) (ids, names map[string]string, err error) {
	r := NewReader(f, name, Options{})
	ids, names = map[string]string{}, map[string]string{}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		line, err := r.lines.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return ids, names, nil
		case errors.As(err, &re):
			continue // reported by the second pass
		case err != nil:
			return nil, nil, err
		}
		e, _, err := decode(line)
		if err != nil || nodeSchemas[e.schema] == "" {
			continue
		}
		if n, _, err := nodeOf(e); err == nil {
			ids[e.id] = n.ID
			rememberName(names, e.id, n)
		}
	}
}
