package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// MaxTokensListed is how many tokens one Tokens call returns at most.
const MaxTokensListed = state.MaxList

type tokenRecord struct {
	ID         string    `json:"id"`
	Agency     string    `json:"agency"`
	User       string    `json:"user"`
	Scopes     []Scope   `json:"scopes"`
	SecretHash string    `json:"secretHash"`
	CreatedAt  time.Time `json:"createdAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	RevokedAt  time.Time `json:"revokedAt,omitzero"`
}

func (r tokenRecord) token() Token {
	return Token{ID: r.ID, Agency: r.Agency, User: r.User, Scopes: slices.Clone(r.Scopes),
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}

func (r tokenRecord) live(now time.Time) bool { return r.RevokedAt.IsZero() && now.Before(r.ExpiresAt) }

// unauthenticated is the one error of every failed credential.
func unauthenticated() error {
	return graph.Errorf(graph.CodeUnauthenticated, "missing, invalid or expired credentials")
}

// CreateToken issues an API token for a user, with scopes the user's role
// allows, expiring after lifetime (at most Options.MaxTokenLifetime). It
// returns the token string (rt_<id>_<secret>), shown this once: only its
// hash is kept.
func (s *Service) CreateToken(ctx context.Context, agency, userID string, scopes []Scope, lifetime time.Duration) (Token, string, error) {
	names := make([]string, len(scopes))
	for i, sc := range scopes {
		names[i] = string(sc)
	}
	scopes, err := ParseScopes(names)
	if err != nil {
		return Token{}, "", err
	}
	if lifetime < time.Minute || lifetime > s.opt.MaxTokenLifetime {
		return Token{}, "", invalid("expires: want between 1m and %s, got %s", hours(s.opt.MaxTokenLifetime), hours(lifetime))
	}
	u, err := s.userRecord(ctx, agency, userID)
	if err != nil {
		return Token{}, "", err
	}
	if u.Disabled {
		return Token{}, "", graph.Errorf(graph.CodeInvalid, "user %q is disabled", u.Email)
	}
	for _, sc := range scopes {
		if !slices.Contains(u.Role.allowed(), sc) {
			return Token{}, "", invalid("scope %q: a %s may not hold it", sc, u.Role)
		}
	}
	now := s.now()
	if n, err := s.liveTokens(ctx, agency, userID, now); err != nil {
		return Token{}, "", err
	} else if n >= MaxLiveTokens {
		return Token{}, "", graph.Errorf(graph.CodeLimit, "user %q holds %d live tokens, the most allowed; revoke one first", u.Email, n)
	}
	id, err := random(idBytes)
	if err != nil {
		return Token{}, "", err
	}
	secret, err := random(secretBytes)
	if err != nil {
		return Token{}, "", err
	}
	rec := tokenRecord{ID: id, Agency: agency, User: userID, Scopes: scopes, SecretHash: secretHash(secret),
		CreatedAt: now, ExpiresAt: now.Add(lifetime)}
	// The listing entry first: a token that exists is always listed.
	if _, err := s.put(ctx, colTokensByUser, userKey(agency, userID)+"/"+id, struct{}{}, state.AnyVersion); err != nil {
		return Token{}, "", err
	}
	if _, err := s.put(ctx, colTokens, id, rec, state.Absent); err != nil {
		return Token{}, "", storeErr(err)
	}
	s.opt.Logger.InfoContext(ctx, "token created", "agency", agency, "user", userID, "token", id, "scopes", scopes, "expires", rec.ExpiresAt)
	return rec.token(), tokenPrefix + id + "_" + secret, nil
}

// liveTokens counts a user's unexpired, unrevoked tokens.
func (s *Service) liveTokens(ctx context.Context, agency, user string, now time.Time) (int, error) {
	toks, err := s.listTokens(ctx, userKey(agency, user)+"/")
	n := 0
	for _, t := range toks {
		if t.live(now) {
			n++
		}
	}
	return n, err
}

// RevokeToken revokes token id at once; revoking it again changes nothing.
func (s *Service) RevokeToken(ctx context.Context, id string) (Token, error) {
	// A whole token string is forgiven (its ID is used); the argument is
	// never repeated in an error, as it may hold a secret.
	if tid, _, ok := parseToken(id); ok {
		id = tid
	}
	id = strings.TrimPrefix(id, tokenPrefix)
	if !isBase32(id, idLen) {
		return Token{}, invalid("token: not a token ID (16 characters: the part of rt_ID_SECRET after rt_)")
	}
	now := s.now()
	t, err := update(ctx, s, colTokens, id, func() error { return graph.Errorf(graph.CodeNotFound, "token %q not found", id) },
		func(t *tokenRecord) (bool, error) {
			if !t.RevokedAt.IsZero() {
				return false, nil
			}
			t.RevokedAt = now
			return true, nil
		})
	if err != nil {
		return Token{}, err
	}
	s.opt.Logger.InfoContext(ctx, "token revoked", "agency", t.Agency, "user", t.User, "token", id)
	return t.token(), nil
}

// Token returns token id.
func (s *Service) Token(ctx context.Context, id string) (Token, error) {
	if !isBase32(id, idLen) {
		return Token{}, invalid("token: not a token ID")
	}
	var t tokenRecord
	_, ok, err := s.get(ctx, colTokens, id, &t)
	if err != nil {
		return Token{}, err
	}
	if !ok {
		return Token{}, graph.Errorf(graph.CodeNotFound, "token %q not found", id)
	}
	return t.token(), nil
}

// Tokens lists agency's tokens (one user's when userID is set), live and
// revoked, newest first, at most MaxTokensListed.
func (s *Service) Tokens(ctx context.Context, agency, userID string) ([]Token, error) {
	prefix := agency + "/"
	if userID != "" {
		key, err := checkUserRef(agency, userID)
		if err != nil {
			return nil, err
		}
		prefix = key + "/"
	} else if _, err := AgencyID(agency); err != nil {
		return nil, err
	}
	if _, err := s.Agency(ctx, agency); err != nil {
		return nil, err
	}
	recs, err := s.listTokens(ctx, prefix)
	out := make([]Token, len(recs))
	for i, r := range recs {
		out[i] = r.token()
	}
	slices.SortFunc(out, func(a, b Token) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

func (s *Service) listTokens(ctx context.Context, prefix string) ([]tokenRecord, error) {
	keys, err := s.keys(ctx, colTokensByUser, prefix, MaxTokensListed)
	if err != nil {
		return nil, err
	}
	out := make([]tokenRecord, 0, len(keys))
	for _, k := range keys {
		var t tokenRecord
		_, ok, err := s.get(ctx, colTokens, k[strings.LastIndexByte(k, '/')+1:], &t)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// Authenticate returns the principal of a bearer token: an API token
// (rt_…) or the bootstrap administrator token. Every failure is the same
// UNAUTHENTICATED error, and an unknown token ID costs the same hashing
// and comparison as a wrong secret.
func (s *Service) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	if len(bearer) > maxCredentialIn {
		return Principal{}, unauthenticated()
	}
	if p, ok := s.bootstrap(bearer); ok {
		return p, nil
	}
	id, secret, ok := parseToken(bearer)
	if !ok {
		return Principal{}, unauthenticated()
	}
	var t tokenRecord
	_, found, err := s.get(ctx, colTokens, id, &t)
	if err != nil {
		return Principal{}, err
	}
	want := t.SecretHash
	if !found {
		want = secretHash("") // compare against something all the same
	}
	now := s.now()
	if !sameHash(secretHash(secret), want) || !found || !t.live(now) {
		return Principal{}, unauthenticated()
	}
	p, err := s.principal(ctx, t.Agency, t.User)
	if err != nil {
		return Principal{}, err
	}
	p.Via, p.TokenID = ViaToken, t.ID
	p.Scopes = slices.DeleteFunc(slices.Clone(t.Scopes), func(sc Scope) bool { return !slices.Contains(p.Scopes, sc) })
	if now.Sub(t.LastUsedAt) >= touchEvery {
		s.touchToken(ctx, id, now)
	}
	return p, nil
}

// touchToken records a token's use; losing the race to another request
// or failing to write only loses a timestamp.
func (s *Service) touchToken(ctx context.Context, id string, now time.Time) {
	_, err := update(ctx, s, colTokens, id, func() error { return nil }, func(t *tokenRecord) (bool, error) {
		if now.Sub(t.LastUsedAt) < touchEvery {
			return false, nil
		}
		t.LastUsedAt = now
		return true, nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.opt.Logger.WarnContext(ctx, "token last use not recorded", "token", id, "err", err)
	}
}

// principal is what user of agency runs as, if the user may sign in:
// exists, is enabled, and their agency exists.
func (s *Service) principal(ctx context.Context, agency, user string) (Principal, error) {
	var u userRecord
	_, ok, err := s.get(ctx, colUsers, userKey(agency, user), &u)
	if err != nil {
		return Principal{}, err
	}
	if !ok || u.Disabled {
		return Principal{}, unauthenticated()
	}
	return Principal{Agency: u.Agency, User: u.ID, Email: u.Email, Role: u.Role, Scopes: u.Role.allowed()}, nil
}

// hours writes a whole number of hours as "720h", anything else as Go does.
func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}
