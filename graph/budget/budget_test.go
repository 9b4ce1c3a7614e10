package budget

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// wantLimit checks that err is a LIMIT_EXCEEDED *graph.Error whose message
// contains want.
func wantLimit(t *testing.T, err error, want string) {
	t.Helper()
	if graph.ErrorCode(err) != graph.CodeLimit {
		t.Fatalf("err = %v (%s), want LIMIT_EXCEEDED", err, graph.ErrorCode(err))
	}
	if msg := graph.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Fatalf("message %q does not contain %q", msg, want)
	}
}

func TestOperationBudget(t *testing.T) {
	tests := []struct {
		name   string
		op     Limits
		charge func(o *Operation) error
		want   string // "" means the charges fit
	}{
		{"nodes within", Limits{Nodes: 500_000}, func(o *Operation) error { return o.Nodes(500_000) }, ""},
		{"nodes over", Limits{Nodes: 500_000}, func(o *Operation) error {
			if err := o.Nodes(400_000); err != nil {
				return err
			}
			return o.Nodes(100_001)
		}, "the operation's budget of 500,000 nodes is used up"},
		{"edges over", Limits{Edges: 4_000_000}, func(o *Operation) error { return o.Edges(4_000_001) }, "the operation's budget of 4,000,000 edges is used up"},
		{"bytes over", Limits{Bytes: 512 << 20}, func(o *Operation) error { return o.Bytes(512<<20 + 1) }, "the operation's budget of 512 MiB is used up"},
		{"fractional bytes named", Limits{Bytes: 3 << 29}, func(o *Operation) error { return o.Bytes(2 << 30) }, "of 1.5 GiB"},
		{"zero is unlimited", Limits{}, func(o *Operation) error { return o.Edges(1 << 40) }, ""},
		{"unlimited still cannot overflow", Limits{}, func(o *Operation) error {
			if err := o.Bytes(maxCount - 1); err != nil {
				return err
			}
			return o.Bytes(maxCount)
		}, "is used up"},
		{"zero and negative charges are free", Limits{Nodes: 1}, func(o *Operation) error {
			if err := o.Nodes(0); err != nil {
				return err
			}
			if err := o.Nodes(-5); err != nil {
				return err
			}
			return o.Nodes(1)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPool(Limits{})
			o := p.Start(tt.op)
			err := tt.charge(o)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("charge: %v", err)
				}
			} else {
				wantLimit(t, err, tt.want)
			}
			if got := p.InUse(); got != o.Used() {
				t.Errorf("pool holds %+v, the operation %+v", got, o.Used())
			}
			o.Close()
			if got := p.InUse(); got != (Limits{}) {
				t.Errorf("after Close the pool holds %+v", got)
			}
		})
	}
}

func TestFailureSticks(t *testing.T) {
	o := NewPool(Limits{}).Start(Limits{Nodes: 10})
	wantLimit(t, o.Nodes(11), "10 nodes")
	// Every later charge fails with the first error, whatever it charges.
	for name, charge := range map[string]func() error{
		"nodes":      func() error { return o.Nodes(1) },
		"edges":      func() error { return o.Edges(1) },
		"bytes":      func() error { return o.Bytes(1) },
		"nothing":    func() error { return o.Nodes(0) },
		"empty page": func() error { return o.ChargeNodes(nil) },
	} {
		t.Run(name, func(t *testing.T) { wantLimit(t, charge(), "10 nodes") })
	}
	wantLimit(t, o.Err(), "10 nodes")
	if got := o.Used(); got != (Limits{}) {
		t.Errorf("a refused charge was kept: %+v", got)
	}
}

func TestPoolBudget(t *testing.T) {
	p := NewPool(Limits{Nodes: 100, Edges: 4_000_000})
	a, b := p.Start(Limits{}), p.Start(Limits{})
	if err := a.Nodes(60); err != nil {
		t.Fatal(err)
	}
	if err := a.Edges(3_000_000); err != nil {
		t.Fatal(err)
	}
	wantLimit(t, b.Nodes(41), "the server's memory budget of 100 nodes is in use by other operations; try again shortly")
	c := p.Start(Limits{})
	wantLimit(t, c.Edges(1_000_001), "the server's memory budget of 4,000,000 edges")
	if got, want := p.InUse(), (Limits{Nodes: 60, Edges: 3_000_000}); got != want {
		t.Fatalf("in use %+v, want %+v: refused charges must not be kept", got, want)
	}
	// b failed and keeps failing, even once the pool has room again.
	a.Close()
	wantLimit(t, b.Nodes(1), "100 nodes")
	// A new operation gets the room a returned.
	d := p.Start(Limits{})
	if err := d.Nodes(100); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	for _, o := range []*Operation{b, c, d} {
		o.Close()
	}
	if got := p.InUse(); got != (Limits{}) {
		t.Errorf("pool holds %+v after every Close", got)
	}
}

func TestClose(t *testing.T) {
	p := NewPool(Limits{Bytes: 1 << 20})
	o := p.Start(Limits{Bytes: 1 << 20})
	if err := o.Bytes(1000); err != nil {
		t.Fatal(err)
	}
	o.Close()
	o.Close() // idempotent: returns its charges once
	if got := p.InUse(); got != (Limits{}) {
		t.Fatalf("pool holds %+v after a double Close", got)
	}
	if got := o.Used(); got.Bytes != 1000 {
		t.Errorf("Used after Close = %+v, want what was charged", got)
	}
	wantLimit(t, o.Bytes(1), "the operation is over")
	if got := p.InUse(); got != (Limits{}) {
		t.Errorf("a charge after Close reached the pool: %+v", got)
	}
}

func TestNilAndContext(t *testing.T) {
	var o *Operation
	for _, err := range []error{o.Nodes(1), o.Edges(1), o.Bytes(1), o.ChargeNodes([]*graph.Node{{ID: "x"}}), o.ChargeEdges(nil), o.Err()} {
		if err != nil {
			t.Fatalf("nil operation: %v", err)
		}
	}
	o.Close()
	if o.Used() != (Limits{}) {
		t.Error("nil operation used something")
	}
	ctx := context.Background()
	if FromContext(ctx) != nil {
		t.Error("FromContext of a bare context is not nil")
	}
	op := (*Pool)(nil).Start(Limits{Nodes: 2})
	if got := FromContext(WithOperation(ctx, op)); got != op {
		t.Errorf("FromContext = %p, want %p", got, op)
	}
	// Without a pool the operation's own budget still holds.
	wantLimit(t, op.Nodes(3), "2 nodes")
}

// TestConcurrentCharges charges one operation from many goroutines, as
// parallel resolvers do: every charge is counted once, in the operation
// and in the pool, and Close returns them all.
func TestConcurrentCharges(t *testing.T) {
	const workers, each = 8, 1000
	p := NewPool(Limits{Nodes: workers * each, Edges: workers * each * 10})
	o := p.Start(Limits{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := o.Nodes(1); err != nil {
					t.Error(err)
					return
				}
				if err := o.Edges(10); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	want := Limits{Nodes: workers * each, Edges: workers * each * 10}
	if got := o.Used(); got != want {
		t.Errorf("used %+v, want %+v", got, want)
	}
	if got := p.InUse(); got != want {
		t.Errorf("pool %+v, want %+v", got, want)
	}
	wantLimit(t, o.Nodes(1), "server's memory budget")
	o.Close()
	if got := p.InUse(); got != (Limits{}) {
		t.Errorf("pool holds %+v after Close", got)
	}
}

// TestConcurrentOperations races operations against a small pool and
// Close against charges: the pool never holds more than its limit, and
// once every operation has closed it holds nothing.
func TestConcurrentOperations(t *testing.T) {
	const ops, charges, limit = 16, 500, 2000
	p := NewPool(Limits{Nodes: limit, Bytes: limit * 100})
	var wg sync.WaitGroup
	var mu sync.Mutex
	maxSeen := int64(0)
	for i := range ops {
		o := p.Start(Limits{Nodes: limit / 4})
		wg.Go(func() {
			for range charges {
				if o.Nodes(1) != nil || o.Bytes(100) != nil {
					break
				}
				if u := p.InUse().Nodes; u > limit {
					mu.Lock()
					maxSeen = max(maxSeen, u)
					mu.Unlock()
				}
			}
			if i%2 == 0 {
				o.Close() // closed by the charging goroutine
			}
		})
		if i%2 == 1 {
			wg.Go(o.Close) // closed while it may still be charging
		}
	}
	wg.Wait()
	if maxSeen > 0 {
		t.Errorf("the pool held %d nodes, over its limit of %d", maxSeen, limit)
	}
	if got := p.InUse(); got != (Limits{}) {
		t.Errorf("pool holds %+v after every operation closed", got)
	}
}

func TestSizes(t *testing.T) {
	small := &graph.Node{ID: "wallet:eth:0xaa", Kind: graph.KindWallet, Key: "eth:0xaa", Label: "0xaa"}
	huge := &graph.Node{ID: "threat_group:x", Props: graph.Props{"description": strings.Repeat("x", 64<<20)}}
	nested := &graph.Edge{ID: "e", Props: graph.Props{"list": []any{"abc", 1.0, map[string]any{"k": strings.Repeat("y", 1000)}}},
		Sources: []graph.Source{{Dataset: "d", Excerpt: strings.Repeat("z", 500)}}}
	if s := NodeBytes(small); s < nodeStruct || s > 1024 {
		t.Errorf("small node: %d bytes", s)
	}
	if s := NodeBytes(huge); s < 64<<20 {
		t.Errorf("a 64 MiB property counted as %d bytes", s)
	}
	if s := EdgeBytes(nested); s < edgeStruct+1500 {
		t.Errorf("nested properties and sources counted as %d bytes", s)
	}
	if NodeBytes(nil) != 0 || EdgeBytes(nil) != 0 {
		t.Error("nil has a size")
	}

	p := NewPool(Limits{})
	o := p.Start(Limits{Bytes: 32 << 20})
	if err := o.ChargeNodes([]*graph.Node{small, nil, small}); err != nil {
		t.Fatal(err)
	}
	if got := o.Used(); got.Nodes != 2 || got.Bytes != 2*NodeBytes(small) {
		t.Errorf("used %+v: nil entries must cost nothing", got)
	}
	wantLimit(t, o.ChargeNodes([]*graph.Node{huge}), "the operation's budget of 32 MiB is used up")
	o.Close()
}
