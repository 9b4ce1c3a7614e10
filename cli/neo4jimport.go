package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
)

// neo4jImport reads input files like ingest does, through the same
// runner, and writes them as CSV files for Neo4j's offline importer: the
// fast way to load a new Neo4j database (scripts/neo4j.sh import DIR).
func (m Main) neo4jImport(ctx context.Context, args []string) error {
	fs := m.newFlagSet("neo4j-import")
	format := fs.String("format", "native", "input format: "+strings.Join(formats.Names(), ", "))
	out := fs.String("out", "", "directory to write the CSV files and the importer's options to (created; must not hold an import)")
	batch := fs.Int("batch-size", ingest.DefaultBatchSize, "records validated and merged at a time")
	job := fs.String("job", "", "job ID stamped into the sources of what is loaded (default: generated)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageErrorf("--out DIR is required")
	}
	if *batch <= 0 {
		return usageErrorf("--batch-size must be positive")
	}
	sources, err := inputSources(ctx, *format, fs.Args())
	if err != nil {
		return err
	}
	logger, err := m.logger(*logLevel, "text")
	if err != nil {
		return err
	}
	w, err := neo4jstore.NewImportWriter(*out)
	if err != nil {
		return err
	}
	res, err := ingest.Run(ctx, w, sources, ingest.Options{
		JobID:     *job,
		BatchSize: *batch,
		Progress:  m.progress(),
		Logger:    logger,
	})
	if cerr := w.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if werr := res.WriteReport(m.Stderr); werr != nil && err == nil {
		err = werr
	}
	if werr := res.WriteSkipped(m.Stderr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("job %s stopped after %d records: %w", res.JobID, res.Records, err)
	}
	fmt.Fprintf(m.Stderr, "CSV files for Neo4j's importer written to %s; load them into a new database with:\n"+
		"  NEO4J_DATA_DIR=DIR scripts/neo4j.sh import %s\n", *out, *out)
	if res.Rejected > 0 {
		return exitCode(ExitRejected)
	}
	return nil
}
