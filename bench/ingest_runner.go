package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// benchRunner loads the generated graph through the ingest runner, as
// `redthread ingest` does: the graph is written to a native JSON-lines
// file first (not timed), then ingest.Run reads, validates and writes it
// into a new embedded store with a checkpoint after every batch. The
// figure is the job's own elapsed time.
func benchRunner(ctx context.Context, t *table, tmp string, c config, quiet *slog.Logger) (err error) {
	file := filepath.Join(tmp, "runner.jsonl")
	gen := synth.NewGen(c.seed, c.wallets, c.transfers)
	if err := writeNative(file, gen); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer func() { _ = os.Remove(file) }() // in tmp, removed with it anyway
	dir := filepath.Join(tmp, "runner")
	s, err := boltstore.Open(ctx, dir, boltstore.Options{Logger: quiet, GroupCommit: c.groupCommit > 0})
	if err != nil {
		return err
	}
	defer closeInto(&err, "runner store", s)
	cpu0 := cpuTime()
	res, err := ingest.Run(ctx, s, []ingest.Source{native.File(file)},
		ingest.Options{Logger: quiet, Checkpoint: filepath.Join(tmp, "runner.ckpt"), GroupCommit: c.groupCommit})
	if err != nil {
		return err
	}
	cpu := cpuTime() - cpu0
	if res.Rejected > 0 || res.Edges.Created != gen.Edges() {
		return fmt.Errorf("runner: %d rejected, %d of %d edges created (first rejection: %v)", res.Rejected, res.Edges.Created, gen.Edges(), firstReport(res))
	}
	el := res.Elapsed
	what := "ingest through the runner (native JSON lines, checkpointed)"
	if c.groupCommit > 0 {
		what = fmt.Sprintf("ingest through the runner (native JSON lines, group commit, checkpointed every %d batches)", c.groupCommit)
	}
	t.add(fmt.Sprintf("embedded, %s transfers", short(c.transfers)), what,
		rate(float64(res.Records), el, "records/s"),
		fmt.Sprintf("%d nodes + %d edges in %s = %.0f edges/s; CPU %.1f s (%.1f µs a record); %s MiB file; bench process peak RSS %s",
			gen.Nodes(), gen.Edges(), el.Round(time.Millisecond), float64(gen.Edges())/el.Seconds(),
			cpu.Seconds(), float64(cpu.Microseconds())/float64(res.Records), mib(res.Bytes), peakRSS()))
	return nil
}

func firstReport(res ingest.Result) error {
	if len(res.Report) == 0 {
		return nil
	}
	return &res.Report[0]
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine, the cost of a run that its wall time only bounds.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mib(n int64) string { return fmt.Sprintf("%.0f", float64(n)/(1<<20)) }

// writeNative writes gen's records as native JSON lines, nodes first.
func writeNative(path string, gen *synth.Gen) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	for b := range gen.Batches(10_000) {
		for i := range b.Nodes {
			if err := enc.Encode(nativeNode(&b.Nodes[i])); err != nil {
				return err
			}
		}
		for i := range b.Edges {
			if err := enc.Encode(nativeEdge(&b.Edges[i])); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

type nativeSource struct {
	Dataset      string `json:"dataset"`
	Record       string `json:"record,omitempty"`
	Confidence   int    `json:"confidence,omitempty"`
	Illustrative bool   `json:"illustrative,omitempty"`
}

func nativeSources(in []graph.Source) []nativeSource {
	out := make([]nativeSource, len(in))
	for i, s := range in {
		out[i] = nativeSource{s.Dataset, s.Record, s.Confidence, s.Illustrative}
	}
	return out
}

func nativeNode(n *graph.Node) any {
	return struct {
		Type    string         `json:"type"`
		Kind    graph.NodeKind `json:"kind"`
		Key     string         `json:"key"`
		Label   string         `json:"label,omitempty"`
		Props   graph.Props    `json:"props,omitempty"`
		Sources []nativeSource `json:"sources"`
	}{"node", n.Kind, n.Key, n.Label, n.Props, nativeSources(n.Sources)}
}

func nativeEdge(e *graph.Edge) any {
	var at string
	if !e.Time.IsZero() {
		at = e.Time.UTC().Format(time.RFC3339)
	}
	return struct {
		Type    string         `json:"type"`
		Kind    graph.EdgeKind `json:"kind"`
		From    string         `json:"from"`
		To      string         `json:"to"`
		Key     string         `json:"key,omitempty"`
		Amount  float64        `json:"amount,omitempty"`
		Asset   string         `json:"asset,omitempty"`
		Time    string         `json:"time,omitempty"`
		TxHash  string         `json:"txHash,omitempty"`
		Sources []nativeSource `json:"sources"`
	}{"edge", e.Kind, e.From, e.To, e.Key, e.Amount, e.Asset, at, e.TxHash, nativeSources(e.Sources)}
}

// runRunnerOnly is -runner-only: the runner's ingest row alone.
func runRunnerOnly(ctx context.Context, out io.Writer, c config) error {
	tmp, err := os.MkdirTemp("", "redthread-bench-")
	if err != nil {
		return err
	}
	defer removeTemp(tmp)
	t := &table{}
	if err := benchRunner(ctx, t, tmp, c, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	return t.print(out)
}

type profiles struct{ cpu, mem *string }

func profileFlags() profiles {
	return profiles{
		cpu: flag.String("cpuprofile", "", "write a CPU profile of the run to this file"),
		mem: flag.String("memprofile", "", "write an allocation profile of the run to this file"),
	}
}

// start starts the CPU profile; stop ends it and writes the allocation
// profile. Profiles are for finding costs, not for the table's figures.
func (p profiles) start() (stop func(), err error) {
	var cpu *os.File
	if *p.cpu != "" {
		if cpu, err = os.Create(*p.cpu); err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			return nil, errors.Join(err, cpu.Close())
		}
	}
	done := false
	return func() {
		if done {
			return
		}
		done = true
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if *p.mem != "" {
			if err := writeHeapProfile(*p.mem); err != nil {
				fmt.Fprintln(os.Stderr, "bench: memprofile:", err)
			}
		}
	}, nil
}

func writeHeapProfile(path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}
