package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// formats maps --format names to the functions that open a file in them.
var formats = map[string]func(path string) ingest.Source{
	"native": native.File,
}

func (m Main) ingest(ctx context.Context, args []string) error {
	fs := m.newFlagSet("ingest")
	sf := m.storeFlags(fs)
	format := fs.String("format", "native", "input format: native (JSON lines, see ingest/native/FORMAT.md)")
	batch := fs.Int("batch-size", ingest.DefaultBatchSize, "records written per transaction")
	job := fs.String("job", "", "job ID stamped into the sources of what is loaded (default: generated)")
	logLevel := fs.String("log-level", m.env("REDTHREAD_LOG_LEVEL", "warn"), "debug, info, warn or error")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	open, ok := formats[*format]
	if !ok {
		return usageErrorf("--format %q: the formats are native", *format)
	}
	if fs.NArg() == 0 {
		return usageErrorf("no input files")
	}
	if *batch <= 0 {
		return usageErrorf("--batch-size must be positive")
	}
	logger, err := m.logger(*logLevel, "text")
	if err != nil {
		return err
	}
	var sources []ingest.Source
	for _, path := range fs.Args() {
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("input: %w", err)
		}
		sources = append(sources, open(path))
	}

	store, err := sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer store.Close()

	res, err := ingest.Run(ctx, store, sources, ingest.Options{
		JobID:     *job,
		BatchSize: *batch,
		Progress:  m.progress(),
		Logger:    logger,
	})
	if werr := res.WriteReport(m.Stderr); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("job %s stopped after %d records: %w", res.JobID, res.Records, err)
	}
	if res.Rejected > 0 {
		return exitCode(ExitRejected)
	}
	return nil
}

// progress draws a bar when stderr is a terminal and prints only the final
// summary otherwise.
func (m Main) progress() func(ingest.Progress) {
	if f, ok := m.Stderr.(*os.File); ok {
		return ingest.NewBar(f).Update
	}
	return func(p ingest.Progress) {
		if p.Done {
			fmt.Fprintln(m.Stderr, p.Summary())
		}
	}
}

// ingestDemo loads the demo case embedded in the binary.
func (m Main) ingestDemo(ctx context.Context, store graph.Store, logger *slog.Logger) error {
	res, err := ingest.Run(ctx, store, []ingest.Source{demo.Source()}, ingest.Options{Logger: logger})
	if err != nil {
		return fmt.Errorf("load demo case: %w", err)
	}
	if res.Rejected > 0 {
		_ = res.WriteReport(m.Stderr)
		return fmt.Errorf("demo case: %d records rejected", res.Rejected)
	}
	logger.Info("demo case loaded", "nodes", res.Nodes.Total(), "edges", res.Edges.Total(), "elapsed", res.Elapsed)
	return nil
}
