// Package identity is who may use a deployment: agencies (tenants), their
// users with roles, API tokens, browser sessions, the bootstrap
// administrator token and the demo account. Every record lives in the
// graph store's record store (graph/state), so several servers over one
// Neo4j share them; updates are compare-and-set on the record's version.
//
// What is stored of a credential is never enough to use it: passwords are
// argon2id hashes, token, session and sign-in link secrets SHA-256 hashes
// of 256 random bits. Every way a credential can fail (malformed, unknown,
// wrong secret, expired, revoked, disabled user) gives one error,
// UNAUTHENTICATED with one message, and costs the same work.
//
// The package checks credentials and keeps records; deciding what a
// principal may do with them (roles, scopes, which agency) is the caller's
// job, with Principal's helpers. The sign-in rate limiter is kept in memory
// by each server: a deployment of n servers allows n times the failures.
package identity

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redthread-dev/redthread/graph/state"
)

// Options tune a Service; zero values take the defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Argon2 is the cost of new password hashes (DefaultArgon2).
	Argon2 Argon2Params
	// MaxHashing is how many password hashes may run at once (2): each
	// takes Argon2.Memory.
	MaxHashing int
	// MaxTokenLifetime bounds a token's expiry (365 days).
	MaxTokenLifetime time.Duration
	// SessionIdle ends a session not used for this long (2 h);
	// SessionAbsolute ends any session this long after sign-in (12 h).
	SessionIdle, SessionAbsolute time.Duration
	// LinkLifetime is how long a one-time sign-in link stays valid (24 h).
	LinkLifetime time.Duration
	// Limits of failed sign-ins (5 per account and 20 per address in 15
	// minutes).
	SignInLimits Limits
}

// Defaults.
const (
	DefaultTokenLifetime    = 30 * 24 * time.Hour
	DefaultMaxTokenLifetime = 365 * 24 * time.Hour
	DefaultSessionIdle      = 2 * time.Hour
	DefaultSessionAbsolute  = 12 * time.Hour
	DefaultLinkLifetime     = 24 * time.Hour
	// touchEvery is how often a token's last use or a session's last
	// activity is written at most: one write a minute, not one a request.
	touchEvery = time.Minute
	// MaxLiveTokens is how many unexpired, unrevoked tokens a user may hold.
	MaxLiveTokens = 50
	// MaxSessions is how many sessions a user may hold; signing in again
	// past it ends the oldest.
	MaxSessions = 20
	// LocalAgency is the agency of the bootstrap administrator and the demo.
	LocalAgency = "local"
)

// Service keeps identities in a record store.
type Service struct {
	st      state.Store
	opt     Options
	hashing chan struct{}
	limiter *limiter
	// dummyHash is verified against when an account does not exist, so
	// that an unknown email costs the same as a wrong password.
	dummyHash string
	// boot is the SHA-256 (hex) of REDTHREAD_ADMIN_TOKEN, or nil.
	boot atomic.Pointer[string]
}

// New returns a Service over st.
func New(st state.Store, opt Options) (*Service, error) {
	if st == nil {
		return nil, errors.New("identity: no record store")
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Argon2 == (Argon2Params{}) {
		opt.Argon2 = DefaultArgon2
	}
	opt.MaxHashing = cmp.Or(opt.MaxHashing, 2)
	opt.MaxTokenLifetime = cmp.Or(opt.MaxTokenLifetime, DefaultMaxTokenLifetime)
	opt.SessionIdle = cmp.Or(opt.SessionIdle, DefaultSessionIdle)
	opt.SessionAbsolute = cmp.Or(opt.SessionAbsolute, DefaultSessionAbsolute)
	opt.LinkLifetime = cmp.Or(opt.LinkLifetime, DefaultLinkLifetime)
	opt.SignInLimits = opt.SignInLimits.orDefaults()
	dummy, err := random(secretBytes)
	if err != nil {
		return nil, err
	}
	dummyHash, err := hashPassword(dummy, opt.Argon2)
	if err != nil {
		return nil, err
	}
	return &Service{
		st:        st,
		opt:       opt,
		hashing:   make(chan struct{}, opt.MaxHashing),
		limiter:   newLimiter(opt.SignInLimits),
		dummyHash: dummyHash,
	}, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC() }

// Argon2 hashing is bounded: a burst of sign-ins waits for a slot rather
// than allocating its memory all at once.
func (s *Service) hash(pw string) (string, error) {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	h, err := hashPassword(pw, s.opt.Argon2)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

func (s *Service) verify(pw, phc string) bool {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return verifyPassword(pw, phc)
}
