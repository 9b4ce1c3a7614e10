// Package gql holds the GraphQL resolvers: short functions that parse
// arguments, call the store and map results. The executable schema they
// plug into is generated into gql/generated (see gqlgen.yml at the root).
package gql

import (
	"context"
	"log/slog"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// Store is what the resolvers read from a graph store: the read side of
// investigate.Store, which satisfies it. Writes go through Resolver.Writer,
// which stays nil for a read-only store.
type Store interface {
	Node(ctx context.Context, id string) (*graph.Node, error)
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Edge(ctx context.Context, id string) (*graph.Edge, error)
	Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error)
	Neighbors(ctx context.Context, q graph.NeighborQuery) (graph.Subgraph, error)
	ShortestPath(ctx context.Context, q graph.PathQuery) (graph.Path, error)
	Stats(ctx context.Context) (graph.Stats, error)
	ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error)
	// Opener opens a view for the investigation queries (graph/investigate).
	investigate.Opener
}

// Resolver is the dependency root of the resolvers.
type Resolver struct {
	Store  Store
	Limits graph.Limits
	// Investigate bounds the investigation queries; zero fields take
	// investigate.DefaultLimits.
	Investigate investigate.Limits
	// Writer records analysts' judgements; nil when the store is read-only.
	Writer Writer
	Logger *slog.Logger
	// Cases keeps saved views; nil when the server has no state directory.
	Cases CaseStore
	// Jobs runs ingest jobs for the API; nil when the store is read-only.
	Jobs *jobs.Manager
	// Shares shares cases with other agencies; nil when Cases is.
	Shares *shares.Service
	// Audit records case views and exports, ingests, judgements and admin
	// changes; nil records nothing.
	Audit *audit.Log
	// Identity manages agencies, users and tokens for the admin API; nil
	// disables it.
	Identity *identity.Service
	// CaseFacts reads the facts of a case to export; nil reads them from
	// Store, unfiltered (storeCaseFacts).
	CaseFacts CaseFacts
}
