package identity

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redthread-dev/redthread/graph/state"
)

// maxCounted bounds the records one Counts call reads per collection: a
// store with more reports Capped and the counts of the first ones.
const maxCounted = 200_000

// Counts are the live sessions and tokens, for metrics.
type Counts struct {
	Sessions, Tokens int
	// Capped is set when a collection held more than maxCounted records.
	Capped bool
}

// Counts counts the sessions not yet expired and the tokens neither
// expired nor revoked, over every agency.
func (s *Service) Counts(ctx context.Context) (Counts, error) {
	now := s.now()
	var c Counts
	var capped bool
	var err error
	c.Sessions, capped, err = countLive(ctx, s, colSessions, func(r sessionRecord) bool {
		return now.Before(r.expires(s.opt.SessionIdle))
	})
	c.Capped = capped
	if err != nil {
		return c, err
	}
	c.Tokens, capped, err = countLive(ctx, s, colTokens, func(r tokenRecord) bool { return r.live(now) })
	c.Capped = c.Capped || capped
	return c, err
}

func countLive[T any](ctx context.Context, s *Service, col string, live func(T) bool) (n int, capped bool, err error) {
	after := ""
	for seen := 0; seen < maxCounted; {
		recs, err := s.st.List(ctx, col, "", after, state.MaxList)
		if err != nil {
			return n, false, storeErr(fmt.Errorf("list %s: %w", col, err))
		}
		for _, r := range recs {
			var v T
			if json.Unmarshal(r.Value, &v) == nil && live(v) {
				n++
			}
		}
		seen += len(recs)
		if len(recs) < state.MaxList {
			return n, false, nil
		}
		after = recs[len(recs)-1].Key
	}
	return n, true, nil
}
