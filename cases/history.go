package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// A case's history and comments live in one append-only log of the record
// store per case: who did what when (created, saved, renamed, shared,
// revoked, commented), comments being the entries that carry a text.

// Actions of a case's history.
const (
	ActionCreated   = "created"
	ActionSaved     = "saved"
	ActionRenamed   = "renamed"
	ActionShared    = "shared"
	ActionRevoked   = "revoked"
	ActionCommented = "commented"
)

// Bounds of the history.
const (
	MaxCommentRunes = 4000
	// maxLogRead bounds the entries one read of a case's log goes
	// through; the latest MaxHistory of them are answered.
	maxLogRead = 5 * state.MaxList
	MaxHistory = state.MaxList
)

// Change is one entry of a case's history; a comment is a Change with
// Action ActionCommented and a Text.
type Change struct {
	ID     string    `json:"-"` // the entry's sequence number in the case's log
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Agency string    `json:"agency"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
	Share  string    `json:"share,omitempty"` // the share a comment came through, or that was made or revoked
	Text   string    `json:"text,omitempty"`
}

// callerAgency returns the agency of the request's viewer, and false for a
// trusted in-process caller (no viewer), which reaches every case.
func callerAgency(ctx context.Context) (string, bool) {
	v, ok := visibility.FromContext(ctx)
	return v.Agency, ok
}

// owned reads a case's summary if the caller may reach it: a case of
// their agency. Another agency's case is answered exactly as a missing one.
func (s *Store) owned(ctx context.Context, id string) (record, state.Version, error) {
	r, v, err := s.summary(ctx, id)
	if err != nil {
		return record{}, 0, err
	}
	if agency, scoped := callerAgency(ctx); scoped && r.toCase(nil).Agency != agency {
		return record{}, 0, notFound(id)
	}
	return r, v, nil
}

var plainLogID = regexp.MustCompile(`^[a-z0-9_-]{1,48}$`)

// logName is the record store log of case id: its ID when that is a valid
// log name (every ID newID makes), else a digest of it.
func logName(id string) string {
	if plainLogID.MatchString(id) {
		return "case-" + id
	}
	h := sha256.Sum256([]byte(id))
	return "case-h-" + hex.EncodeToString(h[:20])
}

// Note appends c to case id's history. A failure is logged, not returned:
// the change itself is made, and its history must not undo it.
func (s *Store) Note(ctx context.Context, id string, c Change) {
	if c.At.IsZero() {
		c.At = s.now().UTC().Truncate(time.Millisecond)
	}
	b, err := json.Marshal(c)
	if err == nil {
		_, err = s.st.Append(context.WithoutCancel(ctx), logName(id), b)
	}
	if err != nil {
		s.log.WarnContext(ctx, "case history not recorded", "case", id, "action", c.Action, "err", err)
	}
}

// noteSave records a save that changed the case: renamed and/or saved.
func (s *Store) noteSave(ctx context.Context, before, after record) {
	agency := after.toCase(nil).Agency
	if before.Name != after.Name {
		s.Note(ctx, after.ID, Change{At: after.UpdatedAt, By: after.UpdatedBy, Agency: agency, Action: ActionRenamed,
			Detail: fmt.Sprintf("%s → %s", before.Name, after.Name)})
	}
	if before.ViewHash != after.ViewHash {
		s.Note(ctx, after.ID, Change{At: after.UpdatedAt, By: after.UpdatedBy, Agency: agency, Action: ActionSaved,
			Detail: fmt.Sprintf("version %d, %d nodes", after.Version, after.Nodes)})
	}
}

// Comment adds a comment to case id of the caller's agency and returns it.
func (s *Store) Comment(ctx context.Context, id string, c Change) (Change, error) {
	return s.comment(ctx, id, c, s.owned)
}

// SharedComment is Comment for a share's recipient: package cases/shares
// checks the share (and that it takes comments) before it asks.
func (s *Store) SharedComment(ctx context.Context, id string, c Change) (Change, error) {
	return s.comment(ctx, id, c, s.summary)
}

func (s *Store) comment(ctx context.Context, id string, c Change, reach func(context.Context, string) (record, state.Version, error)) (Change, error) {
	c.Text = strings.TrimSpace(c.Text)
	switch {
	case c.Text == "":
		return Change{}, graph.Errorf(graph.CodeInvalid, "comment text: empty")
	case utf8.RuneCountInString(c.Text) > MaxCommentRunes:
		return Change{}, graph.Errorf(graph.CodeInvalid, "comment text: longer than %d characters", MaxCommentRunes)
	}
	if _, _, err := reach(ctx, id); err != nil {
		return Change{}, err
	}
	c.Action = ActionCommented
	c.At = s.now().UTC().Truncate(time.Millisecond)
	b, err := json.Marshal(c)
	if err != nil {
		return Change{}, err
	}
	seq, err := s.st.Append(ctx, logName(id), b)
	if err != nil {
		return Change{}, fmt.Errorf("comment on case %s: %w", id, err)
	}
	c.ID = strconv.FormatInt(seq, 10)
	return c, nil
}

// History returns the latest MaxHistory entries of case id's history
// (oldest first), comments included, for a caller who reaches the case.
func (s *Store) History(ctx context.Context, id string) ([]Change, error) {
	if _, _, err := s.owned(ctx, id); err != nil {
		return nil, err
	}
	return s.history(ctx, id)
}

// SharedHistory is History for a share's recipient: package cases/shares
// checks the share before it asks.
func (s *Store) SharedHistory(ctx context.Context, id string) ([]Change, error) {
	return s.history(ctx, id)
}

func (s *Store) history(ctx context.Context, id string) ([]Change, error) {
	var out []Change
	for after, read := int64(0), 0; read < maxLogRead; {
		page, err := s.st.Read(ctx, logName(id), after, state.MaxList)
		if err != nil {
			return nil, fmt.Errorf("case %s: history: %w", id, err)
		}
		for _, e := range page {
			var c Change
			if err := json.Unmarshal(e.Value, &c); err != nil {
				s.log.WarnContext(ctx, "case history entry unreadable", "case", id, "seq", e.Seq, "err", err)
				continue
			}
			c.ID = strconv.FormatInt(e.Seq, 10)
			out = append(out, c)
		}
		read += len(page)
		if len(page) < state.MaxList {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(out) > MaxHistory {
		out = out[len(out)-MaxHistory:]
	}
	return out, nil
}

// Comments returns the comments among changes.
func Comments(changes []Change) []Change {
	var out []Change
	for _, c := range changes {
		if c.Action == ActionCommented {
			out = append(out, c)
		}
	}
	return out
}

// SharedSummary returns a case without its view, whoever owns it, for
// package cases/shares (which checks the share first).
func (s *Store) SharedSummary(ctx context.Context, id string) (Case, error) {
	r, _, err := s.summary(ctx, id)
	if err != nil {
		return Case{}, err
	}
	return r.toCase(nil), nil
}
