// Package cases keeps investigators' saved views ("cases"): which nodes and
// edges are on the canvas, where, with which filters, groups and notes. The
// server stores the view as an opaque JSON document written by the web
// client (web/src/caseView.ts); it checks only its size and shape, and
// keeps node IDs, never node data, so reopening a case reads the graph
// again under the reader's own rights.
//
// Cases live in a bbolt file in the server's state directory, beside the
// ingest jobs, whichever graph store serves the graph.
package cases

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
)

// Limits on what one case may hold.
const (
	MaxViewBytes = 8 << 20 // a 50k-node view with positions is about 4 MiB of JSON
	MaxNameRunes = 200
	MaxByRunes   = 200
)

var bucket = []byte("cases")

// Case is a saved view.
type Case struct {
	ID   string
	Name string
	// View is the client's JSON object, as sent.
	View json.RawMessage
	// Version counts the saves that changed it, from 1; an update may name
	// the version it read (optimistic concurrency between investigators).
	Version   int
	Nodes     int // how many nodes the view holds (its "nodes" array), for lists
	CreatedAt time.Time
	UpdatedAt time.Time
	CreatedBy string
	UpdatedBy string
}

// Draft is what a save asks for.
type Draft struct {
	// ID names the case to update; empty creates a new case.
	ID   string
	Name string
	View json.RawMessage
	// ExpectedVersion, when set, must be the stored version, or the save
	// fails with CONFLICT: someone else saved the case meanwhile.
	ExpectedVersion *int
	By              string
}

// Store is the case store over one bbolt file.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// Open opens (creating if needed) the case file cases.db in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("case store: %w", err)
	}
	path := filepath.Join(dir, "cases.db")
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("case store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("case store %s: %w", path, err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// record is a case as stored.
type record struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	View      json.RawMessage `json:"view"`
	Version   int             `json:"version"`
	Nodes     int             `json:"nodes"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	CreatedBy string          `json:"createdBy,omitempty"`
	UpdatedBy string          `json:"updatedBy,omitempty"`
}

func (r record) toCase() Case {
	return Case(r)
}

// Save creates or updates a case. Saving what is already stored (same name
// and view) changes nothing and returns the stored case, so a retried save
// is harmless.
func (s *Store) Save(ctx context.Context, d Draft) (Case, error) {
	if err := ctx.Err(); err != nil {
		return Case{}, err
	}
	name := strings.TrimSpace(d.Name)
	by := strings.TrimSpace(d.By)
	view, nodes, err := checkView(d.View)
	if err != nil {
		return Case{}, err
	}
	switch {
	case name == "":
		return Case{}, graph.Errorf(graph.CodeInvalid, "case name: empty")
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return Case{}, graph.Errorf(graph.CodeInvalid, "case name: longer than %d characters", MaxNameRunes)
	case utf8.RuneCountInString(by) > MaxByRunes:
		return Case{}, graph.Errorf(graph.CodeInvalid, "case by: longer than %d characters", MaxByRunes)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var out record
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if d.ID == "" {
			id, err := newID()
			if err != nil {
				return err
			}
			out = record{ID: id, Name: name, View: view, Version: 1, Nodes: nodes, CreatedAt: now, UpdatedAt: now, CreatedBy: by, UpdatedBy: by}
			return put(b, out)
		}
		cur, err := get(b, d.ID)
		if err != nil {
			return err
		}
		if d.ExpectedVersion != nil && *d.ExpectedVersion != cur.Version {
			return graph.Errorf(graph.CodeConflict, "case %s is at version %d, not %d: it was saved since you opened it (by %s at %s)",
				cur.ID, cur.Version, *d.ExpectedVersion, cmp.Or(cur.UpdatedBy, "someone"), cur.UpdatedAt.Format(time.RFC3339))
		}
		if cur.Name == name && bytes.Equal(cur.View, view) {
			out = cur
			return nil
		}
		out = cur
		out.Name, out.View, out.Nodes = name, view, nodes
		out.Version++
		out.UpdatedAt, out.UpdatedBy = now, by
		return put(b, out)
	})
	if err != nil {
		return Case{}, fmt.Errorf("save case: %w", err)
	}
	return out.toCase(), nil
}

// Get returns one case, or NOT_FOUND.
func (s *Store) Get(ctx context.Context, id string) (Case, error) {
	if err := ctx.Err(); err != nil {
		return Case{}, err
	}
	var r record
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = get(tx.Bucket(bucket), id)
		return err
	})
	if err != nil {
		return Case{}, err
	}
	return r.toCase(), nil
}

// List returns up to limit cases, most recently saved first, without their
// views.
func (s *Store) List(ctx context.Context, limit int) ([]Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Case
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("case %s: stored record: %w", k, err)
			}
			r.View = nil
			out = append(out, r.toCase())
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	slices.SortFunc(out, func(a, b Case) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Delete removes a case; deleting one that does not exist is NOT_FOUND.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(id)) == nil {
			return graph.Errorf(graph.CodeNotFound, "case %q: not found", id)
		}
		return b.Delete([]byte(id))
	})
}

func get(b *bolt.Bucket, id string) (record, error) {
	v := b.Get([]byte(id))
	if v == nil {
		return record{}, graph.Errorf(graph.CodeNotFound, "case %q: not found", id)
	}
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return record{}, fmt.Errorf("case %s: stored record: %w", id, err)
	}
	return r, nil
}

func put(b *bolt.Bucket, r record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(r.ID), v)
}

// checkView accepts a JSON object of at most MaxViewBytes, returns it
// compacted (so that re-saving the same view is recognised) and the length
// of its "nodes" array.
func checkView(raw json.RawMessage) (json.RawMessage, int, error) {
	if len(raw) > MaxViewBytes {
		return nil, 0, graph.Errorf(graph.CodeLimit, "case view: %d bytes, more than %d", len(raw), MaxViewBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, 0, graph.Errorf(graph.CodeInvalid, "case view: not a JSON object")
	}
	var nodes []json.RawMessage
	if n, ok := obj["nodes"]; ok {
		if err := json.Unmarshal(n, &nodes); err != nil {
			return nil, 0, graph.Errorf(graph.CodeInvalid, "case view: nodes: not an array")
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, 0, graph.Errorf(graph.CodeInvalid, "case view: %v", err)
	}
	return buf.Bytes(), len(nodes), nil
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random, unguessable case ID (80 bits).
func newID() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("case id: %w", err)
	}
	return idEncoding.EncodeToString(b[:]), nil
}
