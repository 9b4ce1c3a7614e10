package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/synth"
)

// writeImportCSV writes the generated graph as CSV files for Neo4j's
// importer with the store's own encoders (neo4jstore.ImportWriter).
func writeImportCSV(ctx context.Context, dir string, gen *synth.Gen) error {
	w, err := neo4jstore.NewImportWriter(dir)
	if err != nil {
		return err
	}
	for b := range gen.Batches(10_000) {
		if res, err := w.Write(ctx, b); err != nil || len(res.Rejected) > 0 {
			_ = w.Close() // the CSV files are incomplete whatever Close says
			return fmt.Errorf("CSV: %v %v", err, res.Rejected)
		}
	}
	return w.Close()
}

// benchNeo4jImport loads the generated graph into a new Neo4j database the
// offline way and times it whole: CSV files written by the store's own
// encoders, Neo4j's importer, then start-up and the store's Open, which
// creates the constraints and indexes and waits until they are online.
func benchNeo4jImport(ctx context.Context, t *table, tmp string, c config, baseline float64, quiet *slog.Logger) (err error) {
	scen := fmt.Sprintf("neo4j, %s transfers", short(c.transfers))
	dir, data := filepath.Join(tmp, "neo4j-csv"), filepath.Join(tmp, "neo4j-import-data")
	gen := synth.NewGen(c.seed, c.wallets, c.transfers)
	start := time.Now()
	if err := writeImportCSV(ctx, dir, gen); err != nil {
		return err
	}
	csvTook := time.Since(start)
	env := []string{"NEO4J_DATA_DIR=" + data, "NEO4J_TMP_DATA=0"}
	if err := neo4jScript(tmp, "neo4j-import", env, "import", dir); err != nil {
		return err
	}
	importTook := time.Since(start) - csvTook
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	stop, uri, err := startNeo4j(tmp, "neo4j-import", env)
	if err != nil {
		return err
	}
	defer stop()
	s, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer closeInto(&err, "neo4j", s)
	el := time.Since(start)
	st, err := s.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Nodes != int64(gen.Nodes()) || st.Edges != int64(gen.Edges()) {
		return fmt.Errorf("imported %d nodes and %d edges, want %d and %d", st.Nodes, st.Edges, gen.Nodes(), gen.Edges())
	}
	records := float64(gen.Nodes() + gen.Edges())
	t.add(scen, "ingest, offline import into a new database", fmt.Sprintf("%.0f records/s", records/el.Seconds()),
		fmt.Sprintf("%.0f edges/s, %.0f× the baseline: CSV %s, importer %s, start and indexes %s",
			float64(gen.Edges())/el.Seconds(), records/el.Seconds()/baseline, csvTook.Round(time.Millisecond),
			importTook.Round(time.Millisecond), (el-csvTook-importTook).Round(time.Millisecond)))
	return nil
}

// neo4jScript runs scripts/neo4j.sh with the bench's state directory name
// and extra environment.
func neo4jScript(tmp, name string, env []string, args ...string) error {
	script, err := filepath.Abs(filepath.Join("scripts", "neo4j.sh"))
	if err != nil {
		return err
	}
	cmd := exec.Command(script, args...)
	cmd.Env = append(append([]string{"NEO4J_HEAP=2g"}, os.Environ()...), append([]string{"NEO4J_STATE_DIR=" + filepath.Join(tmp, name)}, env...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/neo4j.sh %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// startNeo4j starts a Neo4j of the bench's own with the project's script,
// in the state directory tmp/name, on a free port; its data is temporary
// unless env says otherwise.
func startNeo4j(tmp, name string, env []string) (stop func(), uri string, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil { // free the port for Neo4j
		return nil, "", err
	}
	script, err := filepath.Abs(filepath.Join("scripts", "neo4j.sh"))
	if err != nil {
		return nil, "", err
	}
	// Heap and page cache: the caller's NEO4J_HEAP and NEO4J_PAGECACHE, else
	// 2g and 1g (a 5 M-transfer store needs more page cache to stay fast).
	env = append(append([]string{"NEO4J_HEAP=2g", "NEO4J_PAGECACHE=1g"}, os.Environ()...),
		append([]string{"NEO4J_STATE_DIR=" + filepath.Join(tmp, name), "NEO4J_TMP_DATA=1", "NEO4J_PORT=" + strconv.Itoa(port)}, env...)...)
	cmd := exec.Command(script, "start")
	cmd.Env, cmd.Stderr = env, os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("start Neo4j (run the bench from the repository root): %w", err)
	}
	for _, line := range strings.Split(string(outb), "\n") {
		if u, ok := strings.CutPrefix(line, "NEO4J_URI="); ok {
			uri = strings.TrimSpace(u)
		}
	}
	if uri == "" {
		return nil, "", errors.New("neo4j.sh start printed no NEO4J_URI")
	}
	return func() {
		cmd := exec.Command(script, "stop")
		cmd.Env, cmd.Stderr = env, os.Stderr
		_ = cmd.Run()
	}, uri, nil
}
