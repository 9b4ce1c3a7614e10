package gql

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/casestix"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// CaseFacts reads the nodes and edges a case views, as the caller may see
// them: the seam where the caller's visibility filter will apply (issue
// 17). Facts gone from the store are left out.
type CaseFacts func(ctx context.Context, c cases.Case) ([]*graph.Node, []*graph.Edge, error)

// exportAgency is the producer an export names until cases belong to
// agencies: the deployment's default agency.
const exportAgency = "local"

func (r *Resolver) exportCaseStix(ctx context.Context, id string) (string, error) {
	s, err := r.caseStore()
	if err != nil {
		return "", err
	}
	c, err := s.Get(ctx, strings.TrimSpace(id))
	if err != nil {
		return "", err
	}
	facts := r.CaseFacts
	if facts == nil {
		facts = r.storeCaseFacts
	}
	nodes, edges, err := facts(ctx, c)
	if err != nil {
		return "", err
	}
	b, err := casestix.Export(ctx, c, nodes, edges, casestix.Options{Agency: exportAgency})
	if err != nil {
		return "", err
	}
	r.Logger.InfoContext(ctx, "case exported as STIX", "case", c.ID, "nodes", len(nodes), "edges", len(edges), "bytes", len(b))
	return string(b), nil
}

// storeCaseFacts reads a case's facts from the store, at most the server's
// edge limit of nodes and of edges, charged to the operation's budget.
func (r *Resolver) storeCaseFacts(ctx context.Context, c cases.Case) ([]*graph.Node, []*graph.Edge, error) {
	var v struct {
		Nodes []struct {
			ID string `json:"id"`
		} `json:"nodes"`
		Edges []string `json:"edges"`
	}
	if err := json.Unmarshal(c.View, &v); err != nil {
		return nil, nil, graph.Errorf(graph.CodeInvalid, "case %s: its view is not a case view", c.ID)
	}
	max := r.Limits.OrDefaults().MaxEdges
	if len(v.Nodes) > max || len(v.Edges) > max {
		return nil, nil, graph.Errorf(graph.CodeLimit, "case %s: %d nodes and %d edges, more than %d of either", c.ID, len(v.Nodes), len(v.Edges), max)
	}
	ids := make([]string, 0, len(v.Nodes))
	for _, n := range v.Nodes {
		if id, _, err := graph.NormalizeNodeID(n.ID); err == nil {
			ids = append(ids, id)
		}
	}
	found, err := r.Store.Nodes(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("case %s: nodes: %w", c.ID, err)
	}
	nodes := make([]*graph.Node, 0, len(found))
	for _, n := range found {
		if n != nil {
			nodes = append(nodes, n)
		}
	}
	var edgeIDs []string
	for _, id := range v.Edges {
		if _, err := edgeID(id); err == nil {
			edgeIDs = append(edgeIDs, id)
		}
	}
	es, err := r.edges(ctx, edgeIDs)
	if err != nil {
		return nil, nil, err
	}
	edges := make([]*graph.Edge, 0, len(es))
	for _, e := range es {
		if e != nil {
			edges = append(edges, e.Graph())
		}
	}
	if err := chargeAnswer(ctx, "case "+c.ID, nodes, edges); err != nil {
		return nil, nil, err
	}
	return nodes, edges, nil
}

func (r *Resolver) importCaseStix(ctx context.Context, bundle string, name *string) (*model.StixImport, error) {
	// The importer's agency owns every imported source: a bundle cannot
	// claim another agency's ownership. The bundle is read (bounded) before
	// the stores are asked for, so a hostile one gets its own answer on
	// every server.
	var opts casestix.ImportOptions
	if p, ok := identity.PrincipalFrom(ctx); ok {
		opts.Agency = p.Agency
	}
	im, err := casestix.Import(ctx, []byte(bundle), opts)
	if err != nil {
		return nil, err
	}
	s, err := r.caseStore()
	if err != nil {
		return nil, err
	}
	if r.Writer == nil {
		return nil, graph.Errorf(graph.CodeUnavailable, "this server's store is read-only: it cannot import")
	}
	res, err := r.Writer.Write(ctx, im.Batch)
	if err != nil {
		return nil, fmt.Errorf("import STIX: write: %w", err)
	}
	skipped := im.Skipped
	for _, rej := range res.Rejected {
		skipped = append(skipped, fmt.Sprintf("%s: %s", rej.ID, graph.ErrorMessage(rej.Err)))
	}
	d := im.Case
	if name != nil && strings.TrimSpace(*name) != "" {
		d.Name = *name
	}
	d.By = actor(ctx)
	c, err := s.Save(ctx, d)
	if err != nil {
		return nil, err
	}
	nodes := res.NodesCreated + res.NodesUpdated + res.NodesUnchanged
	edges := res.EdgesCreated + res.EdgesUpdated + res.EdgesUnchanged
	r.Logger.InfoContext(ctx, "case imported from STIX", "case", c.ID, "nodes", nodes, "edges", edges, "skipped", len(skipped), "by", c.CreatedBy)
	return &model.StixImport{Case: model.NewCase(c), Nodes: nodes, Edges: edges, Skipped: skipped}, nil
}
