package identity

import (
	"cmp"
	"sync"
	"time"
)

// Limits bound failed sign-ins in a sliding window: per account (the email
// as typed, normalised, whether or not it exists, so that a lockout says
// nothing about which accounts exist) and per remote address.
type Limits struct {
	PerAccount int           // failures per account in Window (5)
	PerAddress int           // failures per address in Window (20)
	Window     time.Duration // (15 minutes)
	// MaxKeys bounds the memory of each table (100 000 accounts or
	// addresses); past it, expired entries are swept and then arbitrary
	// ones forgotten, which can only lift a lockout early.
	MaxKeys int
}

func (l Limits) orDefaults() Limits {
	l.PerAccount = cmp.Or(l.PerAccount, 5)
	l.PerAddress = cmp.Or(l.PerAddress, 20)
	l.Window = cmp.Or(l.Window, 15*time.Minute)
	l.MaxKeys = cmp.Or(l.MaxKeys, 100_000)
	return l
}

// limiter counts failed sign-ins in memory. It belongs to one server: the
// counts are not shared between servers over one store, nor kept across a
// restart (documented in docs/architecture.md).
type limiter struct {
	lim      Limits
	mu       sync.Mutex
	accounts map[string][]time.Time
	addrs    map[string][]time.Time
}

func newLimiter(l Limits) *limiter {
	return &limiter{lim: l, accounts: map[string][]time.Time{}, addrs: map[string][]time.Time{}}
}

// blocked returns how long until account or address may try again (zero:
// they may now). An empty account (a sign-in link) counts per address only.
func (l *limiter) blocked(account, addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var w time.Duration
	if account != "" {
		w = l.wait(l.accounts, account, l.lim.PerAccount, now)
	}
	return max(w, l.wait(l.addrs, addr, l.lim.PerAddress, now))
}

func (l *limiter) wait(m map[string][]time.Time, key string, limit int, now time.Time) time.Duration {
	fails := l.recent(m, key, now)
	if len(fails) < limit {
		return 0
	}
	// The oldest failure that keeps the count at the limit must age out.
	return fails[len(fails)-limit].Add(l.lim.Window).Sub(now)
}

// recent drops key's failures older than the window and returns the rest.
func (l *limiter) recent(m map[string][]time.Time, key string, now time.Time) []time.Time {
	fails := m[key]
	i := 0
	for i < len(fails) && now.Sub(fails[i]) >= l.lim.Window {
		i++
	}
	if i == len(fails) {
		delete(m, key)
		return nil
	}
	fails = fails[i:]
	m[key] = fails
	return fails
}

// fail records a failed sign-in.
func (l *limiter) fail(account, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if account != "" {
		l.add(l.accounts, account, l.lim.PerAccount, now)
	}
	l.add(l.addrs, addr, l.lim.PerAddress, now)
}

func (l *limiter) add(m map[string][]time.Time, key string, limit int, now time.Time) {
	if _, ok := m[key]; !ok && len(m) >= l.lim.MaxKeys {
		l.sweep(m, now)
	}
	fails := append(l.recent(m, key, now), now)
	if len(fails) > limit { // only the last limit failures decide
		fails = fails[len(fails)-limit:]
	}
	m[key] = fails
}

// sweep forgets expired entries, then arbitrary ones down to 90% of the
// bound.
func (l *limiter) sweep(m map[string][]time.Time, now time.Time) {
	for k := range m {
		l.recent(m, k, now)
	}
	for k := range m {
		if len(m) < l.lim.MaxKeys*9/10 {
			break
		}
		delete(m, k)
	}
}

// succeed clears an account's failures after a good sign-in (the
// address's stay: one address guessing many accounts is still counted).
func (l *limiter) succeed(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.accounts, account)
}
