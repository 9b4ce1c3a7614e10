package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
)

// storeFlags are the flags every command that opens a store shares.
type storeFlags struct {
	kind   string
	dir    string
	neo4j  neo4jstore.Config
	limits graph.Limits
	// groupCommit opens the embedded store with boltstore.Options.GroupCommit
	// (set by commands that sync before they record progress: ingest).
	groupCommit bool
}

func (m Main) storeFlags(fs *flag.FlagSet) *storeFlags {
	sf := &storeFlags{limits: graph.DefaultLimits()}
	fs.StringVar(&sf.kind, "store", "embedded", "graph store: embedded or neo4j")
	fs.StringVar(&sf.dir, "data", ".redthread-data", "data directory of the embedded store")
	fs.StringVar(&sf.neo4j.URI, "neo4j-uri", "bolt://127.0.0.1:7687", "Neo4j URI: bolt://, neo4j://, neo4j+s:// for Aura")
	fs.StringVar(&sf.neo4j.User, "neo4j-user", "", "Neo4j user; empty for a server without auth")
	fs.StringVar(&sf.neo4j.Password, "neo4j-password", "", "Neo4j password")
	fs.StringVar(&sf.neo4j.Database, "neo4j-database", "neo4j", "Neo4j database")
	fs.DurationVar(&sf.neo4j.ConnectTimeout, "neo4j-connect-timeout", time.Minute, "how long to keep retrying an unreachable Neo4j at start")
	return sf
}

// open opens the configured store.
func (sf *storeFlags) open(ctx context.Context, logger *slog.Logger) (investigate.Store, error) {
	switch sf.kind {
	case "embedded":
		s, err := boltstore.Open(ctx, sf.dir, boltstore.Options{Limits: sf.limits, Logger: logger, GroupCommit: sf.groupCommit})
		if err != nil {
			return nil, fmt.Errorf("open embedded store in %s: %w", sf.dir, err)
		}
		return s, nil
	case "neo4j":
		cfg := sf.neo4j
		cfg.Limits, cfg.Logger = sf.limits, logger
		s, err := neo4jstore.Open(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("open Neo4j store at %s: %w", cfg.URI, err)
		}
		return s, nil
	}
	return nil, usageErrorf("--store %q: want embedded or neo4j", sf.kind)
}

// where describes the store for logs.
func (sf *storeFlags) where() string {
	if sf.kind == "neo4j" {
		return sf.neo4j.URI + " database " + sf.neo4j.Database
	}
	return sf.dir
}
