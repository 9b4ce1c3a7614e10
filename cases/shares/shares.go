// Package shares lets an agency share a case with another agency (or
// named users there) through a signed, expiring, revocable link (issue 17).
//
// A share is a record of the record store (collection shares); its link is
// a token signed with HMAC-SHA-256 under a key of the store (keys.go), so
// that every server over one store verifies it. A link resolves only for a
// signed-in user of the receiving agency (a named user, when the share names
// users), while the share is neither expired nor revoked; every failure has
// one answer (ErrLink), and resolution is rate-limited per client address
// and per principal. A share its recipient has opened reaches them as a
// visibility.Grant on every request (Grants), read from the store each
// time, so a revocation acts on the next request on every server.
package shares

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
)

// Collections of the record store.
const (
	collShares = "shares"
	// collCaseShares indexes a case's shares: "CASE/SHARE".
	collCaseShares = "case-shares"
	// collOpened indexes the opened live shares of a receiving agency:
	// "AGENCY/SHARE"; Grants lists it on every request.
	collOpened = "shares-opened"
)

// Bounds and defaults.
const (
	DefaultExpiry = 7 * 24 * time.Hour
	MaxExpiry     = 90 * 24 * time.Hour
	MinExpiry     = time.Minute
	MaxUsers      = 50
	// MaxGrants bounds the shares one request resolves into grants (the
	// most recently opened ones... in key order, which is random).
	MaxGrants = 32
	// MaxCaseShares bounds a case's listed shares.
	MaxCaseShares = 200
)

// ErrLink is the one answer to a link that does not hold, whatever the
// reason (tampered, truncated, unknown key, expired, revoked, another
// agency's, a user it does not name): it says nothing about which.
var ErrLink = graph.Errorf(graph.CodeNotFound, "share link: not found, or not for you")

// Share is a case shared with an agency or named users there.
type Share struct {
	ID            string        `json:"id"`
	Case          string        `json:"case"`
	Owner         string        `json:"owner"`  // the sharing agency
	Agency        string        `json:"agency"` // the receiving agency
	Users         []string      `json:"users,omitempty"`
	Cap           graph.Marking `json:"cap"`
	AllowComments bool          `json:"allowComments,omitempty"`
	CreatedAt     time.Time     `json:"createdAt"`
	CreatedBy     string        `json:"createdBy"`
	ExpiresAt     time.Time     `json:"expiresAt"`
	RevokedAt     time.Time     `json:"revokedAt,omitzero"`
	RevokedBy     string        `json:"revokedBy,omitempty"`
	OpenedAt      time.Time     `json:"openedAt,omitzero"`
}

// Live reports whether s may be used at now.
func (s Share) Live(now time.Time) bool { return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt) }

// Reaches reports whether s is for r: their agency is the receiving one
// and, when s names users, r is one of them.
func (s Share) Reaches(r Recipient) bool {
	if r.Agency == "" || r.Agency != s.Agency {
		return false
	}
	return len(s.Users) == 0 || (r.Email != "" && slices.Contains(s.Users, strings.ToLower(r.Email)))
}

// Named reports whether s names r as a user (what a RED source needs).
func (s Share) Named(r Recipient) bool {
	return r.Email != "" && slices.Contains(s.Users, strings.ToLower(r.Email))
}

// Recipient is who opens a link: a signed-in user (or token) and their
// client address, for the rate limits.
type Recipient struct {
	Agency string
	Email  string
	User   string
	Addr   string
}

// RecipientOf returns the recipient p is.
func RecipientOf(p identity.Principal, addr string) Recipient {
	return Recipient{Agency: p.Agency, Email: p.Email, User: p.User, Addr: addr}
}

// Directory is what a share checks its recipients against (identity).
type Directory interface {
	Agency(ctx context.Context, id string) (identity.Agency, error)
	UserByEmail(ctx context.Context, email string) (identity.User, error)
}

// Options tune a Service; zero fields take defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Limits bound link resolutions per client address and per principal.
	Limits Limits
}

// Service creates, lists, revokes and resolves shares.
type Service struct {
	st    state.Store
	cases *cases.Store
	dir   Directory
	keys  *Keyring
	log   *slog.Logger
	now   func() time.Time
	limit *limiter
	facts *factCache
}

// New returns the share service over the record store st and its cases.
func New(st state.Store, cs *cases.Store, dir Directory, o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, cases: cs, dir: dir, keys: NewKeyring(st, now), log: log, now: now,
		limit: newLimiter(o.Limits, now), facts: newFactCache(64)}
}

// Keys returns the service's keyring.
func (s *Service) Keys() *Keyring { return s.keys }

// Request is what the owner asks for.
type Request struct {
	Case          string
	Agency        string
	Users         []string
	Cap           graph.Marking // empty: AMBER
	ExpiresIn     time.Duration // zero: DefaultExpiry
	AllowComments bool
	By            string
}

// check validates r against the directory and normalises it.
func (s *Service) check(ctx context.Context, owner string, r *Request) error {
	r.Agency = strings.TrimSpace(r.Agency)
	if r.Agency == owner {
		return graph.Errorf(graph.CodeInvalid, "agency: %q is the case's own agency", r.Agency)
	}
	if _, err := s.dir.Agency(ctx, r.Agency); err != nil {
		return graph.Errorf(graph.CodeInvalid, "agency: %q is not an agency of this deployment", r.Agency)
	}
	if len(r.Users) > MaxUsers {
		return graph.Errorf(graph.CodeInvalid, "users: %d, at most %d", len(r.Users), MaxUsers)
	}
	users := make([]string, 0, len(r.Users))
	for _, e := range r.Users {
		u, err := s.dir.UserByEmail(ctx, strings.TrimSpace(e))
		if err != nil || u.Agency != r.Agency {
			return graph.Errorf(graph.CodeInvalid, "users: %q is not a user of agency %q", e, r.Agency)
		}
		users = append(users, u.Email)
	}
	slices.Sort(users)
	r.Users = slices.Compact(users)
	r.Cap = cmp.Or(r.Cap, graph.TLPAmber)
	switch {
	case !r.Cap.Valid():
		return graph.Errorf(graph.CodeInvalid, "cap: %q is not a TLP marking", r.Cap)
	case r.Cap == graph.TLPAmberStrict:
		return graph.Errorf(graph.CodeInvalid, "cap: TLP:AMBER+STRICT is never carried by a share; choose TLP:AMBER or below")
	case r.Cap == graph.TLPRed && len(r.Users) == 0:
		return graph.Errorf(graph.CodeInvalid, "cap: TLP:RED goes to named users only; name them in users")
	}
	r.ExpiresIn = cmp.Or(r.ExpiresIn, DefaultExpiry)
	if r.ExpiresIn < MinExpiry || r.ExpiresIn > MaxExpiry {
		return graph.Errorf(graph.CodeInvalid, "expiresIn: %s, want %s to %s", r.ExpiresIn, MinExpiry, MaxExpiry)
	}
	return nil
}

// Preview returns the share r would make, unsaved, for previewing the case
// as its recipient will see it.
func (s *Service) Preview(ctx context.Context, r Request) (Share, cases.Case, error) {
	c, err := s.cases.Get(ctx, r.Case)
	if err != nil {
		return Share{}, cases.Case{}, err
	}
	if err := s.check(ctx, c.Agency, &r); err != nil {
		return Share{}, cases.Case{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return Share{Case: c.ID, Owner: c.Agency, Agency: r.Agency, Users: r.Users, Cap: r.Cap, AllowComments: r.AllowComments,
		CreatedAt: now, CreatedBy: r.By, ExpiresAt: now.Add(r.ExpiresIn)}, c, nil
}

// Create shares a case of the caller's agency and returns the share and
// its link token (shown once: it is not stored).
func (s *Service) Create(ctx context.Context, r Request) (Share, string, error) {
	sh, _, err := s.Preview(ctx, r)
	if err != nil {
		return Share{}, "", err
	}
	if sh.ID, err = newID(); err != nil {
		return Share{}, "", err
	}
	b, err := json.Marshal(sh)
	if err != nil {
		return Share{}, "", err
	}
	if _, err := s.st.Put(ctx, collShares, sh.ID, b, state.Absent); err != nil {
		return Share{}, "", fmt.Errorf("share case %s: %w", sh.Case, err)
	}
	if _, err := s.st.Put(ctx, collCaseShares, sh.Case+"/"+sh.ID, []byte("{}"), state.AnyVersion); err != nil {
		return Share{}, "", fmt.Errorf("share case %s: %w", sh.Case, err)
	}
	token, err := s.keys.Sign(ctx, sh.ID, sh.ExpiresAt)
	if err != nil {
		return Share{}, "", err
	}
	to := sh.Agency
	if len(sh.Users) > 0 {
		to = strings.Join(sh.Users, ", ") + " of " + sh.Agency
	}
	s.cases.Note(ctx, sh.Case, cases.Change{At: sh.CreatedAt, By: sh.CreatedBy, Agency: sh.Owner, Action: cases.ActionShared, Share: sh.ID,
		Detail: fmt.Sprintf("with %s, up to %s, until %s", to, sh.Cap, sh.ExpiresAt.Format(time.RFC3339))})
	return sh, token, nil
}

// get reads a share.
func (s *Service) get(ctx context.Context, id string) (Share, state.Version, error) {
	if state.CheckKey("id", id) != nil || strings.Contains(id, "/") {
		return Share{}, 0, state.ErrNotFound
	}
	rec, err := s.st.Get(ctx, collShares, id)
	if err != nil {
		return Share{}, 0, err
	}
	var sh Share
	if err := json.Unmarshal(rec.Value, &sh); err != nil {
		return Share{}, 0, fmt.Errorf("share %s: stored record: %w", id, err)
	}
	return sh, rec.Version, nil
}

// List returns the shares of a case of the caller's agency, newest first.
func (s *Service) List(ctx context.Context, caseID string) ([]Share, error) {
	if _, err := s.cases.Get(ctx, caseID); err != nil {
		return nil, err
	}
	page, err := s.st.List(ctx, collCaseShares, caseID+"/", "", MaxCaseShares)
	if err != nil {
		return nil, fmt.Errorf("shares of case %s: %w", caseID, err)
	}
	out := make([]Share, 0, len(page))
	for _, rec := range page {
		sh, _, err := s.get(ctx, strings.TrimPrefix(rec.Key, caseID+"/"))
		if errors.Is(err, state.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	slices.SortFunc(out, func(a, b Share) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// Revoke ends a share of the caller's agency at once; revoking a revoked
// share returns it unchanged.
func (s *Service) Revoke(ctx context.Context, id, by string) (Share, error) {
	for {
		sh, ver, err := s.get(ctx, id)
		if errors.Is(err, state.ErrNotFound) {
			return Share{}, graph.Errorf(graph.CodeNotFound, "share %q: not found", id)
		}
		if err != nil {
			return Share{}, err
		}
		if v, ok := visibility.FromContext(ctx); ok && v.Agency != sh.Owner {
			return Share{}, graph.Errorf(graph.CodeNotFound, "share %q: not found", id)
		}
		if !sh.RevokedAt.IsZero() {
			return sh, nil
		}
		sh.RevokedAt, sh.RevokedBy = s.now().UTC().Truncate(time.Millisecond), by
		b, err := json.Marshal(sh)
		if err != nil {
			return Share{}, err
		}
		_, err = s.st.Put(ctx, collShares, id, b, ver)
		if errors.Is(err, state.ErrConflict) {
			continue // opened meanwhile: read again
		}
		if err != nil {
			return Share{}, fmt.Errorf("revoke share %s: %w", id, err)
		}
		// Grants read the share itself too: the index is only tidied.
		if err := s.st.Delete(context.WithoutCancel(ctx), collOpened, sh.Agency+"/"+id, state.AnyVersion); err != nil && !errors.Is(err, state.ErrNotFound) {
			s.log.WarnContext(ctx, "revoked share left in the index of opened shares", "share", id, "err", err)
		}
		s.cases.Note(ctx, sh.Case, cases.Change{At: sh.RevokedAt, By: by, Agency: sh.Owner, Action: cases.ActionRevoked, Share: id,
			Detail: "the link to " + sh.Agency + " no longer opens"})
		return sh, nil
	}
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

var b32 = idEncoding

// newID returns a random, unguessable share ID (80 bits).
func newID() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("share id: %w", err)
	}
	return "s" + idEncoding.EncodeToString(b[:]), nil
}
