package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
)

// storeFlags are the flags every command that opens a store shares.
type storeFlags struct {
	kind   string
	dir    string
	limits graph.Limits
}

func (m Main) storeFlags(fs *flag.FlagSet) *storeFlags {
	sf := &storeFlags{limits: graph.DefaultLimits()}
	fs.StringVar(&sf.kind, "store", m.env("REDTHREAD_STORE", "embedded"), "graph store: embedded [$REDTHREAD_STORE]")
	fs.StringVar(&sf.dir, "data", m.env("REDTHREAD_DATA", ".redthread-data"), "data directory of the embedded store [$REDTHREAD_DATA]")
	return sf
}

// open opens the configured store.
func (sf *storeFlags) open(ctx context.Context, logger *slog.Logger) (graph.Store, error) {
	switch sf.kind {
	case "embedded":
		s, err := boltstore.Open(ctx, sf.dir, boltstore.Options{Limits: sf.limits, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("open embedded store in %s: %w", sf.dir, err)
		}
		return s, nil
	}
	return nil, usageErrorf("--store %q: the only store in this build is embedded", sf.kind)
}
