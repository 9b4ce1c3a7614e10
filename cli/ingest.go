package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/formats"
	"github.com/redthread-dev/redthread/ingest/sameasjob"
)

func (m Main) ingest(ctx context.Context, args []string) (err error) {
	fs := m.newFlagSet("ingest")
	sf := m.storeFlags(fs)
	format := fs.String("format", "native", "input format: "+strings.Join(formats.Names(), ", "))
	batch := fs.Int("batch-size", ingest.DefaultBatchSize, "records written per transaction")
	job := fs.String("job", "", "job ID stamped into the sources of what is loaded (default: generated)")
	checkpoint := fs.String("checkpoint", "", "checkpoint file, saved after every committed batch so that a killed job resumes (default: one per store, format and input files, under the embedded store's data directory or .redthread-ingest/); none disables")
	resume := fs.Bool("resume", true, "resume from the checkpoint when it was taken on the same inputs; false starts over")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	group := fs.Int("group-commit", 0, "embedded store: commit batches without waiting for the disk and checkpoint every this many batches, after one sync (bulk loads: a power loss may damage the store, a kill does not); 0 waits at every commit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the job to this file (go tool pprof)")
	maxValue := m.maxValueSizeFlag(fs)
	stampF := m.stampFlags(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	valueLimit, err := maxValue.limit()
	if err != nil {
		return err
	}
	stamp, err := stampF.check()
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile, m.Stderr)
		if err != nil {
			return err
		}
		defer stop()
	}
	if *batch <= 0 {
		return usageErrorf("--batch-size must be positive")
	}
	if *group < 0 || *group > maxGroupCommit {
		return usageErrorf("--group-commit must be 0 to %d", maxGroupCommit)
	}
	sf.groupCommit = *group > 0
	sources, err := inputSources(ctx, *format, fs.Args())
	if err != nil {
		return err
	}
	logger, err := m.logger(*logLevel, "text")
	if err != nil {
		return err
	}

	ckpt, err := checkpointPath(*checkpoint, sf, *format, *job, fs.Args())
	if err != nil {
		return err
	}
	if ckpt != "" && !*resume {
		if err := ingest.RemoveCheckpoint(ckpt); err != nil {
			return err
		}
	}

	store, err := sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", store)
	if stamp, err = stampF.resolve(ctx, store, stamp); err != nil {
		return err
	}

	rec := sameasjob.Record(store)
	res, err := ingest.Run(ctx, rec, sources, ingest.Options{
		JobID:         *job,
		Stamp:         stamp,
		BatchSize:     *batch,
		MaxValueBytes: valueLimit,
		Checkpoint:    ckpt,
		GroupCommit:   *group,
		Progress:      m.progress(),
		Logger:        logger,
	})
	if res.Resumed {
		fmt.Fprintf(m.Stderr, "resumed job %s from checkpoint %s at record %d\n", res.JobID, ckpt, res.ResumedAt)
	}
	if werr := res.WriteReport(m.Stderr); werr != nil && err == nil {
		err = werr
	}
	if werr := res.WriteSkipped(m.Stderr); werr != nil && err == nil {
		err = werr
	}
	if err == nil {
		m.reviewSameAs(ctx, store, rec, logger)
	}
	if err != nil {
		if ckpt != "" {
			return fmt.Errorf("job %s stopped after %d records (run the same command again to resume from %s): %w", res.JobID, res.Records, ckpt, err)
		}
		return fmt.Errorf("job %s stopped after %d records: %w", res.JobID, res.Records, err)
	}
	if res.Rejected > 0 {
		return exitCode(ExitRejected)
	}
	return nil
}

// maxGroupCommit bounds --group-commit: the batches a kill may make a
// resumed job write again.
const maxGroupCommit = 1000

// reviewSameAs prints how many same-actor candidates hold an entity the
// job wrote (a resumed job: written in this run). A failure to look them
// up is logged: the job itself is done.
func (m Main) reviewSameAs(ctx context.Context, store investigate.Store, rec *sameasjob.Recorder, logger *slog.Logger) {
	sum, err := sameasjob.Review(ctx, store, rec, investigate.Limits{})
	if err != nil {
		logger.Warn("same-actor candidates of the job not looked up", "err", err)
		return
	}
	if line := sum.String(); line != "" {
		fmt.Fprintf(m.Stderr, "%s: see sameAsCandidates, or Same actors… in the web UI\n", line)
	}
}

// inputSources opens the input files of an ingest command in format.
func inputSources(ctx context.Context, format string, paths []string) ([]ingest.Source, error) {
	f, ok := formats.Lookup(format)
	if !ok {
		return nil, usageErrorf("--format %q: the formats are %s", format, strings.Join(formats.Names(), ", "))
	}
	if len(paths) == 0 {
		return nil, usageErrorf("no input files")
	}
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("input: %w", err)
		}
	}
	sources, err := f.Sources(ctx, paths...)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	return sources, nil
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string, stderr io.Writer) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, errors.Join(fmt.Errorf("--cpuprofile: %w", err), f.Close())
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "redthread ingest: --cpuprofile: %v\n", err)
		}
	}, nil
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

// checkpointPath returns the checkpoint file of a job: flag when given
// ("none": no checkpoint), else a name derived from everything that makes
// the job the same job (the store, the format, the job ID if given and the
// absolute input paths), so that the same command finds its checkpoint.
// It lives in the embedded store's data directory, which a job resumes
// into, or in .redthread-ingest/ for Neo4j.
func checkpointPath(flag string, sf *storeFlags, format, job string, inputs []string) (string, error) {
	switch flag {
	case "none":
		return "", nil
	case "":
	default:
		return flag, nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", sf.kind, sf.where(), format, job)
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			return "", fmt.Errorf("input %s: %w", in, err)
		}
		fmt.Fprintf(h, "\x00%s", abs)
	}
	name := "ingest-" + hex.EncodeToString(h.Sum(nil)[:8]) + ".ckpt"
	if sf.kind == "embedded" {
		return filepath.Join(sf.dir, "checkpoints", name), nil
	}
	return filepath.Join(".redthread-ingest", name), nil
}
