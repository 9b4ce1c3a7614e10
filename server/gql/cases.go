package gql

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// CaseStore keeps saved views (package cases).
type CaseStore interface {
	Save(ctx context.Context, d cases.Draft) (cases.Case, error)
	Get(ctx context.Context, id string) (cases.Case, error)
	List(ctx context.Context, limit int) ([]cases.Case, error)
	Delete(ctx context.Context, id string) error
	// History is the case's changes and comments, for its agency's users.
	History(ctx context.Context, id string) ([]cases.Change, error)
}

// Bounds of the case list.
const (
	defaultCaseList = 100
	maxCaseList     = 1000
)

func (r *Resolver) caseStore() (CaseStore, error) {
	if r.Cases == nil {
		return nil, graph.Errorf(graph.CodeUnavailable, "this server keeps no cases: its graph store keeps no records")
	}
	return r.Cases, nil
}

func (r *Resolver) saveCase(ctx context.Context, id *string, name string, view any, expectedVersion *int) (*model.Case, error) {
	s, err := r.caseStore()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(view)
	if err != nil {
		return nil, graph.Errorf(graph.CodeInvalid, "case view: %v", err)
	}
	d := cases.Draft{Name: name, View: raw, ExpectedVersion: expectedVersion}
	if id != nil {
		d.ID = strings.TrimSpace(*id)
	}
	// Who saves is who signed in, never what the client says.
	d.By = actor(ctx)
	c, err := s.Save(ctx, d)
	if err != nil {
		return nil, err
	}
	r.Logger.InfoContext(ctx, "case saved", "case", c.ID, "version", c.Version, "nodes", c.Nodes, "by", c.UpdatedBy)
	return model.NewCase(c), nil
}

func (r *Resolver) getCase(ctx context.Context, id string) (*model.Case, error) {
	s, err := r.caseStore()
	if err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, missingIsNull(err)
	}
	return model.NewCase(c), nil
}

func (r *Resolver) listCases(ctx context.Context, first *int) ([]*model.Case, error) {
	s, err := r.caseStore()
	if err != nil {
		return nil, err
	}
	cs, err := s.List(ctx, clamp(first, defaultCaseList, 1, maxCaseList))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Case, len(cs))
	for i, c := range cs {
		out[i] = model.NewCase(c)
	}
	return out, nil
}

func (r *Resolver) deleteCase(ctx context.Context, id string) (bool, error) {
	s, err := r.caseStore()
	if err != nil {
		return false, err
	}
	if err := s.Delete(ctx, id); err != nil {
		return false, fmt.Errorf("delete case: %w", err)
	}
	r.Logger.InfoContext(ctx, "case deleted", "case", id)
	return true, nil
}
