package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"

	"log/slog"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// serveOpts are serve's flags.
type serveOpts struct {
	addr, cors, logLevel, logFormat, debugAddr *string
	importDir, stateDir, adminToken            *string
	metricsAddr, metricsToken                  *string
	demo, secureCookies                        *bool
	timeout, shutdownWait                      *time.Duration
	complexity                                 *int
	sf                                         *storeFlags
	maxUpload                                  *byteSize
	maxValue                                   *valueSize
	limits                                     *serverLimits
}

// serveFlags defines serve's flags on fs. Every flag is also set by its
// environment variable and by the configuration file (config.go).
func (m Main) serveFlags(fs *flag.FlagSet) *serveOpts {
	o := &serveOpts{}
	o.addr = fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT (port 0 picks a free one)")
	o.sf = m.storeFlags(fs)
	o.demo = fs.Bool("demo", false, "load the demo case (DPRK thefts, laundering, IT workers) when the store is empty")
	o.cors = fs.String("cors-origins", "", "comma-separated origins allowed to call the API from a browser, with credentials (* is refused)")
	o.secureCookies = fs.Bool("secure-cookies", false, "mark the session cookie Secure even over plain HTTP (TLS ends at a proxy in front)")
	o.timeout = fs.Duration("query-timeout", 10*time.Second, "deadline of one GraphQL operation")
	o.complexity = fs.Int("max-complexity", server.DefaultConfig().ComplexityLimit, "largest query complexity accepted")
	o.logLevel = fs.String("log-level", "info", "debug, info, warn or error")
	o.logFormat = fs.String("log-format", "auto", "text, json, or auto: text when stderr is a terminal, else JSON")
	o.debugAddr = m.debugFlag(fs)
	o.importDir = fs.String("import-dir", "", "directory whose files the startIngest mutation may load (default: none, server-side files disabled)")
	o.stateDir = fs.String("state-dir", "", "directory of the server's state: ingest jobs, their checkpoints and uploads, under jobs/ (saved cases live in the graph store; a cases.db found here, from an earlier version, is imported once) (default: the --data directory, with either store)")
	o.adminToken = fs.String("admin-token", "", "the deployment administrator's bearer token, 24 to 512 characters (prefer $REDTHREAD_ADMIN_TOKEN or the config file: a flag shows in ps); empty: none")
	o.metricsAddr = fs.String("metrics-addr", "", "listen address of a separate /metrics listener, without authentication (a bare :PORT listens on loopback); empty: /metrics on the main listener only, for the admin token or --metrics-token")
	o.metricsToken = fs.String("metrics-token", "", "a bearer token that may read /metrics on the main listener (for a Prometheus scraper), besides the admin token")
	o.shutdownWait = fs.Duration("shutdown-timeout", server.DefaultConfig().ShutdownTimeout, "how long a shutdown (SIGINT, SIGTERM) waits for requests in flight; a second signal exits at once")
	mu := byteSize(jobs.DefaultMaxUploadBytes)
	o.maxUpload = &mu
	o.maxValue = m.maxValueSizeFlag(fs)
	o.limits = m.serverLimitFlags(fs)
	fs.Var(o.maxUpload, "max-upload-size", "largest upload startIngest accepts in one request, all files together, such as 1GiB or 500MB; 0 disables uploads")
	return o
}

func (m Main) serve(ctx context.Context, args []string) (err error) {
	fs := m.newFlagSet("serve")
	o := m.serveFlags(fs)
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	logger, err := m.logger(*o.logLevel, *o.logFormat)
	if err != nil {
		return err
	}
	logConfig(logger, fs)
	stopDebug, err := m.startDebug(ctx, *o.debugAddr, logger)
	if err != nil {
		return err
	}
	defer stopDebug()

	store, err := o.sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", store)

	if *o.demo {
		if err := m.loadDemo(ctx, store, logger); err != nil {
			return err
		}
	}
	ids, err := m.serveIdentity(ctx, store, *o.adminToken, logger)
	if err != nil {
		return err
	}
	cfg, err := o.config(store, ids, logger)
	if err != nil {
		return err
	}
	jm, stateAt, err := o.jobs(store, logger)
	if err != nil {
		return err
	}
	defer jm.Close()
	cfg.Jobs = jm
	if p, ok := store.(state.Provider); ok {
		// Cases live in the graph store; an earlier Redthread kept them in
		// the state directory, whence they are imported once.
		cs, err := cases.Open(ctx, p.State(), stateAt, logger)
		if err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		cfg.Cases = cs
		cfg.Shares = shares.New(p.State(), cs, ids, shares.Options{Logger: logger})
	}
	ln, err := net.Listen("tcp", *o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *o.addr, err)
	}
	// Tests and scripts read this line to learn the port when --addr ends in :0.
	fmt.Fprintf(m.Stdout, "redthread: listening on http://%s\n", ln.Addr())
	if *o.demo {
		d, err := ids.EnsureDemo(ctx)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("demo sign-in: %w", err)
		}
		// The one line a newcomer needs: `make run` prints it.
		fmt.Fprintf(m.Stdout, "redthread: %s\n", d.Line(signInURL(ln.Addr())))
	}
	srv := server.New(store, cfg, logger)
	stopMetrics, err := m.startMetrics(ctx, *o.metricsAddr, srv, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "store", o.sf.kind, "at", o.sf.where(), "state", stateAt, "max_upload", jobs.FormatBytes(max(int64(*o.maxUpload), 0)))
	return srv.Serve(ctx, ln)
}

// config builds the server's configuration from the flags.
func (o *serveOpts) config(store graph.Store, ids *identity.Service, logger *slog.Logger) (server.Config, error) {
	cfg := server.DefaultConfig()
	cfg.Limits = o.sf.limits
	cfg.QueryTimeout = *o.timeout
	cfg.ComplexityLimit = *o.complexity
	cfg.Identity = ids
	if p, ok := store.(state.Provider); ok {
		cfg.Audit = audit.New(p.State(), nil, logger)
	}
	cfg.SecureCookies = *o.secureCookies
	if *o.shutdownWait <= 0 {
		return cfg, usageErrorf("--shutdown-timeout must be positive")
	}
	cfg.ShutdownTimeout = *o.shutdownWait
	if t := *o.metricsToken; t != "" && len(t) < 32 {
		return cfg, usageErrorf("--metrics-token: at least 32 characters")
	}
	cfg.MetricsToken = *o.metricsToken
	if a := *o.metricsAddr; a != "" {
		if _, err := debugListenAddr(a); err != nil {
			return cfg, usageErrorf("--metrics-addr: %v", err)
		}
	}
	if err := o.limits.apply(&cfg); err != nil {
		return cfg, err
	}
	for _, c := range strings.Split(*o.cors, ",") {
		if c = strings.TrimSpace(c); c != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, c)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageErrorf("%s", graph.ErrorMessage(err)) // it names the setting
	}
	return cfg, nil
}

// jobs opens the ingest job manager over the state directory.
func (o *serveOpts) jobs(store investigate.Store, logger *slog.Logger) (*jobs.Manager, string, error) {
	// The state directory outlives the store's choice: with Neo4j the
	// data directory holds only the server's state.
	stateAt := cmp.Or(*o.stateDir, o.sf.dir)
	limit := int64(*o.maxUpload)
	if limit == 0 {
		limit = -1 // jobs.Config: 0 is the default, negative disables
	}
	valueLimit, err := o.maxValue.limit()
	if err != nil {
		return nil, "", err
	}
	jcfg := jobs.Config{ImportDir: *o.importDir, StateDir: stateAt, MaxUploadBytes: limit, MaxValueBytes: valueLimit, SameAs: store, Logger: logger}
	jm, err := jobs.New(store, jcfg)
	if err != nil && *o.stateDir == "" && o.sf.kind != "embedded" {
		// A Neo4j deployment may run where the default directory is not
		// writable (a container): serve, without what needs the state.
		logger.Warn("ingest jobs kept in memory, without uploads or resumption: set --state-dir to a writable directory", "dir", stateAt, "err", err)
		jcfg.StateDir = ""
		jm, err = jobs.New(store, jcfg)
	}
	if err != nil {
		return nil, "", fmt.Errorf("ingest jobs: %w", err)
	}
	return jm, stateAt, nil
}

// logConfig logs the effective configuration, secrets masked, with where
// each value came from: flag, env NAME, file PATH:LINE or default.
func logConfig(logger *slog.Logger, fs *flag.FlagSet) {
	var attrs []any
	for _, s := range settings(fs) {
		attrs = append(attrs, slog.Group(s.Name, "value", s.Value, "from", s.From))
	}
	logger.Info("configuration", slog.Group("config", attrs...))
}

// loadDemo writes the demo case into an empty store; a store that already
// holds data is left alone so that --demo never mixes into real work.
func (m Main) loadDemo(ctx context.Context, store graph.Store, logger *slog.Logger) error {
	st, err := store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if st.Nodes > 0 {
		logger.Info("demo case not loaded: the store is not empty", "nodes", st.Nodes, "edges", st.Edges)
		return nil
	}
	return m.ingestDemo(ctx, store, logger)
}

// serveIdentity opens the identity service over the store's record store
// and turns on --admin-token (REDTHREAD_ADMIN_TOKEN), the deployment
// administrator's bearer token, when it is set.
func (m Main) serveIdentity(ctx context.Context, store graph.Store, adminToken string, logger *slog.Logger) (*identity.Service, error) {
	p, ok := store.(state.Provider)
	if !ok {
		return nil, fmt.Errorf("identity: the store keeps no records")
	}
	ids, err := identity.New(p.State(), identity.Options{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := ids.Bootstrap(ctx, adminToken); err != nil {
		return nil, usageErrorf("%s", graph.ErrorMessage(err))
	}
	return ids, nil
}

// signInURL is the sign-in page at addr, named as a browser on this host
// reaches it (a wildcard listen address is reached at loopback).
func signInURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/signin"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/signin"
}
