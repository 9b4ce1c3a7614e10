// Package neo4jstore is a graph.Store on Neo4j 5 (Community or Enterprise)
// that gives the embedded store's answers: the same merges and counts, the
// same search ranking and pages, the same neighbourhoods and path lengths,
// the same error codes (graph/storetest checks both). Every query runs in
// Neo4j: writes are UNWIND batches in one managed transaction, searches
// use a full-text and a text index, traversals expand level by level or
// with shortestPath, and nothing pulls the whole graph into Go.
package neo4jstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// Config says where Neo4j is and how to use it. Zero values mean defaults.
type Config struct {
	URI      string // bolt://host:port or neo4j://host:port; required
	User     string // empty: no authentication
	Password string
	Database string // default "neo4j"
	Limits   graph.Limits
	Logger   *slog.Logger // nil discards
	// ConnectTimeout is how long Open keeps retrying to reach Neo4j, with
	// exponential backoff, before it gives up; default 30s.
	ConnectTimeout time.Duration
	// MaxConnectionPoolSize bounds the driver's connections; default 100.
	MaxConnectionPoolSize int
	// MaxRetryTime bounds how long one request keeps retrying transient
	// errors and lost connections before it fails UNAVAILABLE; default
	// 15s, and never past the request's deadline.
	MaxRetryTime time.Duration
}

// Store implements graph.Store on Neo4j.
type Store struct {
	driver neo4j.DriverWithContext
	db     string
	log    *slog.Logger
	limits graph.Limits
	closed atomic.Bool
	// wmu serialises this store's writers, which read, merge in Go and
	// write back (see Write).
	wmu sync.Mutex
	// grants caches the degree corrections of viewers' grants (visdeg.go).
	grants grantCache
}

var _ graph.Store = (*Store)(nil)

// Open connects to Neo4j, retrying with exponential backoff until
// cfg.ConnectTimeout or ctx ends, then creates the constraints and indexes
// the store needs (IF NOT EXISTS) and waits for them to come online.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.URI == "" {
		return nil, graph.Errorf(graph.CodeInvalid, "neo4j: no URI configured (want e.g. bolt://127.0.0.1:7687)")
	}
	if cfg.Database == "" {
		cfg.Database = "neo4j"
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	auth := neo4j.NoAuth()
	if cfg.User != "" {
		auth = neo4j.BasicAuth(cfg.User, cfg.Password, "")
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.TelemetryDisabled = true
		c.UserAgent = "redthread"
		if cfg.MaxConnectionPoolSize > 0 {
			c.MaxConnectionPoolSize = cfg.MaxConnectionPoolSize
		}
		c.SocketConnectTimeout = min(5*time.Second, cfg.ConnectTimeout)
		c.ConnectionAcquisitionTimeout = 30 * time.Second
		c.MaxTransactionRetryTime = cmp.Or(cfg.MaxRetryTime, 15*time.Second)
	})
	if err != nil {
		return nil, graph.WrapError(graph.CodeInvalid, err, "neo4j: invalid URI %q", cfg.URI)
	}
	s := &Store{driver: driver, db: cfg.Database, log: log, limits: cfg.Limits.OrDefaults()}
	start := time.Now()
	if err := s.connect(ctx, cfg.URI, cfg.ConnectTimeout); err != nil {
		return nil, errors.Join(err, driver.Close(context.WithoutCancel(ctx)))
	}
	if err := s.createSchema(ctx); err != nil {
		return nil, errors.Join(err, driver.Close(context.WithoutCancel(ctx)))
	}
	log.Info("graph store opened", "neo4j", cfg.URI, "database", cfg.Database, "took", time.Since(start))
	return s, nil
}

// connect verifies connectivity, retrying with exponential backoff: Neo4j
// may still be starting when the server starts.
func (s *Store) connect(ctx context.Context, uri string, total time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, total)
	defer cancel()
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.driver.VerifyConnectivity(ctx)
		if err == nil {
			return nil
		}
		var nerr *neo4j.Neo4jError
		if errors.As(err, &nerr) && nerr.HasSecurityCode() {
			return graph.WrapError(graph.CodeUnavailable, err, "neo4j at %s refused the credentials", uri)
		}
		s.log.Warn("neo4j not reachable yet", "uri", uri, "attempt", attempt, "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return graph.WrapError(graph.CodeUnavailable, err,
				"neo4j at %s is unreachable: gave up after %d attempts in %s (is it running? make neo4j starts one)",
				uri, attempt, total.Round(time.Millisecond))
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Schema object names carry a prefix so that they never collide with
// indexes someone else made in the same database.
const (
	indexFulltext = "redthread_node_search"
	indexText     = "redthread_node_search_text"
)

// createSchema creates the constraints and indexes, each in its own
// transaction as Neo4j requires, checks that the search indexes are the
// ones Search relies on, and waits until everything is online.
func (s *Store) createSchema(ctx context.Context) error {
	stmts := []string{
		// One constraint for every node: IDs embed the kind, so global
		// uniqueness is per-kind uniqueness, and a frontier or batch of
		// mixed kinds is one index seek per ID.
		"CREATE CONSTRAINT redthread_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
		// Lucene over the folded tokens: word and prefix candidates. The
		// tokens are folded already; the whitespace analyzer keeps them.
		"CREATE FULLTEXT INDEX " + indexFulltext + " IF NOT EXISTS FOR (n:Node) ON EACH [n.search_tokens] " +
			"OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace', `fulltext.eventually_consistent`: false}}",
		// Trigram text index: substring (CONTAINS) candidates.
		"CREATE TEXT INDEX " + indexText + " IF NOT EXISTS FOR (n:Node) ON (n.search_text)",
		// The restricted nodes, for Stats (vis.go): the rest are counted
		// from the label counts.
		"CREATE INDEX redthread_node_vk IF NOT EXISTS FOR (n:Node) ON (n.vk)",
	}
	stmts = append(stmts, priceConstraint)
	stmts = append(stmts, stateConstraints...)
	stmts = append(stmts, "CREATE CONSTRAINT redthread_schema_name IF NOT EXISTS FOR (m:"+schemaLabel+") REQUIRE m.name IS UNIQUE")
	for _, k := range graph.EdgeKinds() {
		t := relTypes[k]
		stmts = append(stmts, fmt.Sprintf("CREATE CONSTRAINT redthread_rel_id_%s IF NOT EXISTS FOR ()-[r:%s]-() REQUIRE r.id IS UNIQUE", t, t),
			fmt.Sprintf("CREATE INDEX redthread_rel_vx_%s IF NOT EXISTS FOR ()-[r:%s]-() ON (r.vx)", t, t))
	}
	for _, q := range stmts {
		if err := s.autocommit(ctx, q, nil); err != nil {
			return fmt.Errorf("neo4j schema: %w", err)
		}
	}
	if err := s.checkSearchIndexes(ctx); err != nil {
		return err
	}
	if err := s.checkSchemaVersion(ctx); err != nil {
		return err
	}
	if err := s.migrateVis(ctx); err != nil {
		return err
	}
	wait := 300
	if dl, ok := ctx.Deadline(); ok {
		wait = max(1, int(time.Until(dl).Seconds()))
	}
	if err := s.autocommit(ctx, "CALL db.awaitIndexes($seconds)", map[string]any{"seconds": wait}); err != nil {
		return fmt.Errorf("neo4j schema: waiting for indexes: %w", err)
	}
	s.warm(ctx)
	return nil
}

// warm has Neo4j plan the statement every signed-in page load asks first
// (a viewer's Stats): on a freshly started database planning it takes
// seconds, which belong to opening the store, not to the first request.
// A failure only means the first request plans it.
func (s *Store) warm(ctx context.Context) {
	v := visibility.WithViewer(ctx, visibility.Viewer{Agency: "redthread-warm-up", User: "redthread-warm-up"})
	_, _ = s.Stats(v)
}

// schemaVersion is the layout of the records this store writes (see
// model.go); it reads every layout up to it. Schema 3 adds the
// visibility properties (vis.go), which Open adds to older records
// (vismigrate.go). schemaLabel marks the one
// node that records the layout a database holds.
const (
	schemaVersion = 3
	schemaLabel   = "RedthreadSchema"
)

// checkSchemaVersion records the layout in a new database and refuses
// one written by a newer Redthread, whose records this one would misread
// and overwrite. An older layout is fine: decoders read it, and updates
// convert its records.
func (s *Store) checkSchemaVersion(ctx context.Context) error {
	var version int64
	err := s.write(ctx, "schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "MERGE (m:"+schemaLabel+" {name: 'graph'}) ON CREATE SET m.version = $v "+
			"SET m.version = CASE WHEN m.version < $v THEN $v ELSE m.version END, m.gen = coalesce(m.gen, 0) RETURN m.version",
			map[string]any{"v": int64(schemaVersion)})
		if err != nil {
			return err
		}
		version, _ = recs[0].Values[0].(int64)
		return nil
	})
	if err != nil {
		return fmt.Errorf("neo4j schema: %w", err)
	}
	if version > schemaVersion {
		return graph.Errorf(graph.CodeUnavailable, "neo4j schema: database %s holds records in Redthread's schema %d; "+
			"this Redthread reads schemas up to %d: upgrade it", s.db, version, schemaVersion)
	}
	return nil
}

// checkSearchIndexes makes sure the search indexes are the ones Search
// relies on: IF NOT EXISTS keeps an existing index of the same name, or
// an equivalent one under another name, whatever its make.
func (s *Store) checkSearchIndexes(ctx context.Context) error {
	var fulltext, text string
	err := s.read(ctx, "schema", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options "+
			"WHERE name = $fulltext OR (type = 'TEXT' AND labelsOrTypes = ['Node'] AND properties = ['search_text']) "+
			"RETURN name, type, labelsOrTypes, properties, options.indexConfig['fulltext.analyzer']",
			map[string]any{"fulltext": indexFulltext})
		fulltext, text = "", ""
		for _, r := range recs {
			if r.Values[0] == indexFulltext {
				fulltext = fmt.Sprint(r.Values[1:]...)
			} else {
				text = r.Values[0].(string)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("neo4j schema: %w", err)
	}
	if want := fmt.Sprint("FULLTEXT", []any{"Node"}, []any{"search_tokens"}, "whitespace"); fulltext != want {
		return graph.Errorf(graph.CodeInternal, "neo4j schema: index %s is %q, want %q: drop it (DROP INDEX %s) and reopen",
			indexFulltext, fulltext, want, indexFulltext)
	}
	if text == "" {
		return graph.Errorf(graph.CodeInternal, "neo4j schema: no TEXT index on :Node(search_text)")
	}
	return nil
}

// autocommit runs one statement in its own implicit transaction (schema
// commands and CALL … IN TRANSACTIONS need one).
func (s *Store) autocommit(ctx context.Context, cypher string, params map[string]any) error {
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db})
	defer sess.Close(context.WithoutCancel(ctx)) //nolint:errcheck // the work's own error says how it went
	res, err := sess.Run(ctx, cypher, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return s.mapErr(ctx, err, "schema")
}

// Close closes the driver and its connections.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.driver.Close(context.Background())
}

// txConfig derives the transaction timeout from ctx's deadline, so that
// Neo4j itself cancels a query the caller no longer waits for, and tags the
// transaction (SHOW TRANSACTIONS shows the metadata).
func txConfig(ctx context.Context, op string) ([]func(*neo4j.TransactionConfig), error) {
	cfg := []func(*neo4j.TransactionConfig){neo4j.WithTxMetadata(map[string]any{"app": "redthread", "op": op})}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return nil, timeout(context.DeadlineExceeded)
		}
		// Neo4j counts whole milliseconds; zero would mean no timeout.
		cfg = append(cfg, neo4j.WithTxTimeout(max(left, time.Millisecond)))
	}
	return cfg, nil
}

// begin checks that the store is open and ctx alive.
func (s *Store) begin(ctx context.Context) error {
	if s.closed.Load() {
		return graph.Errorf(graph.CodeUnavailable, "the graph store is closed")
	}
	if err := ctx.Err(); err != nil {
		return timeout(err)
	}
	return nil
}

// read runs work in a managed read transaction, which the driver retries
// on transient errors: work must start from scratch each time.
func (s *Store) read(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) error) error {
	return s.execute(ctx, op, neo4j.AccessModeRead, work)
}

// write runs work in a managed write transaction; see read.
func (s *Store) write(ctx context.Context, op string, work func(tx neo4j.ManagedTransaction) error) error {
	return s.execute(ctx, op, neo4j.AccessModeWrite, work)
}

func (s *Store) execute(ctx context.Context, op string, mode neo4j.AccessMode, work func(tx neo4j.ManagedTransaction) error) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	cfg, err := txConfig(ctx, op)
	if err != nil {
		return err
	}
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.db, AccessMode: mode})
	defer sess.Close(context.WithoutCancel(ctx)) //nolint:errcheck // the work's own error says how it went
	fn := func(tx neo4j.ManagedTransaction) (any, error) { return nil, work(tx) }
	if mode == neo4j.AccessModeRead {
		_, err = sess.ExecuteRead(ctx, fn, cfg...)
	} else {
		_, err = sess.ExecuteWrite(ctx, fn, cfg...)
	}
	return s.mapErr(ctx, err, op)
}

// run runs one statement in tx and returns all its records.
func run(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}
