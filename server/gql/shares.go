package gql

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/graph/visibility"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// SharedPath is where a browser opens a share link: SharedPath#link=TOKEN.
const SharedPath = "/shared"

func (r *Resolver) shareService() (*shares.Service, error) {
	if r.Shares == nil {
		return nil, graph.Errorf(graph.CodeUnavailable, "this server shares no cases: its graph store keeps no records")
	}
	return r.Shares, nil
}

// recipient is who the request runs as, for a share link.
func recipient(ctx context.Context) shares.Recipient {
	p, _ := identity.PrincipalFrom(ctx)
	return shares.RecipientOf(p, audit.AddrFrom(ctx))
}

// parseExpiry reads a share's lifetime: a Go duration (72h) or whole days
// (7d); empty is the default.
func parseExpiry(s *string) (time.Duration, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		return 0, nil
	}
	text := strings.TrimSpace(*s)
	if days, ok := strings.CutSuffix(text, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 && n < 10_000 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(text); err == nil && d > 0 {
		return d, nil
	}
	return 0, graph.Errorf(graph.CodeInvalid, "expiresIn: %q is not a duration (72h, 7d)", text)
}

func (r *Resolver) shareCase(ctx context.Context, caseID, agency string, users []string, cap *graph.Marking, expiresIn *string, allowComments *bool) (*model.ShareLink, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	exp, err := parseExpiry(expiresIn)
	if err != nil {
		return nil, err
	}
	req := shares.Request{Case: strings.TrimSpace(caseID), Agency: agency, Users: users, ExpiresIn: exp,
		AllowComments: allowComments != nil && *allowComments, By: actor(ctx)}
	if cap != nil {
		req.Cap = *cap
	}
	sh, token, err := svc.Create(ctx, req)
	r.auditShare(ctx, "share.create", sh, "case "+req.Case+" to "+agency, err)
	if err != nil {
		return nil, err
	}
	r.Logger.InfoContext(ctx, "case shared", "case", sh.Case, "share", sh.ID, "to", sh.Agency, "users", len(sh.Users), "cap", sh.Cap, "expires", sh.ExpiresAt)
	return &model.ShareLink{Share: model.NewShare(sh), Token: token, URL: SharedPath + "#link=" + token}, nil
}

func (r *Resolver) revokeShare(ctx context.Context, id string) (*model.Share, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	sh, err := svc.Revoke(ctx, strings.TrimSpace(id), actor(ctx))
	r.auditShare(ctx, "share.revoke", sh, "", err)
	if err != nil {
		return nil, err
	}
	r.Logger.InfoContext(ctx, "share revoked", "case", sh.Case, "share", sh.ID)
	return model.NewShare(sh), nil
}

func (r *Resolver) listShares(ctx context.Context, caseID string) ([]*model.Share, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	list, err := svc.List(ctx, strings.TrimSpace(caseID))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Share, len(list))
	for i, sh := range list {
		out[i] = model.NewShare(sh)
	}
	return out, nil
}

func (r *Resolver) previewShare(ctx context.Context, caseID, agency string, users []string, cap *graph.Marking) (*model.SharedCase, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	req := shares.Request{Case: strings.TrimSpace(caseID), Agency: agency, Users: users, By: actor(ctx)}
	if cap != nil {
		req.Cap = *cap
	}
	sh, c, err := svc.Preview(ctx, req)
	r.audited(ctx, "share.preview", caseID, "as "+agency, err)
	if err != nil {
		return nil, err
	}
	// A user of the receiving agency (the first named one when it names
	// users), without any share of theirs: only what this one carries.
	who := shares.Recipient{Agency: sh.Agency}
	if len(sh.Users) > 0 {
		who.Email = sh.Users[0]
	}
	return r.sharedCase(ctx, sh, c, visibility.Viewer{Agency: sh.Agency}, who, nil)
}

func (r *Resolver) openShare(ctx context.Context, token string) (*model.SharedCase, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	who := recipient(ctx)
	sh, err := svc.Open(ctx, token, who)
	r.auditShare(ctx, "share.open", sh, "", err)
	if err != nil {
		return nil, err
	}
	c, err := svc.Case(ctx, sh)
	if err != nil {
		return nil, shares.ErrLink // the case was deleted
	}
	comments, err := svc.Comments(ctx, sh)
	if err != nil {
		return nil, err
	}
	v, _ := visibility.FromContext(ctx)
	r.Logger.InfoContext(ctx, "share opened", "case", sh.Case, "share", sh.ID, "by", actor(ctx))
	return r.sharedCase(ctx, sh, c, v, who, comments)
}

func (r *Resolver) commentOnShare(ctx context.Context, token, text string) (*model.CaseComment, error) {
	svc, err := r.shareService()
	if err != nil {
		return nil, err
	}
	c, sh, err := svc.Comment(ctx, token, recipient(ctx), text)
	r.auditShare(ctx, "share.comment", sh, "", err)
	if err != nil {
		return nil, err
	}
	r.Logger.InfoContext(ctx, "comment on a shared case", "case", sh.Case, "share", sh.ID, "by", c.By)
	return model.NewCaseComment(c), nil
}

// auditShare records a share's creation, opening, comment or revocation
// in the actor's agency's audit log and, when it held, in the other
// side's too: the sharing and the receiving agency both see what happened
// to the share. A link that did not hold names no share.
func (r *Resolver) auditShare(ctx context.Context, action string, sh shares.Share, detail string, err error) {
	target := "share:" + sh.ID
	if sh.ID == "" {
		target = "share link"
	}
	r.audited(ctx, action, target, detail, err)
	if r.Audit == nil || err != nil || sh.ID == "" {
		return
	}
	e := audit.Event(ctx, action, target)
	other := sh.Agency
	if e.Agency == sh.Agency {
		other = sh.Owner
	}
	e.Agency, e.Detail = other, joinDetail(e.Detail, joinDetail("case "+sh.Case, detail))
	_ = r.Audit.Record(ctx, e)
}

// sharedCase is case c as viewer v (the recipient) sees it through share
// sh. The case's facts are read unfiltered (a trusted read, so that the
// redaction does not hang on the stores' own filter) and the rules are
// evaluated here for v with sh's grant.
func (r *Resolver) sharedCase(ctx context.Context, sh shares.Share, c cases.Case, v visibility.Viewer, who shares.Recipient, comments []cases.Change) (*model.SharedCase, error) {
	tctx, cancel := trustedContext(ctx)
	defer cancel()
	nodes, edges, err := r.storeCaseFacts(tctx, c)
	if err != nil {
		return nil, err
	}
	facts := make(map[string]struct{}, len(nodes)+len(edges))
	for _, n := range nodes {
		facts[n.ID] = struct{}{}
	}
	for _, e := range edges {
		facts[e.ID] = struct{}{}
	}
	v.Grants = append(slices.Clone(v.Grants), shares.GrantOf(sh, who, facts))
	red, err := shares.Redact(c.View, nodes, edges, v)
	if err != nil {
		return nil, err
	}
	c.View = red.View
	out := &model.SharedCase{Share: model.NewShare(sh), Case: model.NewCase(c), Withheld: red.Withheld,
		Comments: make([]*model.CaseComment, len(comments)), Nodes: make([]model.Node, len(red.Nodes)), Edges: make([]*model.Edge, len(red.Edges))}
	if n := shares.Notice(red.Withheld); n != "" {
		out.Notice = &n
	}
	for i, c := range comments {
		out.Comments[i] = model.NewCaseComment(c)
	}
	for i, n := range red.Nodes {
		out.Nodes[i] = model.NewNode(n)
	}
	for i, e := range red.Edges {
		out.Edges[i] = model.NewEdge(e)
	}
	// Edge ends resolve to the redacted nodes, not to a store read.
	r.prime(ctx, red.Nodes)
	return out, nil
}

// trustedContext is ctx without its viewer (a trusted, unfiltered read),
// keeping its deadline, cancellation and memory budget.
func trustedContext(ctx context.Context) (context.Context, context.CancelFunc) {
	t, cancel := context.WithCancel(budget.WithOperation(context.Background(), budget.FromContext(ctx)))
	if d, ok := ctx.Deadline(); ok {
		var cancelD context.CancelFunc
		t, cancelD = context.WithDeadline(t, d)
		prev := cancel
		cancel = func() { cancelD(); prev() }
	}
	stop := context.AfterFunc(ctx, cancel)
	return t, func() { stop(); cancel() }
}

// caseHistory is a case's history for its owner's users; empty for
// anyone else (a recipient reads a shared case's comments through its
// share).
func (r *Resolver) caseHistory(ctx context.Context, c *model.Case) ([]cases.Change, error) {
	s, err := r.caseStore()
	if err != nil {
		return nil, err
	}
	h, err := s.History(ctx, c.ID())
	if graph.ErrorCode(err) == graph.CodeNotFound {
		return nil, nil
	}
	return h, err
}

func (r *Resolver) caseComments(ctx context.Context, c *model.Case) ([]*model.CaseComment, error) {
	h, err := r.caseHistory(ctx, c)
	if err != nil {
		return nil, err
	}
	cs := cases.Comments(h)
	out := make([]*model.CaseComment, len(cs))
	for i, c := range cs {
		out[i] = model.NewCaseComment(c)
	}
	return out, nil
}

func (r *Resolver) caseChanges(ctx context.Context, c *model.Case) ([]*model.CaseChange, error) {
	h, err := r.caseHistory(ctx, c)
	if err != nil {
		return nil, err
	}
	out := make([]*model.CaseChange, len(h))
	for i, c := range h {
		out[i] = model.NewCaseChange(c)
	}
	return out, nil
}

func (r *Resolver) caseShares(ctx context.Context, c *model.Case) ([]*model.Share, error) {
	if r.Shares == nil {
		return []*model.Share{}, nil
	}
	list, err := r.listShares(ctx, c.ID())
	if graph.ErrorCode(err) == graph.CodeNotFound {
		return []*model.Share{}, nil
	}
	return list, err
}
