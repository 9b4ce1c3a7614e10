package main

import (
	"fmt"
	"strings"
	"time"
)

// runReport is what one run measured.
type runReport struct {
	store       string
	spec        runSpec
	size        graphSize
	rows        []summary
	samples     []sample
	sampleFails int
	loadCPU     time.Duration // the load generator's CPU time over the run
	loadWall    time.Duration // the run's wall time, warm-up and last answers included
	loadEnd     time.Duration // when the clients stopped sending, since the run's start
	serverDied  string        // how the server ended, when it did during the run
	failed      string        // why the run could not be measured
}

// report is one invocation's runs, described.
type report struct {
	title      string
	machine    machine
	scale      string
	seed       uint64
	pace       pacing
	mix        string
	curveEvery time.Duration
	command    string
	runs       []runReport
	// distinctAddrs: each client came from its own loopback address.
	distinctAddrs bool
}

func (r report) markdown() string {
	var b strings.Builder
	m := r.machine
	fmt.Fprintf(&b, "## %s\n\n", r.title)
	fmt.Fprintf(&b, "- Server: `redthread serve` built from %s with %s.\n", m.commit, m.goVersion)
	fmt.Fprintf(&b, "- Machine: %s; measured %s.\n", m.hardware, m.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Data: scenario %s (seed %d), generated and ingested with the binary.\n", r.scale, r.seed)
	fmt.Fprintf(&b, "- Clients: closed-loop (send, read the whole answer, think %s, send again); %s warm-up not counted; %s; request timeout %s.\n",
		r.pace.think, r.pace.warmup, retryPolicy(r.pace.retryAfterCap), r.pace.requestTimeout)
	if r.distinctAddrs {
		fmt.Fprintf(&b, "- Each client connects from its own loopback address (127.1.x.y), so the server's per-client admission sees them as separate investigators.\n")
	} else {
		fmt.Fprintf(&b, "- Every client connects from 127.0.0.1: to the server's per-client admission they are one client.\n")
	}
	fmt.Fprintf(&b, "- Mix: %s. Heavy clients send only `moneyFlow` from every incident through every service category, 12 hops, no hub limit.\n", r.mix)
	fmt.Fprintf(&b, "- The load generator shares the machine's %d cores with the server (and Neo4j): its CPU time is given with each run.\n", m.cpus)
	fmt.Fprintf(&b, "- Command: `%s`\n", r.command)
	for _, run := range r.runs {
		r.writeRun(&b, run)
	}
	return b.String()
}

func (r report) writeRun(b *strings.Builder, run runReport) {
	fmt.Fprintf(b, "\n### %s store", run.store)
	if run.spec.clients+run.spec.heavy > 0 {
		fmt.Fprintf(b, ", %s, %s", run.spec, r.pace.duration)
	}
	b.WriteString("\n\n")
	if run.failed != "" {
		fmt.Fprintf(b, "**Failed: %s**\n\n", strings.TrimSpace(run.failed))
		if len(run.rows) == 0 {
			return
		}
	}
	if run.serverDied != "" {
		fmt.Fprintf(b, "**The server died during the run: %s.**\n\n", run.serverDied)
	}
	fmt.Fprintf(b, "| operation | requests | req/s | ok | p50 | p99 | max | p99 of ok | 200 | 429 | 503 | other | answers with error codes |\n")
	fmt.Fprintf(b, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, s := range run.rows {
		lat := func(d time.Duration, ok bool) string {
			if !ok {
				return "–"
			}
			return fmtDur(d)
		}
		fmt.Fprintf(b, "| %s | %d | %.1f | %d | %s | %s | %s | %s | %d | %d | %d | %d | %s |\n",
			s.op, s.n, s.rate, s.ok, lat(s.p50, s.hasLatency), lat(s.p99, s.hasLatency), lat(s.max, s.hasLatency), lat(s.okP99, s.hasOK),
			s.classes[class200], s.classes[class429], s.classes[class503], s.classes[classOther], formatCodes(s.codes))
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "Graph: %d nodes, %d edges.\n", run.size.Nodes, run.size.Edges)
	if len(run.samples) < 2 {
		fmt.Fprintf(b, "No samples of the server's memory. Load generator CPU %.0f s over %s.\n", run.loadCPU.Seconds(), run.loadWall.Round(time.Second))
	} else {
		r.writeServer(b, run)
	}
	if run.sampleFails > 0 {
		fmt.Fprintf(b, "%d samples of the debug listener failed.\n", run.sampleFails)
	}
	if len(run.samples) > 1 {
		var rss, gs []float64
		for _, s := range run.samples {
			rss, gs = append(rss, float64(s.rss)), append(gs, float64(s.goroutines))
		}
		per := (len(rss) + maxSparkline - 1) / maxSparkline // samples a character
		what := fmt.Sprintf("one character a sample, every %s", sampleEvery)
		if per > 1 {
			what = fmt.Sprintf("one character per %s, the mean of its samples", time.Duration(per)*sampleEvery)
		}
		fmt.Fprintf(b, "\n```\nRSS        %s\ngoroutines %s\n```\n(%s; each line scaled from its least to its most)\n",
			sparkline(means(rss, per)), sparkline(means(gs, per)), what)
		r.writeCurve(b, run.store, run.samples)
	}
}

// maxSparkline is the widest a sparkline is drawn: a 10-minute soak's
// samples are averaged in groups to fit.
const maxSparkline = 100

// means returns the means of consecutive groups of n values (the last group
// may be shorter).
func means(vs []float64, n int) []float64 {
	if n <= 1 {
		return vs
	}
	var out []float64
	for i := 0; i < len(vs); i += n {
		g := vs[i:min(i+n, len(vs))]
		sum := 0.0
		for _, v := range g {
			sum += v
		}
		out = append(out, sum/float64(len(g)))
	}
	return out
}

// writeServer writes the server's memory, goroutines and CPU over a run.
// Start and end are the means over the first and the last period of the
// measured time (curveEvery each): single samples swing with the requests
// in flight. After is the last sample, once the last answers came and the
// server idled.
func (r report) writeServer(b *strings.Builder, run runReport) {
	first, last := run.samples[0], run.samples[len(run.samples)-1]
	from := r.pace.warmup
	start := windowMean(run.samples, from, min(from+r.curveEvery, run.loadEnd))
	end := windowMean(run.samples, max(run.loadEnd-r.curveEvery, from), run.loadEnd)
	peakRSS, peakG := first.rss, first.goroutines
	for _, s := range run.samples {
		peakRSS, peakG = max(peakRSS, s.rss), max(peakG, s.goroutines)
	}
	if start.n == 0 || end.n == 0 {
		b.WriteString("Too few samples under load for its start and end.")
	} else {
		fmt.Fprintf(b, "Server under load, means of the first and the last %s of the measured time: RSS %.0f → %.0f MiB (end/start %s; peak %s), goroutines %.0f → %.0f (end/start %s; peak %d).",
			min(r.curveEvery, run.loadEnd-from), start.rss/(1<<20), end.rss/(1<<20), ratio(end.rss, start.rss), mib(peakRSS),
			start.goroutines, end.goroutines, ratio(end.goroutines, start.goroutines), peakG)
	}
	if last.at > run.loadEnd {
		fmt.Fprintf(b, " After the load, at %s, the last answers in: RSS %s MiB, goroutines %d.", last.at.Round(time.Second), mib(last.rss), last.goroutines)
	}
	if last.storeRSS > 0 {
		fmt.Fprintf(b, " The database process (%s): RSS %.0f MiB at the end of the load.", run.store, end.storeRSS/(1<<20))
	}
	cores := float64(r.machine.cpus)
	span := last.at - first.at
	server, store, busy := last.cpu-first.cpu, last.storeCPU-first.storeCPU, last.busy-first.busy
	fmt.Fprintf(b, "\nCPU over %s, in %% of the %d cores: server %.0f%%, ", span.Round(time.Second), r.machine.cpus, pct(server, span, cores))
	if last.storeRSS > 0 {
		fmt.Fprintf(b, "%s %.0f%%, ", run.store, pct(store, span, cores))
	}
	fmt.Fprintf(b, "load generator %.0f%%, other processes %.0f%%.\n",
		pct(run.loadCPU, span, cores), pct(max(busy-server-store-run.loadCPU, 0), span, cores))
}

// window is the mean state of the samples in a window of time.
type window struct {
	rss, goroutines, storeRSS float64
	n                         int
}

// windowMean averages the samples taken in (from, to].
func windowMean(samples []sample, from, to time.Duration) window {
	var w window
	for _, s := range samples {
		if s.at > from && s.at <= to {
			w.rss += float64(s.rss)
			w.goroutines += float64(s.goroutines)
			w.storeRSS += float64(s.storeRSS)
			w.n++
		}
	}
	if w.n > 0 {
		n := float64(w.n)
		w.rss, w.goroutines, w.storeRSS = w.rss/n, w.goroutines/n, w.storeRSS/n
	}
	return w
}

// writeCurve writes the samples every curveEvery as a table, with the
// database process's RSS when it runs apart.
func (r report) writeCurve(b *strings.Builder, store string, samples []sample) {
	withStore := samples[len(samples)-1].storeRSS > 0
	b.WriteString("\n| t | RSS MiB | goroutines | server CPU, cores |")
	if withStore {
		fmt.Fprintf(b, " %s RSS MiB | %s CPU, cores |", store, store)
	}
	b.WriteString("\n|--:|--:|--:|--:|")
	if withStore {
		b.WriteString("--:|--:|")
	}
	b.WriteString("\n")
	prev := samples[0]
	for _, s := range curve(samples, r.curveEvery) {
		fmt.Fprintf(b, "| %s | %s | %d | %.2f |", s.at.Round(time.Second), mib(s.rss), s.goroutines, pct(s.cpu-prev.cpu, s.at-prev.at, 1)/100)
		if withStore {
			fmt.Fprintf(b, " %s | %.2f |", mib(s.storeRSS), pct(s.storeCPU-prev.storeCPU, s.at-prev.at, 1)/100)
		}
		b.WriteString("\n")
		prev = s
	}
}

// fmtDur writes a latency in milliseconds, or seconds past 10 s.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 10_000:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f s", ms/1000)
}

func mib(n int64) string { return fmt.Sprintf("%.0f", float64(n)/(1<<20)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// pct is cpu as a percentage of cores over wall time.
func pct(cpu, wall time.Duration, cores float64) float64 {
	if wall <= 0 || cores <= 0 {
		return 0
	}
	return 100 * cpu.Seconds() / wall.Seconds() / cores
}

func retryPolicy(limit time.Duration) string {
	if limit <= 0 {
		return "Retry-After ignored"
	}
	return "Retry-After honoured up to " + limit.String()
}
