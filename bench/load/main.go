// Command load measures `redthread serve` under many investigators at
// once. It generates a scenario with the binary (`redthread generate`),
// ingests it into a store (`redthread ingest`), starts the server on it
// with its debug listener on, and replays a mix of the web UI's requests
// (search, node, neighbours, shortest path, money flow, cluster, case
// load) over HTTP from closed-loop clients for a bounded time, with heavy
// money-flow clients beside them if asked. It prints, per operation,
// throughput, p50/p99/max latency, answers by status (200, 429, 503, other)
// and GraphQL error codes, and the server's RSS and goroutines sampled
// every second through the debug listener; -out writes the same markdown
// into a section of a file (bench/LOAD.md).
//
//	go run ./bench/load                                   # 50 and 200 clients, embedded store, 60 s each
//	go run ./bench/load -runs 50+2 -duration 10m          # the soak
//	go run ./bench/load -stores embedded,neo4j -out bench/LOAD.md -section latest
//
// The binary is bin/redthread (make build) unless -bin names another. With
// the neo4j store the load starts a Neo4j of its own (scripts/neo4j.sh,
// temporary data) unless -neo4j-uri names an empty one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/redthread-dev/redthread/bench/internal/mdsection"
)

// sampleEvery is how often the server's RSS and goroutines are read.
const sampleEvery = time.Second

type config struct {
	bin, scale, stores, neo4jURI, neo4jScript string
	seed                                      uint64
	runs                                      []runSpec
	mix                                       string
	pace                                      pacing
	curveEvery, settle                        time.Duration
	serverArgs                                []string
	work                                      string
	out, section, title, commit               string
	distinctAddrs                             bool
}

func main() {
	var c config
	var runs, serverArgs string
	flag.StringVar(&c.bin, "bin", "bin/redthread", "the redthread binary to measure (make build)")
	flag.StringVar(&c.stores, "stores", "embedded", "stores to measure, in order: embedded, neo4j")
	flag.StringVar(&c.neo4jURI, "neo4j-uri", "", "an empty Neo4j to load and measure (default: start one with -neo4j-script)")
	flag.StringVar(&c.neo4jScript, "neo4j-script", "scripts/neo4j.sh", "the script that starts a Neo4j")
	flag.StringVar(&c.scale, "scale", "S", "scenario scale (redthread generate --scale)")
	flag.Uint64Var(&c.seed, "seed", 1, "scenario and request seed")
	flag.StringVar(&runs, "runs", "50,200", "runs, one after the other, each on a fresh server: CLIENTS or CLIENTS+HEAVY, comma-separated")
	flag.StringVar(&c.mix, "mix", defaultMix, "the clients' operations and their weights")
	flag.DurationVar(&c.pace.duration, "duration", 60*time.Second, "measured time of each run")
	flag.DurationVar(&c.pace.warmup, "warmup", 5*time.Second, "load before each run's measured time, not counted")
	flag.DurationVar(&c.pace.think, "think", 0, "each client's pause after an answer (0: a stress test)")
	flag.DurationVar(&c.pace.retryAfterCap, "retry-after-cap", 5*time.Second, "honour a 429/503's Retry-After up to this long (0: ignore it)")
	flag.DurationVar(&c.pace.requestTimeout, "request-timeout", time.Minute, "give up on one request after this long")
	flag.DurationVar(&c.curveEvery, "curve-every", 10*time.Second, "period of the RSS and goroutine curve (and of its start and end points)")
	flag.DurationVar(&c.settle, "settle", 5*time.Second, "keep sampling the idle server this long after each run's last answer")
	flag.BoolVar(&c.distinctAddrs, "distinct-addrs", true, "each client connects from its own loopback address (127.1.x.y), as investigators from their own machines; false: all from 127.0.0.1, one client to the server's per-client admission")
	flag.StringVar(&serverArgs, "server-args", "", "extra `redthread serve` flags, space-separated")
	flag.StringVar(&c.work, "work", "", "working directory for the scenario and stores (default: a temporary one, removed)")
	flag.StringVar(&c.out, "out", "", "also write the report into this markdown file, in section -section")
	flag.StringVar(&c.section, "section", "latest", "the section of -out to replace (baseline, after, soak, ...)")
	flag.StringVar(&c.title, "title", "", "the report's heading (default: from -section)")
	flag.StringVar(&c.commit, "commit", "", "what the binary was built from, when its build info does not say")
	flag.Parse()

	var err error
	if c.runs, err = parseRuns(runs); err != nil {
		fatal(err)
	}
	c.serverArgs = strings.Fields(serverArgs)
	c.pace.seed = c.seed
	if !mdsection.Valid(c.section) {
		fatal(errors.New("-section: want a name such as baseline, after-neo4j or soak"))
	}
	if c.title == "" {
		c.title = strings.ToUpper(c.section[:1]) + c.section[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, commandLine(os.Args[1:])); err != nil {
		fatal(err)
	}
}

// commandLine is how to run this measurement again.
func commandLine(args []string) string {
	parts := []string{"go run ./bench/load"}
	for _, a := range args {
		if strings.ContainsAny(a, " \t'\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}

func run(ctx context.Context, c config, command string) error {
	ws, err := parseMix(c.mix)
	if err != nil {
		return err
	}
	mix, err := newPicker(ws)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.bin); err != nil {
		return fmt.Errorf("no binary at %s: run make build (or give -bin): %w", c.bin, err)
	}
	bin, err := filepath.Abs(c.bin)
	if err != nil {
		return err
	}
	work := c.work
	if work == "" {
		if work, err = os.MkdirTemp("", "redthread-load-"); err != nil {
			return err
		}
		defer func() {
			if err := os.RemoveAll(work); err != nil {
				fmt.Fprintln(os.Stderr, "load: remove the work directory:", err)
			}
		}()
	}
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...) }

	gen := filepath.Join(work, "scenario")
	logf("generating scenario %s into %s", c.scale, gen)
	files, err := generate(ctx, bin, c.scale, c.seed, gen)
	if err != nil {
		return err
	}
	tg, err := loadTargets(gen)
	if err != nil {
		return err
	}
	rep := report{
		title: c.title, machine: describeMachine(bin, c.commit), scale: c.scale, seed: c.seed,
		pace: c.pace, mix: c.mix, curveEvery: c.curveEvery, command: command, distinctAddrs: c.distinctAddrs,
	}
	// A store or run that fails is reported as such and the others still
	// run: the embedded store's figures are not lost to a Neo4j that would
	// not start.
	var failed []error
	for store := range strings.SplitSeq(c.stores, ",") {
		store = strings.TrimSpace(store)
		ps, err := prepareStore(ctx, c, bin, store, work, files, logf)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s store: %w", store, err))
			rep.runs = append(rep.runs, runReport{store: store, failed: err.Error()})
			continue
		}
		for i, spec := range c.runs {
			logf("%s store: %s for %s (+%s warm-up)", store, spec, c.pace.duration, c.pace.warmup)
			rr, err := measure(ctx, c, bin, ps, filepath.Join(work, fmt.Sprintf("serve-%s-%d.log", store, i)), tg, mix, spec)
			rr.store, rr.spec = store, spec
			if err != nil {
				failed = append(failed, fmt.Errorf("%s store, %s: %w", store, spec, err))
				rr.failed = err.Error()
			}
			rep.runs = append(rep.runs, rr)
			if ctx.Err() != nil {
				break
			}
		}
		ps.cleanup()
		if ctx.Err() != nil {
			break
		}
	}
	md := rep.markdown()
	fmt.Println(md)
	if c.out == "" {
		return errors.Join(failed...)
	}
	if err := mdsection.Update(c.out, "load", c.section, md); err != nil {
		return err
	}
	logf("wrote section %q of %s", c.section, c.out)
	return errors.Join(failed...)
}

// preparedStore is a store holding the scenario.
type preparedStore struct {
	serveArgs []string // the serve flags that open it
	pid       int      // a database process of its own (Neo4j's) to sample, or 0
	cleanup   func()
}

// prepareStore loads the scenario into a store.
func prepareStore(ctx context.Context, c config, bin, store, work string, files []genFile, logf func(string, ...any)) (preparedStore, error) {
	ps := preparedStore{cleanup: func() {}}
	var args []string // the store's flags, for ingest and serve
	switch store {
	case "embedded":
		args = []string{"--data", filepath.Join(work, "embedded")}
	case "neo4j":
		uri := c.neo4jURI
		if uri == "" {
			logf("starting Neo4j with %s", c.neo4jScript)
			var err error
			if uri, ps.pid, ps.cleanup, err = startNeo4j(ctx, c.neo4jScript, filepath.Join(work, "neo4j")); err != nil {
				return ps, err
			}
		}
		args = []string{"--store", "neo4j", "--neo4j-uri", uri}
	default:
		return ps, fmt.Errorf("-stores: %q is not embedded or neo4j", store)
	}
	logf("ingesting the scenario into the %s store", store)
	began := time.Now()
	if err := ingest(ctx, bin, args, filepath.Join(work, "scenario"), files); err != nil {
		ps.cleanup()
		return ps, err
	}
	logf("ingested in %s", time.Since(began).Round(time.Millisecond))
	// Saved cases live in the state directory.
	ps.serveArgs = append(args, "--state-dir", filepath.Join(work, "state-"+store))
	return ps, nil
}

// measure runs one spec against a fresh server.
func measure(ctx context.Context, c config, bin string, ps preparedStore, logPath string, tg *targets, mix picker, spec runSpec) (runReport, error) {
	srv, err := startServer(ctx, bin, slices.Concat(ps.serveArgs, c.serverArgs), logPath)
	if err != nil {
		return runReport{}, err
	}
	transport := &http.Transport{
		MaxIdleConns:        spec.clients + spec.heavy + 10,
		MaxIdleConnsPerHost: spec.clients + spec.heavy + 10,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	defer transport.CloseIdleConnections()
	l := &loader{client: &http.Client{Transport: transport}, url: srv.url + "/graphql", targets: tg, mix: mix}
	if c.distinctAddrs {
		var perClient []*http.Transport
		defer func() {
			for _, t := range perClient {
				t.CloseIdleConnections()
			}
		}()
		l.clientFor = func(i int) *http.Client {
			t := &http.Transport{
				DialContext:        (&net.Dialer{LocalAddr: &net.TCPAddr{IP: loopbackAddr(i)}}).DialContext,
				MaxIdleConns:       2,
				DisableCompression: true,
				IdleConnTimeout:    time.Minute,
			}
			perClient = append(perClient, t)
			return &http.Client{Transport: t}
		}
	}
	rr := runReport{spec: spec}
	setup := func() error {
		if err := l.saveCase(ctx); err != nil {
			return err
		}
		rr.size, err = l.graphSize(ctx)
		return err
	}
	if err := setup(); err != nil {
		_ = srv.stop()
		return rr, err
	}

	sctx, stopSampling := context.WithCancel(ctx)
	type sampled struct {
		samples []sample
		failed  int
	}
	done := make(chan sampled, 1)
	start := time.Now()
	smp := sampler{client: &http.Client{}, varsURL: srv.varsURL, pid: srv.cmd.Process.Pid, storePID: ps.pid}
	go func() {
		s, f := smp.run(sctx, start, sampleEvery)
		done <- sampled{s, f}
	}()
	cpu0 := selfCPU()
	rec := l.run(ctx, spec, c.pace)
	rr.loadCPU, rr.loadWall, rr.loadEnd = selfCPU()-cpu0, time.Since(start), c.pace.warmup+c.pace.duration
	select { // the idle server, sampled
	case <-ctx.Done():
	case <-time.After(c.settle):
	}
	stopSampling()
	s := <-done
	rr.samples, rr.sampleFails = s.samples, s.failed
	rr.rows = rec.summarize(slices.Concat(mixOps, []string{opHeavy}), c.pace.duration)
	if died, err := srv.exited(); died {
		rr.serverDied = fmt.Sprintf("%v (log: %s)", err, logPath)
		fmt.Fprintf(os.Stderr, "load: the server died during the run: %v\n%s\n", err, srv.logTail())
		return rr, nil
	}
	if err := srv.stop(); err != nil {
		return rr, err
	}
	return rr, ctx.Err()
}

// loopbackAddr is simulated investigator i's address: 127.1.x.y, inside
// the loopback network Linux answers on without configuration.
func loopbackAddr(i int) net.IP {
	return net.IPv4(127, 1, byte(i/250), byte(i%250+1))
}
