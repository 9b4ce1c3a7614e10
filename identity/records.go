package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// Collections of the record store.
const (
	colAgencies       = "agencies"         // agency ID → agencyRecord
	colUsers          = "users"            // agency/user ID → userRecord
	colUsersByEmail   = "users_by_email"   // email → emailRecord (uniqueness claim)
	colTokens         = "tokens"           // token ID → tokenRecord
	colTokensByUser   = "tokens_by_user"   // agency/user/token ID → {} (listing)
	colSessions       = "sessions"         // SHA-256 of the cookie value → sessionRecord
	colSessionsByUser = "sessions_by_user" // agency/user/session ID → {} (ending them all)
	colLinks          = "signin_links"     // SHA-256 of the link code → linkRecord
)

// maxRetries bounds compare-and-set retries of one update.
const maxRetries = 8

func userKey(agency, user string) string { return agency + "/" + user }

// storeErr maps a record store error to a coded error that leaks nothing:
// the cause stays in Err for the log.
func storeErr(err error) error {
	var ge *graph.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ge), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, state.ErrInvalid):
		return graph.WrapError(graph.CodeInvalid, err, "an identity record is out of bounds")
	}
	return graph.WrapError(graph.CodeUnavailable, err, "the identity store is unavailable")
}

// get reads the record under key into v; found is false when there is none.
func (s *Service) get(ctx context.Context, col, key string, v any) (state.Version, bool, error) {
	rec, err := s.st.Get(ctx, col, key)
	if errors.Is(err, state.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, storeErr(fmt.Errorf("get %s: %w", col, err))
	}
	if err := json.Unmarshal(rec.Value, v); err != nil {
		return 0, false, graph.WrapError(graph.CodeInternal, fmt.Errorf("decode %s %q: %w", col, key, err), "an identity record is corrupt")
	}
	return rec.Version, true, nil
}

// put writes v under key if the stored version is expect; conflict is
// reported as state.ErrConflict (wrapped) for the caller to retry or map.
func (s *Service) put(ctx context.Context, col, key string, v any, expect state.Version) (state.Version, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("encode %s: %w", col, err)
	}
	ver, err := s.st.Put(ctx, col, key, b, expect)
	if errors.Is(err, state.ErrConflict) {
		return 0, err
	}
	return ver, storeErr(err)
}

// del removes key; a missing record is not an error.
func (s *Service) del(ctx context.Context, col, key string) error {
	err := s.st.Delete(ctx, col, key, state.AnyVersion)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	return storeErr(err)
}

// update reads the record under key, lets change modify it and writes it
// back with compare-and-set, retrying on a lost race. change returns false
// to leave the record as it is; a missing record is missing.
func update[T any](ctx context.Context, s *Service, col, key string, missing func() error, change func(*T) (bool, error)) (T, error) {
	for range maxRetries {
		var v T
		ver, ok, err := s.get(ctx, col, key, &v)
		if err != nil {
			return v, err
		}
		if !ok {
			return v, missing()
		}
		changed, err := change(&v)
		if err != nil || !changed {
			return v, err
		}
		_, err = s.put(ctx, col, key, v, ver)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		return v, err
	}
	var zero T
	return zero, graph.Errorf(graph.CodeConflict, "%s: too many concurrent updates; try again", strings.TrimSuffix(col, "s"))
}

// keys lists the keys of col under prefix, at most max of them.
func (s *Service) keys(ctx context.Context, col, prefix string, max int) ([]string, error) {
	var out []string
	after := ""
	for len(out) < max {
		want := min(state.MaxList, max-len(out))
		recs, err := s.st.List(ctx, col, prefix, after, want)
		if err != nil {
			return nil, storeErr(fmt.Errorf("list %s: %w", col, err))
		}
		for _, r := range recs {
			out = append(out, r.Key)
		}
		if len(recs) < want {
			break
		}
		after = recs[len(recs)-1].Key
	}
	return out, nil
}

// decode reads a listed record.
func decode(r state.Record, v any) error {
	if err := json.Unmarshal(r.Value, v); err != nil {
		return graph.WrapError(graph.CodeInternal, fmt.Errorf("decode %q: %w", r.Key, err), "an identity record is corrupt")
	}
	return nil
}
