package admission

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

func small() Config {
	return Config{
		Lanes: [NumClasses]Lane{
			Cheap:    {Running: 2, Queue: 1, MaxWait: 5 * time.Second},
			Standard: {Running: 1, Queue: 1, MaxWait: 5 * time.Second},
			Heavy:    {Running: 1, Queue: 1, MaxWait: 50 * time.Millisecond},
			Stream:   {Running: 1},
		},
		PerClient: 3, PerClientHeavy: 1, ResponseBytes: 100,
	}
}

func refusal(t *testing.T, err error, status int, code graph.Code) {
	t.Helper()
	r, ok := errors.AsType[*Refusal](err)
	if !ok {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if r.Status != status || r.Code != code || r.RetryAfterSeconds() < 1 || r.Message == "" {
		t.Fatalf("refusal = %+v, want status %d code %s with Retry-After and a message", r, status, code)
	}
}

func TestPerClient(t *testing.T) {
	c := New(small(), 2)
	var leaves []func()
	for range 3 {
		leave, err := c.Enter("10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leave)
	}
	_, err := c.Enter("10.0.0.1")
	refusal(t, err, http.StatusTooManyRequests, graph.CodeTooMany)
	// Another client is not affected by the first one's excess.
	other, err := c.Enter("10.0.0.2")
	if err != nil {
		t.Fatalf("second client refused: %v", err)
	}
	other()
	leaves[0]()
	leaves[0]() // releasing twice gives back one slot only
	if _, err := c.Enter("10.0.0.1"); err != nil {
		t.Fatalf("after one left: %v", err)
	}
	_, err = c.Enter("10.0.0.1")
	refusal(t, err, http.StatusTooManyRequests, graph.CodeTooMany)
	if s := c.Stats(); s.RefusedClients != 2 || s.Clients != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestLanes(t *testing.T) {
	ctx := context.Background()
	c := New(small(), 2)

	// The heavy lane is full with one running and one waiting: a third
	// is refused at once, the waiting one is refused after MaxWait.
	run, err := c.Admit(ctx, "a", Heavy)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := c.Admit(ctx, "b", Heavy)
		waited <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for c.Stats().Waiting[Heavy] != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) //nolint:forbidigo // polling state no signal announces
	}
	start := time.Now()
	_, err = c.Admit(ctx, "c", Heavy)
	refusal(t, err, http.StatusServiceUnavailable, graph.CodeUnavailable)
	if d := time.Since(start); d > time.Second {
		t.Errorf("a full queue refused after %s, want at once", d)
	}
	refusal(t, <-waited, http.StatusServiceUnavailable, graph.CodeUnavailable)

	// A full heavy lane does not hold up cheap operations.
	for _, key := range []string{"a", "b"} {
		rel, err := c.Admit(ctx, key, Cheap)
		if err != nil {
			t.Fatalf("cheap behind heavy: %v", err)
		}
		defer rel()
	}

	// One client may run one heavy operation here.
	run()
	r1, err := c.Admit(ctx, "a", Heavy)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Admit(ctx, "a", Heavy)
	refusal(t, err, http.StatusTooManyRequests, graph.CodeTooMany)
	r1()
}

func TestQueueIsServedInOrderAndCancelled(t *testing.T) {
	c := New(small(), 2)
	ctx := context.Background()
	a, _ := c.Admit(ctx, "a", Cheap)
	b, _ := c.Admit(ctx, "b", Cheap)
	got := make(chan func(), 1)
	go func() {
		rel, err := c.Admit(ctx, "c", Cheap)
		if err != nil {
			t.Error(err)
		}
		got <- rel
	}()
	for c.Stats().Waiting[Cheap] != 1 {
		time.Sleep(time.Millisecond) //nolint:forbidigo // polling state no signal announces
	}
	a()
	(<-got)()
	b()

	// A waiting request whose context ends leaves the queue with TIMEOUT.
	x, _ := c.Admit(ctx, "x", Cheap)
	y, _ := c.Admit(ctx, "y", Cheap)
	defer x()
	defer y()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Admit(cctx, "z", Cheap); graph.ErrorCode(err) != graph.CodeTimeout {
		t.Fatalf("cancelled wait: %v", err)
	}
	if s := c.Stats(); s.Waiting[Cheap] != 0 || s.Running[Cheap] != 2 {
		t.Fatalf("stats after a cancelled wait: %+v", s)
	}
}

func TestHold(t *testing.T) {
	c := New(small(), 2)
	tests := []struct {
		n  int64
		ok bool
	}{{60, true}, {50, false}, {40, true}, {1, false}}
	var held []func()
	for _, tt := range tests {
		rel, err := c.Hold(tt.n)
		if (err == nil) != tt.ok {
			t.Fatalf("Hold(%d) err = %v, want ok %v", tt.n, err, tt.ok)
		}
		if err == nil {
			held = append(held, rel)
		}
	}
	for _, rel := range held {
		rel()
	}
	if s := c.Stats(); s.ResponseBytes != 0 {
		t.Fatalf("bytes held after release: %d", s.ResponseBytes)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New(Config{PerClient: 1000, PerClientHeavy: 1000}, 2)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			for j := range 50 {
				leave, err := c.Enter("k")
				if err != nil {
					t.Error(err)
					return
				}
				class := Class((i + j) % 3)
				if rel, err := c.Admit(context.Background(), "k", class); err == nil {
					rel()
				}
				leave()
			}
		})
	}
	wg.Wait()
	s := c.Stats()
	if s.Clients != 0 || s.Running != [NumClasses]int64{} || s.Waiting != [NumClasses]int64{} {
		t.Fatalf("state left after all released: %+v", s)
	}
}

// TestFreedSlotGoesToTheLightestClient: a client that kept the lane busy
// waits behind one that has not used it, though it came first.
func TestFreedSlotGoesToTheLightestClient(t *testing.T) {
	l := newLane(Heavy, Lane{Running: 1, Queue: 4, MaxWait: 5 * time.Second})
	ctx := context.Background()
	if err := l.acquire(ctx, "hog"); err != nil {
		t.Fatal(err)
	}
	l.release("hog", 20*time.Second) // twenty seconds of flows just now
	if err := l.acquire(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 2)
	var wg sync.WaitGroup
	for i, key := range []string{"hog", "light"} {
		wg.Go(func() {
			if err := l.acquire(ctx, key); err != nil {
				t.Error(err)
				return
			}
			order <- key
			l.release(key, time.Millisecond)
		})
		for { // queue them in this order
			if _, waiting := l.counts(); waiting == int64(i+1) {
				break
			}
			time.Sleep(time.Millisecond) //nolint:forbidigo // polling state no signal announces
		}
	}
	l.release("other", time.Millisecond)
	wg.Wait()
	if first := <-order; first != "light" {
		t.Fatalf("the freed slot went to %q, want the client that had not used the lane", first)
	}
	if running, waiting := l.counts(); running != 0 || waiting != 0 {
		t.Fatalf("left running %d, waiting %d", running, waiting)
	}
}
