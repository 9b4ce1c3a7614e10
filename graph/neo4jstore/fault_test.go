package neo4jstore

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/synth"
)

// proxy forwards TCP connections to a target and can drop them all, which
// is what a driver sees when Neo4j or the network goes away.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target}
	p.start(t, "127.0.0.1:0")
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start(t *testing.T, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); _, _ = io.Copy(up, c); up.Close() }() // a proxy: either side closing ends it
			go func() { defer p.wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop closes the listener and every connection through the proxy.
func (p *proxy) stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// TestConnectionLostAndRecovered cuts every connection while a request
// runs and keeps Neo4j unreachable: the request fails UNAVAILABLE once the
// driver's retries run out; when Neo4j is back, the same store serves
// again.
func TestConnectionLostAndRecovered(t *testing.T) {
	cfg := testConfig(t)
	direct := openEmpty(t, cfg)
	g := synth.NewGen(3, 200, 1000)
	for b := range g.Batches(5000) {
		if _, err := direct.Write(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	target, err := hostPort(cfg.URI)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, target)
	cfg.URI = "bolt://" + px.addr
	cfg.MaxRetryTime = 500 * time.Millisecond
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Node(context.Background(), g.WalletID(1)); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}

	// A heavy read in flight when the connections drop.
	errc := make(chan error, 1)
	heavyCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // the server's clean-up
	defer cancel()
	go func() {
		err := s.read(heavyCtx, "heavy", func(tx neoTx) error {
			_, err := run(heavyCtx, tx, "UNWIND range(1, 2000000000) AS x WITH x WHERE x % 1000000007 = -1 RETURN count(*)", nil)
			return err
		})
		errc <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		px.mu.Lock()
		n := len(px.conns)
		px.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling
	}
	addr := px.addr
	px.stop()
	select {
	case err := <-errc:
		if graph.ErrorCode(err) != graph.CodeUnavailable {
			t.Fatalf("request whose connection was lost: %v (code %q), want UNAVAILABLE", err, graph.ErrorCode(err))
		}
		if msg := graph.ErrorMessage(err); msg != "the graph database is unavailable; try again shortly" {
			t.Fatalf("message %q leaks driver details", msg)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the request did not fail within 30s of losing its connection")
	}
	_, err = s.Stats(context.Background())
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Stats while Neo4j is unreachable: %v (code %q), want UNAVAILABLE", err, graph.ErrorCode(err))
	}

	// Neo4j is back at the same address: the store recovers by itself.
	px.start(t, addr)
	n, err := s.Node(context.Background(), g.WalletID(1))
	if err != nil || n.ID != g.WalletID(1) {
		t.Fatalf("after Neo4j came back: %v, %v", n, err)
	}
	if _, err := s.Write(context.Background(), graph.Batch{Nodes: []graph.Node{{Kind: graph.KindPerson, Key: "back", Sources: []graph.Source{{Dataset: "t"}}}}}); err != nil {
		t.Fatalf("write after Neo4j came back: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want graph.Code
	}{
		{"deadline", context.DeadlineExceeded, graph.CodeTimeout},
		{"wrapped cancel", errors.Join(errors.New("x"), context.Canceled), graph.CodeTimeout},
		{"tx timeout", &neoError{Code: "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"}, graph.CodeTimeout},
		{"terminated", &neoError{Code: "Neo.ClientError.Transaction.Terminated"}, graph.CodeTimeout},
		{"transient", &neoError{Code: "Neo.TransientError.Transaction.DeadlockDetected"}, graph.CodeUnavailable},
		{"auth", &neoError{Code: "Neo.ClientError.Security.Unauthorized"}, graph.CodeUnavailable},
		{"syntax (our bug)", &neoError{Code: "Neo.ClientError.Statement.SyntaxError"}, graph.CodeInternal},
		{"connectivity", &connError{Inner: io.EOF}, graph.CodeUnavailable},
		{"retries exhausted", &execLimit{Errors: []error{&connError{Inner: io.EOF}}}, graph.CodeUnavailable},
		{"retries exhausted on a timeout", &execLimit{Errors: []error{&neoError{Code: "Neo.ClientError.Transaction.TransactionTimedOut"}}}, graph.CodeTimeout},
		{"other", errors.New("boom"), graph.CodeInternal},
	} {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
