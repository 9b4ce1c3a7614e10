package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMeans(t *testing.T) {
	tests := []struct {
		in   []float64
		n    int
		want []float64
	}{
		{[]float64{1, 2, 3}, 1, []float64{1, 2, 3}},
		{[]float64{1, 3, 5, 7, 9}, 2, []float64{2, 6, 9}},
		{[]float64{4, 4, 4}, 5, []float64{4}},
		{nil, 3, nil},
	}
	for _, tt := range tests {
		if got := means(tt.in, tt.n); !slices.Equal(got, tt.want) {
			t.Errorf("means(%v, %d) = %v, want %v", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestFmtDur(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Microsecond: "0.4 ms", 3210 * time.Microsecond: "3.2 ms", 436 * time.Millisecond: "436 ms",
		9999 * time.Millisecond: "9999 ms", 10030 * time.Millisecond: "10.0 s",
	} {
		if got := fmtDur(d); got != want {
			t.Errorf("fmtDur(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMarkdownRun(t *testing.T) {
	rec := newRecorder()
	rec.add(result{op: opNode, status: 200, latency: ms(3)})
	rec.add(result{op: opHeavy, status: 200, codes: []string{"TIMEOUT"}, latency: ms(10_000)})
	var samples []sample
	for i := range 30 {
		samples = append(samples, sample{at: time.Duration(i) * time.Second, rss: int64(100+2*i) << 20, goroutines: 20 + i%3,
			cpu: time.Duration(i) * 1500 * time.Millisecond, busy: time.Duration(i) * 2500 * time.Millisecond})
	}
	r := report{
		title: "Baseline", machine: machine{cpus: 2, hardware: "2 CPUs (Test CPU), 8.0 GiB, linux 6 linux/amd64", goVersion: "go1.26", commit: "abc1234"},
		scale: "S", seed: 1, pace: pacing{warmup: 5 * time.Second, duration: 30 * time.Second, retryAfterCap: 5 * time.Second, requestTimeout: time.Minute},
		mix: defaultMix, curveEvery: 10 * time.Second, command: "load -runs 50",
		runs: []runReport{{store: "embedded", spec: runSpec{50, 2}, size: graphSize{10, 20}, rows: rec.summarize(mixOps, 30*time.Second),
			samples: samples, loadCPU: 15 * time.Second, loadWall: 30 * time.Second, loadEnd: 25 * time.Second}},
	}
	neo := slices.Clone(samples)
	for i := range neo {
		neo[i].storeRSS, neo[i].storeCPU = 1<<30, time.Duration(i)*time.Second
	}
	r.runs = append(r.runs,
		runReport{store: "neo4j", spec: runSpec{50, 0}, rows: rec.summarize(mixOps, 30*time.Second), samples: neo, loadCPU: 15 * time.Second, loadEnd: 25 * time.Second},
		runReport{store: "neo4j", failed: "start Neo4j: no java"})
	md := r.markdown()
	for _, want := range []string{
		"## Baseline", "abc1234", "2 CPUs (Test CPU)", "### embedded store, 50 clients + 2 heavy, 30s\n",
		"| node | 1 | 0.0 | 1 | 3.0 ms |", "| moneyFlow (heavy) | 1 | 0.0 | 0 | 10.0 s |", "TIMEOUT×1",
		"means of the first and the last 10s of the measured time: RSS 121 → 141 MiB (end/start 1.17; peak 158), goroutines 21 → 21 (end/start 1.00; peak 22).",
		"After the load, at 29s, the last answers in: RSS 158 MiB, goroutines 22.",
		"CPU over 29s, in % of the 2 cores: server 75%, load generator 26%, other processes 24%.",
		"| 9s | 118 | 20 | 1.50 |", "| 29s | 158 | 22 | 1.50 |", "▁", "█",
		"The database process (neo4j): RSS 1024 MiB at the end of the load.\nCPU over 29s, in % of the 2 cores: server 75%, neo4j 50%, load generator 26%, other processes 0%.",
		"### neo4j store\n\n**Failed: start Neo4j: no java**\n",
		"| t | RSS MiB | goroutines | server CPU, cores | neo4j RSS MiB | neo4j CPU, cores |\n|--:|--:|--:|--:|--:|--:|\n| 9s | 118 | 20 | 1.50 | 1024 | 1.00 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
