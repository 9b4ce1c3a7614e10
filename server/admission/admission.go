// Package admission decides which requests the server works on now, which
// wait a moment and which it turns away at once. Operations run in lanes by
// cost, so that a node look-up never waits behind a money-flow search; each
// lane has a bounded number of running operations and a short queue; each
// client has a bounded number of requests in flight; answers waiting to be
// written hold a bounded number of bytes. A refusal is fast and says when to
// try again (429 for one client's excess, 503 when the server is full).
package admission

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Class is an operation's lane.
type Class int

// Lanes, by cost.
const (
	// Cheap operations: look-ups, search, case load and save. Many at
	// once, each short.
	Cheap Class = iota
	// Standard operations: neighbourhoods and shortest paths, the store's
	// own bounded searches: tens of milliseconds, sometimes more.
	Standard
	// Heavy operations: the investigation engine's path, flow and
	// cluster queries, and large answers. Few at once: each may take a
	// core for seconds.
	Heavy
	// Streams: subscriptions (ingest progress). They wait on a job, not
	// on the CPU, but each holds a connection and a goroutine.
	Stream
	// NumClasses is the number of lanes.
	NumClasses
)

func (c Class) String() string {
	switch c {
	case Cheap:
		return "cheap"
	case Standard:
		return "standard"
	case Heavy:
		return "heavy"
	case Stream:
		return "stream"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Lane bounds one class of operations.
type Lane struct {
	Running int           // operations at once
	Queue   int           // operations waiting for a slot beyond Running
	MaxWait time.Duration // longest wait in the queue before a 503
}

// Config bounds the server's work. Zero fields take DefaultConfig's values.
type Config struct {
	Lanes [NumClasses]Lane
	// PerClient is the number of requests one client may have in flight
	// (running, queued or being written), and PerClientHeavy the number
	// of heavy operations among them.
	PerClient, PerClientHeavy int
	// ResponseBytes bounds the answers held in memory while they are
	// written to their clients, all clients together.
	ResponseBytes int64
}

// DefaultConfig sizes the lanes for a machine with procs cores.
func DefaultConfig(procs int) Config {
	procs = max(procs, 1)
	return Config{
		Lanes: [NumClasses]Lane{
			Cheap:    {Running: 4 * procs, Queue: 256, MaxWait: time.Second},
			Standard: {Running: 2 * procs, Queue: 128, MaxWait: time.Second},
			Heavy:    {Running: max(procs/2, 1), Queue: 4 * procs, MaxWait: 5 * time.Second},
			Stream:   {Running: 64, Queue: 0, MaxWait: 0},
		},
		PerClient:      16,
		PerClientHeavy: 2,
		ResponseBytes:  256 << 20,
	}
}

func (c Config) withDefaults(procs int) Config {
	d := DefaultConfig(procs)
	for i := range c.Lanes {
		switch {
		case c.Lanes[i] == Lane{}:
			c.Lanes[i] = d.Lanes[i] // unset: the default lane, queue included
		case c.Lanes[i].Running <= 0:
			c.Lanes[i].Running = d.Lanes[i].Running
		}
		if c.Lanes[i].Queue < 0 {
			c.Lanes[i].Queue = 0
		}
		if c.Lanes[i].Queue > 0 && c.Lanes[i].MaxWait <= 0 {
			c.Lanes[i].MaxWait = d.Lanes[i].MaxWait
		}
	}
	if c.PerClient <= 0 {
		c.PerClient = d.PerClient
	}
	if c.PerClientHeavy <= 0 {
		c.PerClientHeavy = d.PerClientHeavy
	}
	if c.ResponseBytes <= 0 {
		c.ResponseBytes = d.ResponseBytes
	}
	return c
}

// Refusal is a request turned away: its HTTP status, when to try again and
// a coded message for the client.
type Refusal struct {
	Status     int
	RetryAfter time.Duration
	Code       graph.Code
	Message    string
}

func (r *Refusal) Error() string { return r.Message }

// RetryAfterSeconds is the Retry-After header's value: whole seconds, at
// least one.
func (r *Refusal) RetryAfterSeconds() int {
	return max(int((r.RetryAfter+time.Second-1)/time.Second), 1)
}

// Stats is a snapshot of the controller, for logs, metrics and tests.
type Stats struct {
	Running, Waiting [NumClasses]int64
	Refused          [NumClasses]int64 // 503s by lane
	RefusedClients   int64             // 429s
	Clients          int               // clients with requests in flight
	ResponseBytes    int64             // held by answers being written
}

// Controller admits requests. It is safe for concurrent use.
type Controller struct {
	cfg   Config
	lanes [NumClasses]*lane

	mu      sync.Mutex
	clients map[string]*client

	refusedClients atomic.Int64
	respBytes      atomic.Int64
}

type client struct{ all, heavy int }

// New returns a controller; procs sizes the default lanes (use
// runtime.GOMAXPROCS(0)).
func New(cfg Config, procs int) *Controller {
	cfg = cfg.withDefaults(procs)
	c := &Controller{cfg: cfg, clients: map[string]*client{}}
	for i := range c.lanes {
		c.lanes[i] = newLane(Class(i), cfg.Lanes[i])
	}
	return c
}

// Config returns the controller's configuration, defaults applied.
func (c *Controller) Config() Config { return c.cfg }

// Enter counts a request of client in flight until leave is called
// (exactly once). Past the client's allowance it refuses at once with 429.
func (c *Controller) Enter(key string) (leave func(), err error) {
	if err := c.count(key, func(cl *client) *int { return &cl.all }, c.cfg.PerClient, time.Second,
		"this client already has %d requests in flight, its limit; wait for one to finish"); err != nil {
		return nil, err
	}
	return once(func() { c.uncount(key, func(cl *client) *int { return &cl.all }) }), nil
}

// count adds one to the client's counter that field picks, unless it is
// at limit already: then it refuses with 429, the message formatted with
// the limit.
func (c *Controller) count(key string, field func(*client) *int, limit int, retry time.Duration, msg string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.clients[key]
	if cl == nil {
		cl = &client{}
		c.clients[key] = cl
	}
	n := field(cl)
	if *n >= limit {
		c.refusedClients.Add(1)
		if cl.all == 0 && cl.heavy == 0 {
			delete(c.clients, key)
		}
		return &Refusal{Status: http.StatusTooManyRequests, RetryAfter: retry, Code: graph.CodeTooMany, Message: fmt.Sprintf(msg, limit)}
	}
	*n++
	return nil
}

func (c *Controller) uncount(key string, field func(*client) *int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl := c.clients[key]; cl != nil {
		*field(cl)--
		if cl.all == 0 && cl.heavy == 0 {
			delete(c.clients, key)
		}
	}
}

// Admit waits for a slot in class's lane, within its queue and wait
// bounds and ctx, and returns the function that gives it back (call it
// exactly once). key names the client: for the per-client heavy bound,
// and because a freed slot goes to the waiting client that used the lane
// least of late.
func (c *Controller) Admit(ctx context.Context, key string, class Class) (release func(), err error) {
	l := c.lanes[class]
	heavyDone := func() {}
	if class == Heavy {
		heavy := func(cl *client) *int { return &cl.heavy }
		if err := c.count(key, heavy, c.cfg.PerClientHeavy, 2*time.Second,
			"this client already runs %d path, flow or cluster queries, its limit; wait for one to finish"); err != nil {
			return nil, err
		}
		heavyDone = func() { c.uncount(key, heavy) }
	}
	if err := l.acquire(ctx, key); err != nil {
		heavyDone()
		return nil, err
	}
	began := time.Now()
	return once(func() {
		l.release(key, time.Since(began))
		heavyDone()
	}), nil
}

// Hold reserves n bytes for an answer being written, or refuses with 503
// when the answers already held use the server's allowance. An answer
// larger than the whole allowance is always refused.
func (c *Controller) Hold(n int64) (release func(), err error) {
	if c.respBytes.Add(n) > c.cfg.ResponseBytes {
		c.respBytes.Add(-n)
		return nil, &Refusal{
			Status: http.StatusServiceUnavailable, RetryAfter: 2 * time.Second, Code: graph.CodeUnavailable,
			Message: "the server is busy writing other large answers; try again shortly",
		}
	}
	return once(func() { c.respBytes.Add(-n) }), nil
}

// Stats returns a snapshot of the controller.
func (c *Controller) Stats() Stats {
	var s Stats
	for i, l := range c.lanes {
		s.Running[i], s.Waiting[i] = l.counts()
		s.Refused[i] = l.refused.Load()
	}
	s.RefusedClients = c.refusedClients.Load()
	s.ResponseBytes = c.respBytes.Load()
	c.mu.Lock()
	s.Clients = len(c.clients)
	c.mu.Unlock()
	return s
}

// once makes a release function safe to call more than once: a deferred
// safety net beside the early release on the normal path.
func once(f func()) func() {
	var o sync.Once
	return func() { o.Do(f) }
}
