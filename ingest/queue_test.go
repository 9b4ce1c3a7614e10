package ingest

import (
	"errors"
	"io"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestQueue(t *testing.T) {
	rec := func(key string) Record { return Record{Node: &graph.Node{Key: key}} }
	bad := &RecordError{Pos: Pos{File: "f", Line: 2}}
	boom := errors.New("boom")
	// Each call of fill is one unit of input: what it queues, and what it
	// returns.
	units := []func(q *Queue) error{
		func(q *Queue) error { q.Push(rec("a")); q.Push(rec("b")); return nil },
		func(q *Queue) error { return nil }, // nothing: fill is called again
		func(q *Queue) error { q.Push(rec("c")); q.Reject(bad); return nil },
		func(q *Queue) error { q.Push(rec("dropped")); q.Reset(); return boom },
		func(q *Queue) error { q.Push(rec("d")); return nil },
	}
	var q Queue
	calls := 0
	fill := func() error {
		if calls == len(units) {
			return io.EOF
		}
		calls++
		return units[calls-1](&q)
	}
	want := []string{"a", "b", "c", "error: " + bad.Error(), "error: boom", "d", "error: EOF", "error: EOF"}
	for i, w := range want {
		r, err := q.Next(fill)
		got := ""
		switch {
		case err != nil:
			got = "error: " + err.Error()
		case r.Node != nil:
			got = r.Node.Key
		}
		if got != w {
			t.Errorf("result %d: %q, want %q", i, got, w)
		}
		if i == 0 && q.Len() != 1 {
			t.Errorf("after the first result, %d queued, want 1", q.Len())
		}
	}
	if cap(q.items) > 4 {
		t.Errorf("queue grew to %d: it should reuse its space", cap(q.items))
	}
}
