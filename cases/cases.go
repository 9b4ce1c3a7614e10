// Package cases keeps investigators' saved views ("cases"): which nodes and
// edges are on the canvas, where, with which filters, groups and notes. The
// server stores the view as an opaque JSON document written by the web
// client (web/src/caseView.ts); it checks only its size and shape, and
// keeps node IDs, never node data, so reopening a case reads the graph
// again under the reader's own rights.
//
// Cases live in the graph store's record store (graph/state), so several
// servers over one Neo4j share them: a case's summary in the collection
// "cases" under its ID, its view apart in "case-views" under "ID/nonce",
// so that listing cases never reads views. A save writes the new view
// under a fresh key, then moves the summary to it with compare-and-set;
// a reader that finds the view gone (a save moved on) reads again.
package cases

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// Limits on what one case may hold.
const (
	MaxViewBytes = 8 << 20 // a 50k-node view with positions is about 4 MiB of JSON
	MaxNameRunes = 200
	MaxByRunes   = 200
)

// Collections of the record store.
const (
	collCases = "cases"
	collViews = "case-views"
)

// saveAttempts bounds how often a save that lost a race with another save
// of the same case (without an expected version) reads and tries again.
const saveAttempts = 8

// Case is a saved view.
type Case struct {
	ID   string
	Name string
	// Agency owns the case: only its users list, read, save and delete it
	// (others reach it only through a share). Cases saved before cases
	// had owners belong to visibility.HomeAgency.
	Agency string
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
	// Agency owns a new case when the context carries no viewer (a trusted
	// caller); with a viewer, the viewer's agency owns it. Empty: the home
	// agency.
	Agency string
}

// Store is the case store over a record store.
type Store struct {
	st  state.Store
	log *slog.Logger
	now func() time.Time
}

// Open returns the case store over st. When legacyDir holds a cases.db
// of an earlier Redthread (which kept cases in their own file in the
// state directory), its cases are imported once, keeping their IDs,
// versions and times; the file is left as it was. log may be nil.
func Open(ctx context.Context, st state.Store, legacyDir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{st: st, log: log, now: time.Now}
	if legacyDir != "" {
		if err := s.importLegacy(ctx, legacyDir); err != nil {
			return nil, fmt.Errorf("case store: %w", err)
		}
	}
	return s, nil
}

// Close does nothing: the record store belongs to the graph store, which
// its owner closes.
func (s *Store) Close() error { return nil }

// record is a case's summary as stored; its view is the record ViewKey
// of collViews.
type record struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Agency    string    `json:"agency,omitempty"` // empty: visibility.HomeAgency (a case older than owners)
	Version   int       `json:"version"`
	Nodes     int       `json:"nodes"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	CreatedBy string    `json:"createdBy,omitempty"`
	UpdatedBy string    `json:"updatedBy,omitempty"`
	ViewKey   string    `json:"viewKey"`
	ViewHash  string    `json:"viewHash"` // SHA-256 of the view, to know a save that changes nothing
}

func (r record) toCase(view json.RawMessage) Case {
	return Case{ID: r.ID, Name: r.Name, Agency: cmp.Or(r.Agency, visibility.HomeAgency), View: view, Version: r.Version, Nodes: r.Nodes,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy}
}

func viewHash(view []byte) string {
	h := sha256.Sum256(view)
	return hex.EncodeToString(h[:])
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
	if d.ID == "" {
		var id string
		if id, err = newID(); err != nil {
			return Case{}, err
		}
		agency, ok := callerAgency(ctx)
		if !ok {
			agency = cmp.Or(d.Agency, visibility.HomeAgency)
		}
		out = record{ID: id, Name: name, Agency: agency, Version: 1, Nodes: nodes, CreatedAt: now, UpdatedAt: now, CreatedBy: by, UpdatedBy: by}
		if err = s.write(ctx, &out, view, state.Absent); err == nil {
			s.Note(ctx, id, Change{At: now, By: by, Agency: agency, Action: ActionCreated, Detail: name})
		}
	} else {
		out, err = s.update(ctx, d, name, by, view, nodes, now)
	}
	if err != nil {
		return Case{}, fmt.Errorf("save case: %w", err)
	}
	return out.toCase(view), nil
}

// update applies a save to a stored case, reading it again when another
// save moved it on meanwhile.
func (s *Store) update(ctx context.Context, d Draft, name, by string, view []byte, nodes int, now time.Time) (record, error) {
	hash := viewHash(view)
	for attempt := 1; ; attempt++ {
		cur, sv, err := s.owned(ctx, d.ID)
		if err != nil {
			return record{}, err
		}
		if d.ExpectedVersion != nil && *d.ExpectedVersion != cur.Version {
			return record{}, graph.Errorf(graph.CodeConflict, "case %s is at version %d, not %d: it was saved since you opened it (by %s at %s)",
				cur.ID, cur.Version, *d.ExpectedVersion, cmp.Or(cur.UpdatedBy, "someone"), cur.UpdatedAt.Format(time.RFC3339))
		}
		if cur.Name == name && cur.ViewHash == hash {
			return cur, nil
		}
		out := cur
		out.Name, out.Nodes = name, nodes
		out.Version++
		out.UpdatedAt, out.UpdatedBy = now, by
		err = s.write(ctx, &out, view, sv)
		switch {
		case err == nil:
			s.dropView(ctx, cur.ViewKey)
			s.noteSave(ctx, cur, out)
			return out, nil
		case errors.Is(err, state.ErrConflict) && attempt < saveAttempts:
			continue
		case errors.Is(err, state.ErrConflict):
			return record{}, graph.WrapError(graph.CodeConflict, err, "case %s: saved by others %d times while this save ran: try again", cur.ID, attempt)
		case errors.Is(err, state.ErrNotFound):
			return record{}, notFound(d.ID)
		}
		return record{}, err
	}
}

// write stores view under a fresh key, then r pointing at it if the
// summary's record is at version expect; on failure the new view is
// dropped again.
func (s *Store) write(ctx context.Context, r *record, view []byte, expect state.Version) error {
	nonce, err := newID()
	if err != nil {
		return err
	}
	r.ViewKey, r.ViewHash = r.ID+"/"+nonce, viewHash(view)
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := s.st.Put(ctx, collViews, r.ViewKey, view, state.Absent); err != nil {
		return err
	}
	if _, err := s.st.Put(ctx, collCases, r.ID, v, expect); err != nil {
		s.dropView(ctx, r.ViewKey)
		return err
	}
	return nil
}

// dropView deletes a view no summary points at. A failure leaves it
// behind, harmless, until its case is deleted.
func (s *Store) dropView(ctx context.Context, key string) {
	err := s.st.Delete(context.WithoutCancel(ctx), collViews, key, state.AnyVersion)
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		s.log.WarnContext(ctx, "case view left behind", "key", key, "err", err)
	}
}

// summary reads a case's summary and the version of its record.
func (s *Store) summary(ctx context.Context, id string) (record, state.Version, error) {
	if !validID(id) {
		return record{}, 0, notFound(id)
	}
	rec, err := s.st.Get(ctx, collCases, id)
	if errors.Is(err, state.ErrNotFound) {
		return record{}, 0, notFound(id)
	}
	if err != nil {
		return record{}, 0, err
	}
	var r record
	if err := json.Unmarshal(rec.Value, &r); err != nil {
		return record{}, 0, fmt.Errorf("case %s: stored record: %w", id, err)
	}
	return r, rec.Version, nil
}

// validID reports whether id can name a stored case: a record key
// without the separator of view keys. Anything else is simply not found.
func validID(id string) bool {
	return state.CheckKey("id", id) == nil && !strings.Contains(id, "/")
}

// Get returns one case of the caller's agency (any case for a trusted
// caller), or NOT_FOUND: another agency's case is answered as a missing one.
func (s *Store) Get(ctx context.Context, id string) (Case, error) {
	return s.get(ctx, id, s.owned)
}

// Shared returns one case whoever owns it, for a share's recipient (package
// cases/shares checks the share before it asks).
func (s *Store) Shared(ctx context.Context, id string) (Case, error) {
	return s.get(ctx, id, s.summary)
}

func (s *Store) get(ctx context.Context, id string, summary func(context.Context, string) (record, state.Version, error)) (Case, error) {
	if err := ctx.Err(); err != nil {
		return Case{}, err
	}
	for attempt := 1; ; attempt++ {
		r, _, err := summary(ctx, id)
		if err != nil {
			return Case{}, err
		}
		view, err := s.st.Get(ctx, collViews, r.ViewKey)
		if errors.Is(err, state.ErrNotFound) && attempt < saveAttempts {
			continue // a save replaced the view after we read the summary
		}
		if err != nil {
			return Case{}, fmt.Errorf("case %s: view: %w", id, err)
		}
		return r.toCase(view.Value), nil
	}
}

// List returns up to limit cases of the caller's agency (every case for a
// trusted caller; 0: all), most recently saved first, without their views.
func (s *Store) List(ctx context.Context, limit int) ([]Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	agency, scoped := callerAgency(ctx)
	var out []Case
	for after := ""; ; {
		page, err := s.st.List(ctx, collCases, "", after, state.MaxList)
		if err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		for _, rec := range page {
			var r record
			if err := json.Unmarshal(rec.Value, &r); err != nil {
				return nil, fmt.Errorf("list cases: case %s: stored record: %w", rec.Key, err)
			}
			if c := r.toCase(nil); !scoped || c.Agency == agency {
				out = append(out, c)
			}
		}
		if len(page) < state.MaxList {
			break
		}
		after = page[len(page)-1].Key
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

// Delete removes a case of the caller's agency; deleting one that does not
// exist (or is another agency's) is NOT_FOUND. Its history stays in its
// log (logs are append-only); nothing reads it once the case is gone.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, version, err := s.owned(ctx, id)
	if err != nil {
		return err
	}
	err = s.st.Delete(ctx, collCases, id, version)
	if errors.Is(err, state.ErrConflict) {
		return graph.Errorf(graph.CodeConflict, "case %s: saved while it was being deleted: try again", id)
	}
	if errors.Is(err, state.ErrNotFound) {
		return notFound(id)
	}
	if err != nil {
		return fmt.Errorf("delete case: %w", err)
	}
	// Its views, with any a failed save left behind.
	for after := ""; ; {
		views, err := s.st.List(context.WithoutCancel(ctx), collViews, id+"/", after, state.MaxList)
		if err != nil {
			s.log.WarnContext(ctx, "views of a deleted case left behind", "case", id, "err", err)
		}
		for _, v := range views {
			s.dropView(ctx, v.Key)
		}
		if err != nil || len(views) < state.MaxList {
			return nil
		}
		after = views[len(views)-1].Key
	}
}

func notFound(id string) error { return graph.Errorf(graph.CodeNotFound, "case %q: not found", id) }

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
