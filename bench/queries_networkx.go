package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed networkx.py
var networkxScript []byte

// nxResult is what bench/networkx.py prints.
type nxResult struct {
	Networkx   string  `json:"networkx"`
	Python     string  `json:"python"`
	LoadSecs   float64 `json:"load_seconds"`
	Nodes      int     `json:"nodes"`
	Edges      int     `json:"edges"`
	EdgeLines  int     `json:"edge_lines"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Queries    []struct {
		Query     string    `json:"query"`
		Impl      string    `json:"impl"`
		Seconds   []float64 `json:"seconds"`
		Found     int       `json:"found"`
		Beyond    int       `json:"beyond_cutoff"`
		TimedOut  int       `json:"timed_out"`
		Errors    int       `json:"errors"`
		FirstErr  string    `json:"first_error"`
		HopsSum   int       `json:"hops_sum"`
		Mismatch  int       `json:"mismatch"`
		Compared  int       `json:"compared"`
		Reference string    `json:"reference"`
	} `json:"queries"`
	Components struct {
		Seconds float64 `json:"seconds"`
		Count   int     `json:"count"`
		Largest int     `json:"largest"`
	} `json:"components"`
}

// runNetworkx makes the venv (networkx pinned, from PyPI), runs
// bench/networkx.py on the edge list and the pairs, and adds its figures.
func runNetworkx(ctx context.Context, r *qreport, c config, dir, venv, edgesPath string, nodes int, handles [][2]int64) error {
	q := c.q
	py := filepath.Join(venv, "bin", "python")
	have, _ := exec.CommandContext(ctx, py, "-c", "import networkx; print(networkx.__version__)").Output()
	if strings.TrimSpace(string(have)) != q.nxVersion {
		start := time.Now()
		if _, err := os.Stat(py); err != nil {
			if err := runLogged(ctx, q.python, "-m", "venv", venv); err != nil {
				return err
			}
		}
		if err := runLogged(ctx, py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "networkx=="+q.nxVersion); err != nil {
			return err
		}
		r.notes = append(r.notes, fmt.Sprintf("networkx: installed networkx==%s into %s in %s", q.nxVersion, venv, time.Since(start).Round(time.Second)))
	}
	n := len(handles)
	if q.nxN > 0 && q.nxN < n {
		n = q.nxN
	}
	pairsPath := filepath.Join(dir, "pairs.tsv")
	var b strings.Builder
	for _, h := range handles[:n] {
		fmt.Fprintf(&b, "%d\t%d\n", h[0], h[1])
	}
	if err := os.WriteFile(pairsPath, []byte(b.String()), 0o644); err != nil {
		return err
	}
	script := filepath.Join(dir, "bench-networkx.py")
	if err := os.WriteFile(script, networkxScript, 0o644); err != nil {
		return err
	}
	resultPath := filepath.Join(dir, "networkx.json")
	if err := os.Remove(resultPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err // a stale result would pass for this run's
	}
	cmd := exec.CommandContext(ctx, py, script, "--edges", edgesPath, "--nodes", strconv.Itoa(nodes), "--pairs", pairsPath,
		"--cutoff", strconv.Itoa(q.maxHops), "--timeout", strconv.FormatFloat(q.timeout.Seconds(), 'f', -1, 64), "--out", resultPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
	}
	took := time.Since(start)
	raw, err := os.ReadFile(resultPath)
	if err != nil {
		return err
	}
	var res nxResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", resultPath, err)
	}
	system := "networkx " + res.Networkx
	r.shot("load the whole graph into memory", system, time.Duration(res.LoadSecs*float64(time.Second)),
		fmt.Sprintf("read %d edge lines, nx.DiGraph of %d nodes and %d edges (parallel edges merged); Python peak RSS %.0f MiB",
			res.EdgeLines, res.Nodes, res.Edges, res.PeakRSSMiB))
	r.shot("weakly connected components, whole graph", system, time.Duration(res.Components.Seconds*float64(time.Second)),
		fmt.Sprintf("nx.weakly_connected_components: %d components, largest %d nodes", res.Components.Count, res.Components.Largest))
	for _, x := range res.Queries {
		row := &qrow{query: x.Query, system: system + ", " + x.Impl, impl: "networkx", sizeOf: "hops",
			found: x.Found, timedOut: x.TimedOut, errs: x.Errors, size: x.HopsSum, firstErr: x.FirstErr}
		for _, s := range x.Seconds {
			row.d = append(row.d, time.Duration(s*float64(time.Second)))
		}
		slices.Sort(row.d)
		var notes []string
		if x.Beyond > 0 {
			notes = append(notes, fmt.Sprintf("%d more found longer than %d hops (no cutoff in the library)", x.Beyond, q.maxHops))
		}
		if x.Compared > 0 {
			notes = append(notes, fmt.Sprintf("length differs from %s in %d of %d", x.Reference, x.Mismatch, x.Compared))
		}
		row.note = strings.Join(notes, "; ")
		r.rows = append(r.rows, row)
	}
	r.notes = append(r.notes, fmt.Sprintf("networkx: Python %s, networkx %s from PyPI in %s; %d pairs; the whole Python run took %s",
		res.Python, res.Networkx, venv, n, took.Round(time.Second)))
	return nil
}

func runLogged(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
