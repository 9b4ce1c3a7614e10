package neo4jstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore/neo4jtest"
	"github.com/redthread-dev/redthread/graph/storetest"
)

// Tests run against a real Neo4j at NEO4J_URI. They share its one user
// database, so they run one at a time and each starts from an empty graph.

// config returns the configuration of the test Neo4j; without NEO4J_URI the
// test fails, unless REDTHREAD_SKIP_NEO4J=1 asks explicitly for a skip.
func testConfig(tb testing.TB) Config {
	tb.Helper()
	// These tests empty the database: nobody else's test may run meanwhile.
	uri := neo4jtest.Exclusive(tb)
	return Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second}
}

// openEmpty opens a store on the test Neo4j and deletes every node in it.
func openEmpty(tb testing.TB, cfg Config) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("Open: %v (cause: %v)", err, errors.Unwrap(err))
	}
	tb.Cleanup(func() { s.Close() })
	// Relationships first: a hub's DETACH DELETE alone can outgrow a
	// transaction's memory.
	for _, q := range []string{
		"MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
		"MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS",
	} {
		if err := s.autocommit(ctx, q, nil); err != nil {
			tb.Fatalf("clearing the database: %v (cause: %v)", err, errors.Unwrap(err))
		}
	}
	return s
}

func TestConformance(t *testing.T) {
	cfg := testConfig(t)
	caps := storetest.Full()
	// Neo4j's shortestPath picks one of several shortest paths by its own
	// adjacency order, not by the embedded store's canonical rule.
	caps.CanonicalPaths = false
	storetest.RunSerial(t, caps, func(t *testing.T) investigate.Store { return openEmpty(t, cfg) })
}

func TestOpenUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	start := time.Now()
	_, err = Open(context.Background(), Config{URI: "bolt://" + addr, ConnectTimeout: 700 * time.Millisecond})
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Open on a closed port: %v (code %q), want UNAVAILABLE", err, graph.ErrorCode(err))
	}
	msg := graph.ErrorMessage(err)
	if !strings.Contains(msg, addr) || !strings.Contains(msg, "unreachable") || !strings.Contains(msg, "make neo4j") {
		t.Fatalf("message %q should name the address, say it is unreachable and how to start Neo4j", msg)
	}
	if took := time.Since(start); took < 700*time.Millisecond || took > 10*time.Second {
		t.Fatalf("Open gave up after %s, want about its ConnectTimeout", took)
	}
}

// runningTx reports whether a transaction whose query contains marker is
// running on the server.
func runningTx(t *testing.T, s *Store, marker string) bool {
	t.Helper()
	var found bool
	err := s.read(context.Background(), "test", func(tx neo4j.ManagedTransaction) error {
		recs, err := run(context.Background(), tx, "SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery", nil)
		found = false
		for _, r := range recs {
			if q, _ := r.Values[0].(string); strings.Contains(q, marker) && !strings.Contains(q, "SHOW TRANSACTIONS") {
				found = true
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestDeadlineCancelsOnServer(t *testing.T) {
	s := openEmpty(t, testConfig(t))
	marker := fmt.Sprintf("heavy_%d", time.Now().UnixNano())
	heavy := "UNWIND range(1, 2000000000) AS " + marker + " WITH " + marker + " WHERE " + marker + " % 1000000007 = -1 RETURN count(*)"
	const budget = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		errc <- s.read(ctx, "heavy", func(tx neoTx) error {
			_, err := run(ctx, tx, heavy, nil)
			return err
		})
	}()
	// The query must be seen running, or the check below proves nothing.
	for !runningTx(t, s, marker) {
		if time.Since(start) > budget {
			t.Fatal("never saw the heavy query in SHOW TRANSACTIONS")
		}
		time.Sleep(20 * time.Millisecond) //nolint:forbidigo // polling a server
	}
	err := <-errc
	if graph.ErrorCode(err) != graph.CodeTimeout {
		t.Fatalf("heavy query past its deadline: %v (code %q), want TIMEOUT", err, graph.ErrorCode(err))
	}
	if took := time.Since(start); took > budget+3*time.Second {
		t.Fatalf("the call returned %s after its start, its deadline was %s", took, budget)
	}
	// Neo4j checks transaction timeouts periodically (every 2s by
	// default): poll until the transaction is gone.
	deadline := time.Now().Add(20 * time.Second)
	for runningTx(t, s, marker) {
		if time.Now().After(deadline) {
			t.Fatal("the transaction still runs on the server 20s after its deadline")
		}
		time.Sleep(100 * time.Millisecond) //nolint:forbidigo // polling a server
	}
	// The store still works.
	if _, err := s.Stats(context.Background()); err != nil {
		t.Fatalf("Stats after a timeout: %v", err)
	}
}

// TestCypherFromFixedTablesOnly feeds hostile kinds, directions and IDs:
// every one is refused as INVALID_ARGUMENT or simply not found, and never
// reaches Cypher as text (a syntax error would surface as INTERNAL).
func TestCypherFromFixedTablesOnly(t *testing.T) {
	ident := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	for k, l := range nodeLabels {
		if !ident.MatchString(l) || !k.Valid() {
			t.Fatalf("label %q for kind %q is not a plain identifier", l, k)
		}
	}
	for k, ty := range relTypes {
		if !ident.MatchString(ty) || !k.Valid() {
			t.Fatalf("relationship type %q for kind %q is not a plain identifier", ty, k)
		}
	}
	if len(nodeLabels) != len(graph.NodeKinds()) || len(relTypes) != len(graph.EdgeKinds()) {
		t.Fatal("the label or type table misses a kind")
	}

	s := openEmpty(t, testConfig(t))
	ctx := context.Background()
	evil := []string{"WALLET) DETACH DELETE n //", "TRANSFER]->() MATCH (x) DETACH DELETE x //", "`", "Node {id: 'x'})", "'; DROP"}
	w := graph.Node{Kind: graph.KindWallet, Key: "eth:0x" + strings.Repeat("ab", 20), Label: "it's a \"quoted\" `label` }) //", Sources: []graph.Source{{Dataset: "t"}}}
	if res, err := s.Write(ctx, graph.Batch{Nodes: []graph.Node{w}}); err != nil || res.NodesCreated != 1 {
		t.Fatalf("write: %+v %v", res, err)
	}
	type call struct {
		name string
		fn   func() error
		code graph.Code
	}
	var calls []call
	for _, x := range evil {
		calls = append(calls,
			call{"search kind " + x, func() error {
				_, err := s.Search(ctx, graph.SearchQuery{Text: "quoted", Kinds: []graph.NodeKind{graph.NodeKind(x)}})
				return err
			}, graph.CodeInvalid},
			call{"neighbors kind " + x, func() error {
				_, err := s.Neighbors(ctx, graph.NeighborQuery{ID: "wallet:eth:0x" + strings.Repeat("ab", 20), EdgeKinds: []graph.EdgeKind{graph.EdgeKind(x)}})
				return err
			}, graph.CodeInvalid},
			call{"neighbors direction " + x, func() error {
				_, err := s.Neighbors(ctx, graph.NeighborQuery{ID: "wallet:eth:0x" + strings.Repeat("ab", 20), Direction: graph.Direction(x)})
				return err
			}, graph.CodeInvalid},
			call{"path kind " + x, func() error {
				_, err := s.ShortestPath(ctx, graph.PathQuery{From: "a", To: "b", EdgeKinds: []graph.EdgeKind{graph.EdgeKind(x)}})
				return err
			}, graph.CodeInvalid},
			call{"path direction " + x, func() error {
				_, err := s.ShortestPath(ctx, graph.PathQuery{From: "a", To: "b", Direction: graph.Direction(x)})
				return err
			}, graph.CodeInvalid},
			call{"node id " + x, func() error { _, err := s.Node(ctx, "wallet:"+x); return err }, graph.CodeNotFound},
			call{"edge id " + x, func() error { _, err := s.Edge(ctx, "wallet:a>"+x+">wallet:b"); return err }, graph.CodeNotFound},
			call{"neighbors id " + x, func() error { _, err := s.Neighbors(ctx, graph.NeighborQuery{ID: x}); return err }, graph.CodeNotFound},
			call{"path id " + x, func() error { _, err := s.ShortestPath(ctx, graph.PathQuery{From: x, To: x}); return err }, graph.CodeNotFound},
			call{"write kind " + x, func() error {
				res, err := s.Write(ctx, graph.Batch{Nodes: []graph.Node{{Kind: graph.NodeKind(x), Key: "k", Sources: []graph.Source{{Dataset: "t"}}}},
					Edges: []graph.Edge{{Kind: graph.EdgeKind(x), From: "wallet:eth:0x" + strings.Repeat("ab", 20), To: "wallet:eth:0x" + strings.Repeat("ab", 20), Sources: []graph.Source{{Dataset: "t"}}}}})
				if err != nil {
					return err
				}
				if len(res.Rejected) != 2 {
					return fmt.Errorf("%d rejections", len(res.Rejected))
				}
				return errors.Join(res.Rejected[0].Err, res.Rejected[1].Err)
			}, graph.CodeInvalid},
		)
	}
	// search text is a parameter and Lucene terms are letters and digits
	calls = append(calls, call{"search text", func() error {
		res, err := s.Search(ctx, graph.SearchQuery{Text: `quoted" OR *:* \ AND (label`})
		if err == nil && len(res.Hits) != 0 {
			return fmt.Errorf("%d hits", len(res.Hits))
		}
		return err
	}, ""})
	for _, c := range calls {
		if err := c.fn(); graph.ErrorCode(err) != c.code {
			t.Errorf("%s: %v (code %q), want %q", c.name, err, graph.ErrorCode(err), c.code)
		}
	}
	st, err := s.Stats(ctx)
	if err != nil || st.Nodes != 1 {
		t.Fatalf("after hostile input: %+v %v", st, err)
	}
	n, err := s.Node(ctx, "wallet:eth:0x"+strings.Repeat("ab", 20))
	if err != nil || n.Label != w.Label {
		t.Fatalf("label with quotes round trip: %v %v", n, err)
	}
}

type (
	neoTx     = neo4j.ManagedTransaction
	neoError  = neo4j.Neo4jError
	connError = neo4j.ConnectivityError
	execLimit = neo4j.TransactionExecutionLimit
)

// hostPort returns the host:port of a bolt URI.
func hostPort(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	return u.Host, nil
}

func TestClosed(t *testing.T) {
	s := openEmpty(t, testConfig(t))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := context.Background()
	_, err := s.Node(ctx, "wallet:eth:0x01")
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Node on a closed store: %v", err)
	}
	_, err = s.Write(ctx, graph.Batch{Nodes: []graph.Node{{Kind: graph.KindPerson, Key: "x", Sources: []graph.Source{{Dataset: "t"}}}}})
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Write on a closed store: %v", err)
	}
}
