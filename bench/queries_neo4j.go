package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/synth"
)

// openNeo4j gives a Neo4j holding the generated graph: the one at
// -neo4j-uri (which must hold it already), else the bench's own in
// dir/neo4j-data, loaded with the offline importer unless a previous run
// left it there, and started on -neo4j-port.
func openNeo4j(ctx context.Context, r *qreport, c config, dir string, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*neo4jstore.Store, string, func(), error) {
	var stop func()
	uri := c.neo4jURI
	if uri == "" {
		data, markPath := filepath.Join(dir, "neo4j-data"), filepath.Join(dir, "neo4j.json")
		env := []string{"NEO4J_DATA_DIR=" + data, "NEO4J_TMP_DATA=0", "NEO4J_PORT=" + strconv.Itoa(c.q.neo4jPort)}
		if m, ok := readMark(markPath); !ok || m != want {
			if err := removeMark(markPath); err != nil {
				return nil, "", nil, err
			}
			if err := importNeo4j(ctx, r, dir, data, env, gen, want); err != nil {
				return nil, "", nil, err
			}
		} else {
			r.notes = append(r.notes, "neo4j: reused the database in "+data)
		}
		start := time.Now()
		s, u, err := startNeo4j(dir, "neo4j", env)
		if err != nil {
			return nil, "", nil, err
		}
		stop, uri = s, u
		neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
		if err != nil {
			return nil, "", stop, err
		}
		r.shot("start Neo4j on its database", "neo4j", time.Since(start), "scripts/neo4j.sh start and neo4jstore.Open (indexes online) at "+uri)
		start = time.Now()
		n, err := warmFiles(data) // as for the embedded store: no row starts cold
		if err != nil {
			return nil, "", stop, errors.Join(err, neo.Close())
		}
		r.shot("warm the page cache", "neo4j", time.Since(start), fmt.Sprintf("read the database's %d MiB once before the queries", n>>20))
		if err := checkNeo4j(ctx, neo, want); err != nil {
			return nil, "", stop, errors.Join(err, neo.Close())
		}
		if err := writeMark(markPath, want); err != nil {
			return nil, "", stop, errors.Join(err, neo.Close())
		}
		return neo, uri, stop, nil
	}
	neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
	if err != nil {
		return nil, "", nil, err
	}
	if err := checkNeo4j(ctx, neo, want); err != nil {
		return nil, "", nil, errors.Join(fmt.Errorf("%s: %w (with -queries, -neo4j-uri names a database that holds the generated graph already)", uri, err), neo.Close())
	}
	return neo, uri, nil, nil
}

func checkNeo4j(ctx context.Context, neo *neo4jstore.Store, want graphMark) error {
	st, err := neo.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Nodes != int64(want.Nodes) || st.Edges != int64(want.Edges) {
		return fmt.Errorf("the database holds %d nodes and %d edges, want %d and %d", st.Nodes, st.Edges, want.Nodes, want.Edges)
	}
	return nil
}

// importNeo4j writes the graph as CSV files with the store's own encoders
// (neo4jstore.ImportWriter) and loads them into a new database with Neo4j's
// importer (scripts/neo4j.sh import), replacing what data held.
func importNeo4j(ctx context.Context, r *qreport, dir, data string, env []string, gen *synth.Gen, want graphMark) error {
	csvDir := filepath.Join(dir, "neo4j-csv")
	if err := os.RemoveAll(csvDir); err != nil {
		return err
	}
	defer removeTemp(csvDir)
	start := time.Now()
	if err := writeImportCSV(ctx, csvDir, gen); err != nil {
		return err
	}
	csvTook := time.Since(start)
	if err := neo4jScript(dir, "neo4j", append(slices.Clone(env), "NEO4J_IMPORT_OVERWRITE=1"), "import", csvDir); err != nil {
		return err
	}
	el := time.Since(start)
	r.shot("build the graph", "neo4j (offline import: CSV + neo4j-admin import)", el,
		fmt.Sprintf("%.0f records/s; CSV %s, importer %s; index population follows at the first start",
			float64(want.Nodes+want.Edges)/el.Seconds(), fmtDur(csvTook), fmtDur(el-csvTook)))
	return nil
}
