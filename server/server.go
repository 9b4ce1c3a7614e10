// Package server serves Redthread over HTTP: the GraphQL API at /graphql
// (GraphiQL for browsers), a health check at /healthz and the embedded web
// UI at /. Resolvers live in server/gql, generated code in
// server/gql/generated.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/budget"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server/admission"
	"github.com/redthread-dev/redthread/server/gql"
	"github.com/redthread-dev/redthread/web"
)

// Config tunes the server. Zero fields take DefaultConfig's values.
type Config struct {
	// Limits bound every query; arguments beyond them are clamped.
	Limits graph.Limits
	// Investigate bounds the investigation queries (paths, moneyFlow,
	// cluster, exposure, personaCluster, communities); zero fields take
	// investigate.DefaultLimits.
	Investigate investigate.Limits
	// QueryTimeout is the deadline of one GraphQL operation.
	QueryTimeout time.Duration
	// ComplexityLimit is the largest estimated cost of an operation (list
	// fields cost their element cost times their size argument).
	ComplexityLimit int
	// DepthLimit is the deepest field nesting accepted (introspection aside).
	DepthLimit int
	// CORSOrigins may call the API from a browser, with credentials. Empty
	// means same-origin only; "*" is refused (Validate): credentials
	// cannot go to any origin.
	CORSOrigins []string
	// Identity checks every request's credentials (bearer tokens, the
	// bootstrap administrator token, session cookies). Nil: no credential
	// holds, and only the public routes answer.
	Identity *identity.Service
	// SecureCookies marks the session cookie Secure even when the request
	// did not come over TLS (TLS ends at a proxy in front).
	SecureCookies bool
	// Jobs runs the API's ingest jobs; nil disables them. Serve closes it
	// when its context ends, beside the HTTP shutdown, so that running jobs
	// stop (to go on at the next start, when it keeps a state directory)
	// and their progress streams end.
	Jobs *jobs.Manager
	// Audit records sign-ins, token use, case views and exports, ingests,
	// judgements and admin changes; nil records nothing (and the auditLog
	// query answers UNAVAILABLE).
	Audit *audit.Log
	// Cases keeps investigators' saved views; nil disables the case API.
	// The caller closes it.
	Cases gql.CaseStore
	// Shares shares cases between agencies (signed links, grants on the
	// recipients' requests); nil disables sharing.
	Shares *shares.Service
	// UploadTimeout bounds the time to receive one multipart request
	// (uploads for startIngest), in place of the server's read timeout.
	UploadTimeout time.Duration
	// UploadIdleTimeout ends an upload that sends nothing for this long;
	// UploadMinRate one slower than this many bytes a second over a
	// window (see uploadTransport). Zero takes their defaults.
	UploadIdleTimeout time.Duration
	UploadMinRate     int64
	// AllowedHosts are the Host names the server answers to (see
	// hostMatcher); empty means loopback names only.
	AllowedHosts []string
	// Shape bounds a GraphQL document before it is validated.
	Shape ShapeLimits
	// Admission bounds the operations running at once, overall, by lane
	// and per client; zero fields take admission.DefaultConfig's values.
	Admission admission.Config
	// OperationBudget is what one operation may build in memory (nodes,
	// edges and bytes of answers), ServerBudget what all running
	// operations together may; zero fields take DefaultConfig's values.
	OperationBudget, ServerBudget budget.Limits
	// WriteStall is the longest one write may wait on a client that does
	// not read, server-sent events included.
	WriteStall time.Duration
	// StreamKeepAlive is the interval of comment pings on an idle
	// server-sent event stream.
	StreamKeepAlive time.Duration
	// MaxBodyBytes bounds a GraphQL request's body (a POST's JSON, and
	// each JSON part of an upload), variables included: larger ones get
	// 413. The default, DefaultMaxBodyBytes, fits a case view of
	// cases.MaxViewBytes and 20,000 IDs of any kind in nodes(ids:) or
	// edges(ids:); Validate keeps it within BodyLimitMin and BodyLimitMax.
	MaxBodyBytes int64
	// ShutdownTimeout is how long Serve waits for requests in flight once
	// its context ends; those still running then are cut off.
	ShutdownTimeout time.Duration
	// MetricsToken, when set, is a bearer token that may read /metrics
	// besides the deployment administrator's (a Prometheus scraper).
	MetricsToken string
}

// Bounds of Config.MaxBodyBytes. The default holds an 8 MiB case view
// (saveCase) or STIX bundle (importCaseStix, whose bundle travels as a
// JSON string: escaped, ATT&CK's grows by 6.5%), with 2 MiB for the
// escaping and the rest of the request. A body is held several times over
// while it is decoded, against the server's allowance for answers in
// flight (256 MiB): 32 MiB keeps one request to half of it.
const (
	DefaultMaxBodyBytes int64 = cases.MaxViewBytes + 2<<20
	BodyLimitMin        int64 = 16 << 10
	BodyLimitMax        int64 = 32 << 20
)

// DefaultConfig returns the configuration the server uses unless told
// otherwise.
func DefaultConfig() Config {
	return Config{
		Limits:       graph.DefaultLimits(),
		QueryTimeout: 10 * time.Second,
		// Roughly the number of values an answer may hold: a neighbourhood at
		// the default limit of 200 nodes with a dozen fields per node and edge
		// costs about 5,000; one at the maximum of 5,000 nodes about 130,000.
		ComplexityLimit: 200_000,
		DepthLimit:      12,
		// A gigabyte at 2.5 Mbit/s.
		UploadTimeout: time.Hour,
		AllowedHosts:  DefaultAllowedHosts(),
		Shape:         DefaultShapeLimits(),
		// A node or edge answered or visited costs a few hundred bytes
		// with its properties and bookkeeping: an operation may build
		// about 200 MB, all of them together about 1 GB.
		OperationBudget: budget.Limits{Nodes: 500_000, Edges: 2_500_000, Bytes: 128 << 20},
		ServerBudget:    budget.Limits{Nodes: 2_000_000, Edges: 10_000_000, Bytes: 512 << 20},
		WriteStall:      30 * time.Second,
		StreamKeepAlive: 10 * time.Second,
		MaxBodyBytes:    DefaultMaxBodyBytes,
		ShutdownTimeout: 10 * time.Second,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Limits == (graph.Limits{}) {
		c.Limits = d.Limits
	}
	if c.QueryTimeout <= 0 {
		c.QueryTimeout = d.QueryTimeout
	}
	if c.ComplexityLimit <= 0 {
		c.ComplexityLimit = d.ComplexityLimit
	}
	if c.DepthLimit <= 0 {
		c.DepthLimit = d.DepthLimit
	}
	if c.UploadTimeout <= 0 {
		c.UploadTimeout = d.UploadTimeout
	}
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = d.AllowedHosts
	}
	c.Shape = c.Shape.orDefaults()
	c.OperationBudget = orLimits(c.OperationBudget, d.OperationBudget)
	c.ServerBudget = orLimits(c.ServerBudget, d.ServerBudget)
	if c.WriteStall <= 0 {
		c.WriteStall = d.WriteStall
	}
	if c.StreamKeepAlive <= 0 {
		c.StreamKeepAlive = d.StreamKeepAlive
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	return c
}

const (
	healthTimeout = 2 * time.Second
)

func orLimits(l, d budget.Limits) budget.Limits {
	if l.Nodes <= 0 {
		l.Nodes = d.Nodes
	}
	if l.Edges <= 0 {
		l.Edges = d.Edges
	}
	if l.Bytes <= 0 {
		l.Bytes = d.Bytes
	}
	return l
}

// Server is Redthread's HTTP server.
type Server struct {
	cfg      Config
	logger   *slog.Logger
	handler  http.Handler
	admit    *admission.Controller
	budget   *budget.Pool
	identity *identity.Service
	shares   *shares.Service
	audit    *audit.Log
	// tokenUses keeps token use entries to one per token a minute.
	tokenUses *useThrottle
	// bearerFails limits failed bearer credentials per client address.
	bearerFails *failLimiter
	metrics     *metrics
}

// Failed bearer credentials a client address may send at once, and how
// often it gets one more.
const (
	bearerFailBurst  = 20
	bearerFailRefill = 3 * time.Second
)

// Validate reports a configuration the server must not start with.
func (c Config) Validate() error {
	for _, o := range c.CORSOrigins {
		if o == "*" {
			return graph.Errorf(graph.CodeInvalid, "--cors-origins: * cannot be combined with credentials (cookies, tokens); name the origins")
		}
	}
	if n := c.MaxBodyBytes; n != 0 && (n < BodyLimitMin || n > BodyLimitMax) {
		return graph.Errorf(graph.CodeInvalid, "--max-body-bytes: %d is outside %s to %s", n, humanBytes(BodyLimitMin), humanBytes(BodyLimitMax))
	}
	return nil
}

// New returns a server answering from store and recording analysts'
// judgements into it.
func New(store investigate.Store, cfg Config, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = slog.New(LogHandler(logger.Handler()))
	cfg = cfg.withDefaults()
	assets, built := web.Assets()
	s := &Server{
		cfg: cfg, logger: logger,
		admit:       admission.New(cfg.Admission, runtime.GOMAXPROCS(0)),
		budget:      budget.NewPool(cfg.ServerBudget),
		identity:    cfg.Identity,
		shares:      cfg.Shares,
		audit:       cfg.Audit,
		tokenUses:   newUseThrottle(time.Minute, maxThrottled, nil),
		bearerFails: newFailLimiter(bearerFailBurst, bearerFailRefill, nil),
	}
	s.metrics = newMetrics(cfg, s.admit)
	s.handler = s.routes(timedStore{Store: store, m: s.metrics}, assets, built)
	return s
}

// Handler returns the server's HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Admission returns the server's admission controller, for metrics.
func (s *Server) Admission() *admission.Controller { return s.admit }

// Serve answers requests on ln until ctx is cancelled, then shuts down
// gracefully: it stops accepting connections, running ingest jobs stop at
// their checkpoint (to resume at the next start), and requests in flight
// get Config.ShutdownTimeout to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// An answer may take the whole query deadline, then be written.
		WriteTimeout:   s.cfg.QueryTimeout + 30*time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.logger.Info("shutting down: finishing requests in flight", "timeout", s.cfg.ShutdownTimeout)
	// The jobs stop beside the HTTP shutdown, which stops accepting at
	// once: their progress streams end as they do, so the requests that
	// watch them finish too.
	jobsClosed := make(chan struct{})
	go func() {
		defer close(jobsClosed)
		if s.cfg.Jobs != nil {
			s.cfg.Jobs.Close()
		}
	}()
	defer func() { <-jobsClosed }()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	s.logger.Info("server stopped")
	return nil
}
