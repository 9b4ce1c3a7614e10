package cli

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"log/slog"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

func (m Main) serve(ctx context.Context, args []string) (err error) {
	fs := m.newFlagSet("serve")
	addr := fs.String("addr", m.env("REDTHREAD_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT (port 0 picks a free one) [$REDTHREAD_ADDR]")
	sf := m.storeFlags(fs)
	demo := fs.Bool("demo", false, "load the demo case (DPRK thefts, laundering, IT workers) when the store is empty")
	cors := fs.String("cors-origins", m.env("REDTHREAD_CORS_ORIGINS", ""), "comma-separated origins allowed to call the API from a browser, with credentials (* is refused) [$REDTHREAD_CORS_ORIGINS]")
	secureCookies := fs.Bool("secure-cookies", m.env("REDTHREAD_SECURE_COOKIES", "") == "true", "mark the session cookie Secure even over plain HTTP (TLS ends at a proxy in front) [$REDTHREAD_SECURE_COOKIES=true]")
	timeout := fs.Duration("query-timeout", 10*time.Second, "deadline of one GraphQL operation")
	complexity := fs.Int("max-complexity", server.DefaultConfig().ComplexityLimit, "largest query complexity accepted")
	logLevel := fs.String("log-level", m.env("REDTHREAD_LOG_LEVEL", "info"), "debug, info, warn or error [$REDTHREAD_LOG_LEVEL]")
	logFormat := fs.String("log-format", "text", "text or json")
	debugAddr := m.debugFlag(fs)
	importDir := fs.String("import-dir", m.env("REDTHREAD_IMPORT_DIR", ""), "directory whose files the startIngest mutation may load (default: none, server-side files disabled) [$REDTHREAD_IMPORT_DIR]")
	stateDir := fs.String("state-dir", m.env("REDTHREAD_STATE_DIR", ""), "directory of the server's state: ingest jobs, their checkpoints and uploads, under jobs/ (saved cases live in the graph store; a cases.db found here, from an earlier version, is imported once) (default: the --data directory, with either store) [$REDTHREAD_STATE_DIR]")
	maxUpload := byteSize(jobs.DefaultMaxUploadBytes)
	if v := m.env("REDTHREAD_MAX_UPLOAD_SIZE", ""); v != "" {
		if err := maxUpload.Set(v); err != nil {
			return usageErrorf("$REDTHREAD_MAX_UPLOAD_SIZE: %v", err)
		}
	}
	maxValue := m.maxValueSizeFlag(fs)
	limits, err := m.serverLimitFlags(fs)
	if err != nil {
		return err
	}
	fs.Var(&maxUpload, "max-upload-size", "largest upload startIngest accepts in one request, all files together, such as 1GiB or 500MB; 0 disables uploads [$REDTHREAD_MAX_UPLOAD_SIZE]")
	if err := m.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	logger, err := m.logger(*logLevel, *logFormat)
	if err != nil {
		return err
	}
	stopDebug, err := m.startDebug(ctx, *debugAddr, logger)
	if err != nil {
		return err
	}
	defer stopDebug()

	store, err := sf.open(ctx, logger)
	if err != nil {
		return err
	}
	defer closeInto(&err, "store", store)

	if *demo {
		if err := m.loadDemo(ctx, store, logger); err != nil {
			return err
		}
	}
	ids, err := m.serveIdentity(ctx, store, logger)
	if err != nil {
		return err
	}

	cfg := server.DefaultConfig()
	cfg.Limits = sf.limits
	cfg.QueryTimeout = *timeout
	cfg.ComplexityLimit = *complexity
	cfg.Identity = ids
	if p, ok := store.(state.Provider); ok {
		cfg.Audit = audit.New(p.State(), nil, logger)
	}
	cfg.SecureCookies = *secureCookies
	if err := limits.apply(&cfg); err != nil {
		return err
	}
	// The state directory outlives the store's choice: with Neo4j the
	// data directory holds only the server's state.
	stateAt := cmp.Or(*stateDir, sf.dir)
	limit := int64(maxUpload)
	if limit == 0 {
		limit = -1 // jobs.Config: 0 is the default, negative disables
	}
	valueLimit, err := maxValue.limit()
	if err != nil {
		return err
	}
	jcfg := jobs.Config{ImportDir: *importDir, StateDir: stateAt, MaxUploadBytes: limit, MaxValueBytes: valueLimit, SameAs: store, Logger: logger}
	jm, err := jobs.New(store, jcfg)
	if err != nil && *stateDir == "" && sf.kind != "embedded" {
		// A Neo4j deployment may run where the default directory is not
		// writable (a container): serve, without what needs the state.
		logger.Warn("ingest jobs kept in memory, without uploads or resumption: set --state-dir to a writable directory", "dir", stateAt, "err", err)
		jcfg.StateDir = ""
		jm, err = jobs.New(store, jcfg)
	}
	if err != nil {
		return fmt.Errorf("ingest jobs: %w", err)
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
	for _, o := range strings.Split(*cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.CORSOrigins = append(cfg.CORSOrigins, o)
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%s", graph.ErrorMessage(err)) // it names the setting
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	// Tests and scripts read this line to learn the port when --addr ends in :0.
	fmt.Fprintf(m.Stdout, "redthread: listening on http://%s\n", ln.Addr())
	if *demo {
		d, err := ids.EnsureDemo(ctx)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("demo sign-in: %w", err)
		}
		// The one line a newcomer needs: `make run` prints it.
		fmt.Fprintf(m.Stdout, "redthread: %s\n", d.Line(signInURL(ln.Addr())))
	}
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "store", sf.kind, "at", sf.where(), "state", stateAt, "max_upload", jobs.FormatBytes(max(limit, 0)))
	return server.New(store, cfg, logger).Serve(ctx, ln)
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
// and turns on REDTHREAD_ADMIN_TOKEN, the deployment administrator's
// bearer token, when it is set.
func (m Main) serveIdentity(ctx context.Context, store graph.Store, logger *slog.Logger) (*identity.Service, error) {
	p, ok := store.(state.Provider)
	if !ok {
		return nil, fmt.Errorf("identity: the store keeps no records")
	}
	ids, err := identity.New(p.State(), identity.Options{Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := ids.Bootstrap(ctx, m.env("REDTHREAD_ADMIN_TOKEN", "")); err != nil {
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
