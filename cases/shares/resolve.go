package shares

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// Resolve returns the share a link token opens for r, or ErrLink whatever
// went wrong; a store failure is returned as such (it says nothing about
// the link). Every call counts against r's rate limits.
func (s *Service) Resolve(ctx context.Context, token string, r Recipient) (Share, error) {
	if wait := s.limit.take("addr "+r.Addr, "who "+r.Agency+"/"+r.User+"/"+r.Email); wait > 0 {
		return Share{}, graph.Errorf(graph.CodeTooMany, "too many share links opened: try again in %s", wait.Round(time.Second)+time.Second)
	}
	id, err := s.keys.Verify(ctx, token)
	if errors.Is(err, errBadToken) {
		return Share{}, ErrLink
	}
	if err != nil {
		return Share{}, err
	}
	sh, _, err := s.get(ctx, id)
	if errors.Is(err, state.ErrNotFound) {
		return Share{}, ErrLink
	}
	if err != nil {
		return Share{}, err
	}
	if !sh.Live(s.now()) || !sh.Reaches(r) {
		return Share{}, ErrLink
	}
	return sh, nil
}

// Open resolves a link and records that its recipient opened it: from then
// on, until it expires or is revoked, the share adds its grant to the
// recipient's requests (Grants).
func (s *Service) Open(ctx context.Context, token string, r Recipient) (Share, error) {
	sh, err := s.Resolve(ctx, token, r)
	if err != nil {
		return Share{}, err
	}
	if _, err := s.st.Put(ctx, collOpened, sh.Agency+"/"+sh.ID, []byte("{}"), state.AnyVersion); err != nil {
		return Share{}, fmt.Errorf("open share: %w", err)
	}
	for sh.OpenedAt.IsZero() {
		cur, ver, err := s.get(ctx, sh.ID)
		if err != nil {
			return Share{}, fmt.Errorf("open share: %w", err)
		}
		if !cur.OpenedAt.IsZero() {
			return cur, nil
		}
		if !cur.Live(s.now()) {
			return Share{}, ErrLink // revoked meanwhile
		}
		cur.OpenedAt = s.now().UTC().Truncate(time.Millisecond)
		b, err := json.Marshal(cur)
		if err != nil {
			return Share{}, err
		}
		switch _, err := s.st.Put(ctx, collShares, sh.ID, b, ver); {
		case err == nil:
			sh = cur
		case !errors.Is(err, state.ErrConflict):
			return Share{}, fmt.Errorf("open share: %w", err)
		}
	}
	return sh, nil
}

// Case returns the shared case, whoever owns it.
func (s *Service) Case(ctx context.Context, sh Share) (cases.Case, error) {
	return s.cases.Shared(ctx, sh.Case)
}

// Comment adds r's comment to a shared case through its link, when the
// share takes comments.
func (s *Service) Comment(ctx context.Context, token string, r Recipient, text string) (cases.Change, Share, error) {
	sh, err := s.Resolve(ctx, token, r)
	if err != nil {
		return cases.Change{}, Share{}, err
	}
	if !sh.AllowComments {
		return cases.Change{}, sh, graph.Errorf(graph.CodeForbidden, "this share takes no comments")
	}
	c, err := s.cases.SharedComment(ctx, sh.Case, cases.Change{By: r.Email, Agency: r.Agency, Share: sh.ID, Text: text})
	return c, sh, err
}

// Comments returns the comments made through share sh.
func (s *Service) Comments(ctx context.Context, sh Share) ([]cases.Change, error) {
	all, err := s.cases.SharedHistory(ctx, sh.Case)
	if err != nil {
		return nil, err
	}
	var out []cases.Change
	for _, c := range cases.Comments(all) {
		if c.Share == sh.ID {
			out = append(out, c)
		}
	}
	return out, nil
}

// Grants returns the grants of the live shares r has opened (at most
// MaxGrants), read from the store: a revoked or expired share grants
// nothing from the next request on, on every server.
func (s *Service) Grants(ctx context.Context, r Recipient) ([]visibility.Grant, error) {
	if r.Agency == "" {
		return nil, nil
	}
	page, err := s.st.List(ctx, collOpened, r.Agency+"/", "", MaxGrants)
	if err != nil {
		return nil, fmt.Errorf("opened shares: %w", err)
	}
	now := s.now()
	var out []visibility.Grant
	for _, rec := range page {
		id := strings.TrimPrefix(rec.Key, r.Agency+"/")
		sh, _, err := s.get(ctx, id)
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return nil, err
		}
		if err != nil || !sh.Live(now) {
			// Tidy the index; the share itself decides, not the index.
			_ = s.st.Delete(context.WithoutCancel(ctx), collOpened, rec.Key, state.AnyVersion)
			continue
		}
		if !sh.Reaches(r) {
			continue
		}
		facts, err := s.caseFacts(ctx, sh.Case)
		if errors.Is(err, state.ErrNotFound) || graph.ErrorCode(err) == graph.CodeNotFound {
			continue // the case is gone
		}
		if err != nil {
			return nil, err
		}
		out = append(out, GrantOf(sh, r, facts))
	}
	return out, nil
}

// GrantOf is the grant share sh gives r over a case with the fact IDs facts.
func GrantOf(sh Share, r Recipient, facts map[string]struct{}) visibility.Grant {
	return visibility.Grant{Case: sh.Case, Owner: sh.Owner, Cap: sh.Cap, Named: sh.Named(r), Facts: facts}
}

// caseFacts returns the IDs of case id's nodes and edges, kept per case
// version (a case's view changes only with its version).
func (s *Service) caseFacts(ctx context.Context, id string) (map[string]struct{}, error) {
	sum, err := s.cases.SharedSummary(ctx, id)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s@%d@%d", id, sum.Version, sum.UpdatedAt.UnixNano())
	if f, ok := s.facts.get(key); ok {
		return f, nil
	}
	c, err := s.cases.Shared(ctx, id)
	if err != nil {
		return nil, err
	}
	nodes, edges, err := ViewFacts(c.View)
	if err != nil {
		return nil, err
	}
	f := make(map[string]struct{}, len(nodes)+len(edges))
	for _, n := range nodes {
		f[n] = struct{}{}
	}
	for _, e := range edges {
		f[e] = struct{}{}
	}
	s.facts.put(key, f)
	return f, nil
}

// ViewFacts returns the node IDs (normalised) and edge IDs a case view
// holds.
func ViewFacts(view json.RawMessage) (nodes, edges []string, err error) {
	var v struct {
		Nodes []struct {
			ID string `json:"id"`
		} `json:"nodes"`
		Edges []string `json:"edges"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		return nil, nil, graph.Errorf(graph.CodeInvalid, "case view: not a case view")
	}
	for _, n := range v.Nodes {
		if id, _, err := graph.NormalizeNodeID(n.ID); err == nil {
			nodes = append(nodes, id)
		}
	}
	return nodes, v.Edges, nil
}

// factCache keeps a few cases' fact sets; when full it starts again (the
// sets are cheap to rebuild, and a share's liveness is never cached).
type factCache struct {
	max int
	mu  sync.Mutex
	m   map[string]map[string]struct{}
}

func newFactCache(max int) *factCache {
	return &factCache{max: max, m: map[string]map[string]struct{}{}}
}

func (c *factCache) get(k string) (map[string]struct{}, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.m[k]
	return f, ok
}

func (c *factCache) put(k string, f map[string]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = f
}
