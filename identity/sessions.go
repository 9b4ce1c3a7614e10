package identity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

type sessionRecord struct {
	Agency            string    `json:"agency"`
	User              string    `json:"user"`
	CSRF              string    `json:"csrf"`
	CreatedAt         time.Time `json:"createdAt"`
	LastSeenAt        time.Time `json:"lastSeenAt"`
	AbsoluteExpiresAt time.Time `json:"absoluteExpiresAt"`
}

func (r sessionRecord) expires(idle time.Duration) time.Time {
	if e := r.LastSeenAt.Add(idle); e.Before(r.AbsoluteExpiresAt) {
		return e
	}
	return r.AbsoluteExpiresAt
}

func (s *Service) session(id string, r sessionRecord) Session {
	return Session{ID: id, Agency: r.Agency, User: r.User, CSRF: r.CSRF, CreatedAt: r.CreatedAt,
		LastSeenAt: r.LastSeenAt, ExpiresAt: r.expires(s.opt.SessionIdle), AbsoluteExpiresAt: r.AbsoluteExpiresAt}
}

type linkRecord struct {
	Agency    string    `json:"agency"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// MaxRemoteAddress bounds the remote address a sign-in is counted under.
const MaxRemoteAddress = 64

// SignIn checks an email and password and starts a session. It returns
// the session and the cookie value (rs_…), which is not stored. Failures
// are rate-limited per account and per remote address (Options.SignInLimits);
// a wrong email, a wrong password and a disabled user give the same error
// after the same work, and a lockout is the same whether the account
// exists or not.
func (s *Service) SignIn(ctx context.Context, email, password, remote string) (Session, string, error) {
	account := strings.ToLower(strings.TrimSpace(email))
	if len(account) > MaxEmail || len(password) > 4*MaxPassword {
		return Session{}, "", invalid("email or password: too long")
	}
	remote = limitAddress(remote)
	now := s.now()
	if wait := s.limiter.blocked(account, remote, now); wait > 0 {
		minutes := int(math.Ceil(wait.Minutes()))
		return Session{}, "", graph.Errorf(graph.CodeTooMany, "too many failed sign-ins; try again in %d minute(s)", minutes)
	}
	u, found := userRecord{}, false
	if e, err := NormaliseEmail(account); err == nil {
		if u, found, err = s.userByEmail(ctx, e); err != nil {
			return Session{}, "", err
		}
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = s.dummyHash
	}
	ok := s.verify(password, hash)
	if !ok || !found || u.PasswordHash == "" || u.Disabled {
		s.limiter.fail(account, remote, now)
		s.opt.Logger.InfoContext(ctx, "sign-in failed", "remote", remote)
		return Session{}, "", graph.Errorf(graph.CodeUnauthenticated, "wrong email or password")
	}
	s.limiter.succeed(account)
	return s.startSession(ctx, u, now)
}

// limitAddress bounds and cleans a remote address for use as a key.
func limitAddress(a string) string {
	a = printable(a)
	if len(a) > MaxRemoteAddress {
		a = a[:MaxRemoteAddress]
	}
	return a
}

// SignInLink issues a one-time sign-in link code (rl_…) for a user, valid
// for Options.LinkLifetime; only its hash is kept.
func (s *Service) SignInLink(ctx context.Context, agency, userID string) (string, error) {
	u, err := s.userRecord(ctx, agency, userID)
	if err != nil {
		return "", err
	}
	secret, err := random(secretBytes)
	if err != nil {
		return "", err
	}
	code := linkPrefix + secret
	rec := linkRecord{Agency: u.Agency, User: u.ID, ExpiresAt: s.now().Add(s.opt.LinkLifetime)}
	if _, err := s.put(ctx, colLinks, secretHash(code), rec, state.Absent); err != nil {
		return "", storeErr(err)
	}
	return code, nil
}

// SignInWithLink redeems a one-time sign-in link code and starts a
// session. The code works once; failures count like a wrong password
// against the remote address.
func (s *Service) SignInWithLink(ctx context.Context, code, remote string) (Session, string, error) {
	remote = limitAddress(remote)
	now := s.now()
	if wait := s.limiter.blocked("", remote, now); wait > 0 {
		return Session{}, "", graph.Errorf(graph.CodeTooMany, "too many failed sign-ins; try again in %d minute(s)", int(math.Ceil(wait.Minutes())))
	}
	fail := func() (Session, string, error) {
		s.limiter.fail("", remote, now)
		return Session{}, "", unauthenticated()
	}
	key, ok := parseSecret(linkPrefix, code)
	if !ok {
		return fail()
	}
	rec, err := s.st.Get(ctx, colLinks, key)
	if errors.Is(err, state.ErrNotFound) {
		return fail()
	}
	if err != nil {
		return Session{}, "", storeErr(err)
	}
	var l linkRecord
	if err := decode(rec, &l); err != nil {
		return Session{}, "", err
	}
	// Deleting at the version read makes the code single-use even when
	// two requests race with it.
	if err := s.st.Delete(ctx, colLinks, key, rec.Version); err != nil {
		if errors.Is(err, state.ErrConflict) || errors.Is(err, state.ErrNotFound) {
			return fail()
		}
		return Session{}, "", storeErr(err)
	}
	if !now.Before(l.ExpiresAt) {
		return fail()
	}
	var u userRecord
	if _, found, err := s.get(ctx, colUsers, userKey(l.Agency, l.User), &u); err != nil {
		return Session{}, "", err
	} else if !found || u.Disabled {
		return fail()
	}
	return s.startSession(ctx, u, now)
}

// startSession stores a new session of u, ending u's expired sessions and,
// past MaxSessions, the oldest.
func (s *Service) startSession(ctx context.Context, u userRecord, now time.Time) (Session, string, error) {
	if err := s.pruneSessions(ctx, u.Agency, u.ID, now); err != nil {
		return Session{}, "", err
	}
	secret, err := random(secretBytes)
	if err != nil {
		return Session{}, "", err
	}
	csrf, err := random(secretBytes)
	if err != nil {
		return Session{}, "", err
	}
	cookie := sessionPrefix + secret
	id := secretHash(cookie)
	rec := sessionRecord{Agency: u.Agency, User: u.ID, CSRF: csrf, CreatedAt: now, LastSeenAt: now,
		AbsoluteExpiresAt: now.Add(s.opt.SessionAbsolute)}
	if _, err := s.put(ctx, colSessionsByUser, userKey(u.Agency, u.ID)+"/"+id, struct{}{}, state.AnyVersion); err != nil {
		return Session{}, "", err
	}
	if _, err := s.put(ctx, colSessions, id, rec, state.Absent); err != nil {
		return Session{}, "", storeErr(err)
	}
	s.opt.Logger.InfoContext(ctx, "signed in", "agency", u.Agency, "user", u.ID)
	// The time is for admins' user lists; failing to write it only loses it.
	if _, err := s.modifyUser(ctx, u.Agency, u.ID, func(r *userRecord) (bool, error) {
		r.LastSignInAt = now
		return true, nil
	}); err != nil {
		s.opt.Logger.WarnContext(ctx, "last sign-in not recorded", "agency", u.Agency, "user", u.ID, "err", err)
	}
	return s.session(id, rec), cookie, nil
}

// pruneSessions deletes a user's expired sessions and the oldest live ones
// beyond MaxSessions-1, making room for one more.
func (s *Service) pruneSessions(ctx context.Context, agency, user string, now time.Time) error {
	prefix := userKey(agency, user) + "/"
	keys, err := s.keys(ctx, colSessionsByUser, prefix, state.MaxList)
	if err != nil {
		return err
	}
	type live struct {
		id      string
		created time.Time
	}
	var alive []live
	for _, k := range keys {
		id := strings.TrimPrefix(k, prefix)
		var r sessionRecord
		_, ok, err := s.get(ctx, colSessions, id, &r)
		if err != nil {
			return err
		}
		if ok && now.Before(r.expires(s.opt.SessionIdle)) {
			alive = append(alive, live{id, r.CreatedAt})
			continue
		}
		if err := s.endSession(ctx, agency, user, id); err != nil {
			return err
		}
	}
	slices.SortFunc(alive, func(a, b live) int { return cmp.Or(a.created.Compare(b.created), strings.Compare(a.id, b.id)) })
	for len(alive) >= MaxSessions {
		if err := s.endSession(ctx, agency, user, alive[0].id); err != nil {
			return err
		}
		alive = alive[1:]
	}
	return nil
}

// SessionFrom returns the principal and session of a cookie value. An
// unknown, ended or expired (idle or absolute) session, a malformed value
// and a disabled user all give the same UNAUTHENTICATED error.
func (s *Service) SessionFrom(ctx context.Context, cookie string) (Principal, Session, error) {
	id, ok := parseSecret(sessionPrefix, cookie)
	if !ok {
		return Principal{}, Session{}, unauthenticated()
	}
	var r sessionRecord
	_, found, err := s.get(ctx, colSessions, id, &r)
	if err != nil {
		return Principal{}, Session{}, err
	}
	now := s.now()
	if !found || !now.Before(r.expires(s.opt.SessionIdle)) {
		return Principal{}, Session{}, unauthenticated()
	}
	p, err := s.principal(ctx, r.Agency, r.User)
	if err != nil {
		return Principal{}, Session{}, err
	}
	p.Via, p.SessionID = ViaSession, id
	if now.Sub(r.LastSeenAt) >= touchEvery {
		r = s.touchSession(ctx, id, r, now)
	}
	return p, s.session(id, r), nil
}

// touchSession moves a session's idle deadline; a lost race or a failed
// write leaves the deadline where it was.
func (s *Service) touchSession(ctx context.Context, id string, r sessionRecord, now time.Time) sessionRecord {
	upd, err := update(ctx, s, colSessions, id, unauthenticated, func(r *sessionRecord) (bool, error) {
		if now.Sub(r.LastSeenAt) < touchEvery {
			return false, nil
		}
		r.LastSeenAt = now
		return true, nil
	})
	if err != nil {
		if !errors.Is(err, context.Canceled) && graph.ErrorCode(err) != graph.CodeUnauthenticated {
			s.opt.Logger.WarnContext(ctx, "session activity not recorded", "err", err)
		}
		return r
	}
	return upd
}

// EndSession ends the session of a cookie value (signing out). Ending a
// session that is not there is not an error: the outcome is the same.
func (s *Service) EndSession(ctx context.Context, cookie string) error {
	id, ok := parseSecret(sessionPrefix, cookie)
	if !ok {
		return invalid("session: not a session cookie")
	}
	var r sessionRecord
	_, found, err := s.get(ctx, colSessions, id, &r)
	if err != nil || !found {
		return err
	}
	return s.endSession(ctx, r.Agency, r.User, id)
}

func (s *Service) endSession(ctx context.Context, agency, user, id string) error {
	if err := s.del(ctx, colSessions, id); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return s.del(ctx, colSessionsByUser, userKey(agency, user)+"/"+id)
}

// EndSessionsOf ends every session of a user (an admin signing someone
// out everywhere) and returns how many there were.
func (s *Service) EndSessionsOf(ctx context.Context, agency, userID string) (int, error) {
	key, err := checkUserRef(agency, userID)
	if err != nil {
		return 0, err
	}
	if _, err := s.userRecord(ctx, agency, userID); err != nil {
		return 0, err
	}
	prefix := key + "/"
	keys, err := s.keys(ctx, colSessionsByUser, prefix, state.MaxList)
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := s.endSession(ctx, agency, userID, strings.TrimPrefix(k, prefix)); err != nil {
			return 0, err
		}
	}
	s.opt.Logger.InfoContext(ctx, "sessions ended", "agency", agency, "user", userID, "sessions", len(keys))
	return len(keys), nil
}

// CSRFMatches reports, in constant time, whether got is the session's
// CSRF token (what a state-changing request must send in a header).
func (s Session) CSRFMatches(got string) bool {
	return s.CSRF != "" && sameHash(got, s.CSRF)
}
