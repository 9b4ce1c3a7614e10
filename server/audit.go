package server

import (
	"context"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/identity"
)

// maxThrottled bounds the tokens whose last audited use a server keeps.
const maxThrottled = 10_000

// record writes e to the audit log; a failure is logged there and never
// fails the request.
func (s *Server) record(ctx context.Context, e audit.Entry) {
	_ = s.audit.Record(ctx, e)
}

// recordTokenUse audits a bearer token's use, at most once a minute per
// token on this server: every request would flood the log.
func (s *Server) recordTokenUse(ctx context.Context, p identity.Principal) {
	if p.Via != identity.ViaToken || s.audit == nil || !s.tokenUses.allow(p.TokenID) {
		return
	}
	e := audit.Event(ctx, "token.use", "token:"+p.TokenID)
	e.Detail = ""
	s.record(ctx, e)
}

// recordSignIn audits a sign-in that held.
func (s *Server) recordSignIn(ctx context.Context, p identity.Principal, how string) {
	s.record(ctx, audit.Entry{Agency: p.Agency, Actor: audit.Actor(p), Action: "signin", Target: p.Email,
		Outcome: audit.OK, Detail: how, Addr: audit.AddrFrom(ctx)})
}

// recordSignInFailure audits a sign-in that did not hold, in the log of
// the agency of the account it named, or of agency local (the deployment
// administrator's) when it named none.
func (s *Server) recordSignInFailure(ctx context.Context, email, how string, denied bool) {
	agency := identity.LocalAgency
	if email != "" {
		if u, err := s.identity.UserByEmail(ctx, email); err == nil {
			agency, email = u.Agency, u.Email
		}
	}
	e := audit.Entry{Agency: agency, Actor: email, Action: "signin.failed", Target: email, Outcome: audit.Failed,
		Detail: how, Addr: audit.AddrFrom(ctx)}
	if denied {
		e.Outcome, e.Detail = audit.Denied, how+": too many attempts"
	}
	s.record(ctx, e)
}

// useThrottle lets one use per key through each window.
type useThrottle struct {
	mu     sync.Mutex
	window time.Duration
	max    int
	now    func() time.Time
	last   map[string]time.Time
}

func newUseThrottle(window time.Duration, max int, now func() time.Time) *useThrottle {
	if now == nil {
		now = time.Now
	}
	return &useThrottle{window: window, max: max, now: now, last: map[string]time.Time{}}
}

// allow reports whether key's use is the first of its window. The map
// stays within max keys: when full, keys past their window go, and if
// none has, all go (more than max tokens a minute: some uses are audited
// twice, none is lost).
func (u *useThrottle) allow(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	now := u.now()
	if t, ok := u.last[key]; ok && now.Sub(t) < u.window {
		return false
	}
	if len(u.last) >= u.max {
		for k, t := range u.last {
			if now.Sub(t) >= u.window {
				delete(u.last, k)
			}
		}
		if len(u.last) >= u.max {
			clear(u.last)
		}
	}
	u.last[key] = now
	return true
}
