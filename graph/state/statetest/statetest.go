// Package statetest is the conformance suite of record stores
// (graph/state): every backend runs it with the same expectations.
package statetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// Run runs the suite. open returns a new, empty record store and
// registers its Close with t.Cleanup. The cases run one after another,
// so instances may share one backend (Neo4j) when open empties it.
func Run(t *testing.T, open func(t *testing.T) state.Store) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, s state.Store)
}{
	{"GetPutDelete", testGetPutDelete},
	{"CompareAndSet", testCompareAndSet},
	{"ListPaging", testListPaging},
	{"ListOrderIsBytewise", testListOrder},
	{"ListClampsLimit", testListClamp},
	{"Logs", testLogs},
	{"Bounds", testBounds},
	{"ConcurrentCAS", testConcurrentCAS},
	{"ConcurrentCreate", testConcurrentCreate},
	{"ConcurrentAppend", testConcurrentAppend},
	{"Cancelled", testCancelled},
}

func put(t *testing.T, s state.Store, coll, key, value string, expect state.Version) state.Version {
	t.Helper()
	v, err := s.Put(t.Context(), coll, key, []byte(value), expect)
	if err != nil {
		t.Fatalf("Put(%s, %q, expect %d): %v", coll, key, expect, err)
	}
	return v
}

func wantErr(t *testing.T, what string, err, want error, code graph.Code) {
	t.Helper()
	if !errors.Is(err, want) || graph.ErrorCode(err) != code {
		t.Fatalf("%s: %v (code %s), want %v with code %s", what, err, graph.ErrorCode(err), want, code)
	}
}

func testGetPutDelete(t *testing.T, s state.Store) {
	ctx := t.Context()
	_, err := s.Get(ctx, "users", "ada@example.org")
	wantErr(t, "Get in an unused collection", err, state.ErrNotFound, graph.CodeNotFound)
	if v := put(t, s, "users", "ada@example.org", `{"role":"analyst"}`, state.Absent); v != 1 {
		t.Fatalf("first Put: version %d, want 1", v)
	}
	if v := put(t, s, "users", "ada@example.org", `{"role":"admin"}`, state.AnyVersion); v != 2 {
		t.Fatalf("second Put: version %d, want 2", v)
	}
	put(t, s, "tokens", "ada@example.org", "other collection", state.Absent)
	put(t, s, "users", "empty", "", state.Absent)
	tests := []struct {
		coll, key, value string
		version          state.Version
	}{
		{"users", "ada@example.org", `{"role":"admin"}`, 2},
		{"tokens", "ada@example.org", "other collection", 1},
		{"users", "empty", "", 1},
	}
	for _, tt := range tests {
		r, err := s.Get(ctx, tt.coll, tt.key)
		if err != nil || r.Key != tt.key || string(r.Value) != tt.value || r.Version != tt.version {
			t.Fatalf("Get(%s, %q) = %+v, %v; want %q at version %d", tt.coll, tt.key, r, err, tt.value, tt.version)
		}
	}
	if err := s.Delete(ctx, "users", "ada@example.org", 2); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "users", "ada@example.org")
	wantErr(t, "Get after Delete", err, state.ErrNotFound, graph.CodeNotFound)
	wantErr(t, "Delete twice", s.Delete(ctx, "users", "ada@example.org", state.AnyVersion), state.ErrNotFound, graph.CodeNotFound)
	if r, err := s.Get(ctx, "tokens", "ada@example.org"); err != nil || r.Version != 1 {
		t.Fatalf("the other collection's record after Delete: %+v, %v", r, err)
	}
	// A record created again starts over at version 1.
	if v := put(t, s, "users", "ada@example.org", "again", state.Absent); v != 1 {
		t.Fatalf("Put after Delete: version %d, want 1", v)
	}
}

func testCompareAndSet(t *testing.T, s state.Store) {
	ctx := t.Context()
	put(t, s, "cases", "c1", "v1", state.Absent)
	tests := []struct {
		name   string
		op     func() error
		err    error
		result string // the stored value after op
		ver    state.Version
	}{
		{"create twice", func() error { _, err := s.Put(ctx, "cases", "c1", []byte("x"), state.Absent); return err }, state.ErrConflict, "v1", 1},
		{"stale version", func() error { _, err := s.Put(ctx, "cases", "c1", []byte("x"), 2); return err }, state.ErrConflict, "v1", 1},
		{"right version", func() error { _, err := s.Put(ctx, "cases", "c1", []byte("v2"), 1); return err }, nil, "v2", 2},
		{"the old version again", func() error { _, err := s.Put(ctx, "cases", "c1", []byte("x"), 1); return err }, state.ErrConflict, "v2", 2},
		{"any version", func() error { _, err := s.Put(ctx, "cases", "c1", []byte("v3"), state.AnyVersion); return err }, nil, "v3", 3},
		{"stale delete", func() error { return s.Delete(ctx, "cases", "c1", 2) }, state.ErrConflict, "v3", 3},
	}
	for _, tt := range tests {
		err := tt.op()
		if tt.err == nil && err != nil || tt.err != nil && !errors.Is(err, tt.err) {
			t.Fatalf("%s: %v, want %v", tt.name, err, tt.err)
		}
		if tt.err != nil && graph.ErrorCode(err) != graph.CodeConflict {
			t.Fatalf("%s: code %s, want CONFLICT", tt.name, graph.ErrorCode(err))
		}
		r, err := s.Get(ctx, "cases", "c1")
		if err != nil || string(r.Value) != tt.result || r.Version != tt.ver {
			t.Fatalf("%s: stored %+v (%v), want %q at %d", tt.name, r, err, tt.result, tt.ver)
		}
	}
	_, err := s.Put(ctx, "cases", "absent", []byte("x"), 1)
	wantErr(t, "Put expecting a version of an absent record", err, state.ErrConflict, graph.CodeConflict)
	wantErr(t, "Delete expecting a version of an absent record", s.Delete(ctx, "cases", "absent", 1), state.ErrNotFound, graph.CodeNotFound)
	if _, err := s.Get(ctx, "cases", "absent"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a rejected Put left a record: %v", err)
	}
}

func keys(rs []state.Record) string {
	ks := make([]string, len(rs))
	for i, r := range rs {
		ks[i] = r.Key
	}
	return strings.Join(ks, ",")
}

func testListPaging(t *testing.T, s state.Store) {
	ctx := t.Context()
	for _, k := range []string{"b/2", "a/1", "b/1", "b/10", "c", "b/3", "b"} {
		put(t, s, "shares", k, "value of "+k, state.Absent)
	}
	put(t, s, "shares-other", "b/0", "elsewhere", state.Absent)
	tests := []struct {
		prefix, after string
		limit         int
		want          string
	}{
		{"", "", 100, "a/1,b,b/1,b/10,b/2,b/3,c"},
		{"b/", "", 100, "b/1,b/10,b/2,b/3"},
		{"b/", "", 2, "b/1,b/10"},
		{"b/", "b/10", 2, "b/2,b/3"},
		{"b/", "b/3", 2, ""},
		{"b/", "b/0", 1, "b/1"}, // after a key that is not stored
		{"b/", "a", 100, "b/1,b/10,b/2,b/3"},
		{"b/", "zz", 100, ""},
		{"", "b", 3, "b/1,b/10,b/2"},
		{"d", "", 100, ""},
	}
	for _, tt := range tests {
		rs, err := s.List(ctx, "shares", tt.prefix, tt.after, tt.limit)
		if err != nil || keys(rs) != tt.want {
			t.Fatalf("List(prefix %q, after %q, limit %d) = %q, %v; want %q", tt.prefix, tt.after, tt.limit, keys(rs), err, tt.want)
		}
		for _, r := range rs {
			if string(r.Value) != "value of "+r.Key || r.Version != 1 {
				t.Fatalf("listed %+v", r)
			}
		}
	}
	if rs, err := s.List(ctx, "unused", "", "", 10); err != nil || len(rs) != 0 {
		t.Fatalf("List of an unused collection: %v, %v", rs, err)
	}
}

// testListOrder checks that keys sort by their UTF-8 bytes (which is
// code point order), not by UTF-16 units or a collation.
func testListOrder(t *testing.T, s state.Store) {
	in := []string{"\U0001F600", "\uFFFD", "\uE000", "Z", "a", "é", "e\u0301", "~", "A", "0", " "}
	for _, k := range in {
		put(t, s, "order", k, k, state.Absent)
	}
	rs, err := s.List(t.Context(), "order", "", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	want := " ,0,A,Z,a,e\u0301,~,é,\uE000,\uFFFD,\U0001F600"
	if got := keys(rs); got != want {
		t.Fatalf("order %q, want %q", got, want)
	}
	rs, err = s.List(t.Context(), "order", "", "\uFFFD", 100)
	if err != nil || keys(rs) != "\U0001F600" {
		t.Fatalf("after U+FFFD: %q, %v", keys(rs), err)
	}
}

func testListClamp(t *testing.T, s state.Store) {
	ctx := t.Context()
	for i := range state.MaxList + 5 {
		put(t, s, "many", fmt.Sprintf("k%05d", i), "", state.Absent)
	}
	tests := []struct{ limit, want int }{{0, 1}, {-3, 1}, {1, 1}, {state.MaxList + 100, state.MaxList}}
	for _, tt := range tests {
		rs, err := s.List(ctx, "many", "", "", tt.limit)
		if err != nil || len(rs) != tt.want {
			t.Fatalf("List(limit %d): %d records, %v; want %d", tt.limit, len(rs), err, tt.want)
		}
	}
	rs, err := s.List(ctx, "many", "", fmt.Sprintf("k%05d", state.MaxList-1), state.MaxList)
	if err != nil || len(rs) != 5 || rs[0].Key != fmt.Sprintf("k%05d", state.MaxList) {
		t.Fatalf("second page: %d records from %q, %v", len(rs), keys(rs[:min(1, len(rs))]), err)
	}
}

func testLogs(t *testing.T, s state.Store) {
	ctx := t.Context()
	for i := 1; i <= 7; i++ {
		seq, err := s.Append(ctx, "audit", fmt.Appendf(nil, "entry %d", i))
		if err != nil || seq != int64(i) {
			t.Fatalf("Append %d: seq %d, %v", i, seq, err)
		}
	}
	if seq, err := s.Append(ctx, "audit-other", []byte("x")); err != nil || seq != 1 {
		t.Fatalf("first entry of another log: seq %d, %v", seq, err)
	}
	if seq, err := s.Append(ctx, "audit", nil); err != nil || seq != 8 {
		t.Fatalf("empty entry: seq %d, %v", seq, err)
	}
	tests := []struct {
		log   string
		after int64
		limit int
		want  []int64
	}{
		{"audit", 0, 100, []int64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"audit", 0, 3, []int64{1, 2, 3}},
		{"audit", 3, 3, []int64{4, 5, 6}},
		{"audit", 6, 3, []int64{7, 8}},
		{"audit", 8, 3, nil},
		{"audit", 100, 3, nil},
		{"audit", 0, 0, []int64{1}},
		{"audit-other", 0, 100, []int64{1}},
		{"unused", 0, 100, nil},
	}
	for _, tt := range tests {
		es, err := s.Read(ctx, tt.log, tt.after, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int64, len(es))
		for i, e := range es {
			got[i] = e.Seq
			want := fmt.Sprintf("entry %d", e.Seq)
			if tt.log == "audit-other" {
				want = "x"
			} else if e.Seq == 8 {
				want = ""
			}
			if string(e.Value) != want {
				t.Fatalf("Read(%s): entry %d is %q, want %q", tt.log, e.Seq, e.Value, want)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Fatalf("Read(%s, after %d, limit %d) = %v, want %v", tt.log, tt.after, tt.limit, got, tt.want)
		}
	}
}

func testBounds(t *testing.T, s state.Store) {
	ctx := t.Context()
	long := strings.Repeat("k", state.MaxKey)
	big := bytes.Repeat([]byte{0xff}, state.MaxValue)
	tests := []struct {
		name string
		op   func() error
		arg  string // the argument the message names
	}{
		{"empty collection", func() error { _, err := s.Get(ctx, "", "k"); return err }, "collection"},
		{"upper-case collection", func() error { _, err := s.Put(ctx, "Users", "k", nil, state.Absent); return err }, "collection"},
		{"collection with a slash", func() error { _, err := s.List(ctx, "a/b", "", "", 1); return err }, "collection"},
		{"long collection", func() error { _, err := s.Get(ctx, strings.Repeat("c", state.MaxCollection+1), "k"); return err }, "collection"},
		{"empty key", func() error { _, err := s.Put(ctx, "users", "", nil, state.Absent); return err }, "key"},
		{"too long key", func() error { _, err := s.Put(ctx, "users", long+"k", nil, state.Absent); return err }, "key"},
		{"key with NUL", func() error { _, err := s.Get(ctx, "users", "a\x00b"); return err }, "key"},
		{"key not UTF-8", func() error { return s.Delete(ctx, "users", "a\xffb", state.AnyVersion) }, "key"},
		{"value over MaxValue", func() error { _, err := s.Put(ctx, "users", "k", append(big, 0), state.Absent); return err }, "value"},
		{"entry over MaxValue", func() error { _, err := s.Append(ctx, "audit", append(big, 0)); return err }, "value"},
		{"bad expected version", func() error { _, err := s.Put(ctx, "users", "k", nil, -2); return err }, "expected version"},
		{"delete expecting absence", func() error { return s.Delete(ctx, "users", "k", state.Absent) }, "expected version"},
		{"long prefix", func() error { _, err := s.List(ctx, "users", long+"p", "", 1); return err }, "prefix"},
		{"cursor not UTF-8", func() error { _, err := s.List(ctx, "users", "", "\xff", 1); return err }, "after"},
		{"bad log", func() error { _, err := s.Append(ctx, "Audit Log", nil); return err }, "log"},
		{"negative seq", func() error { _, err := s.Read(ctx, "audit", -1, 1); return err }, "after"},
	}
	for _, tt := range tests {
		err := tt.op()
		wantErr(t, tt.name, err, state.ErrInvalid, graph.CodeInvalid)
		if msg := graph.ErrorMessage(err); !strings.HasPrefix(msg, "state: "+tt.arg) {
			t.Fatalf("%s: message %q does not name %q", tt.name, msg, tt.arg)
		}
	}
	// The bounds themselves are allowed.
	if _, err := s.Put(ctx, "users", long, big, state.Absent); err != nil {
		t.Fatalf("Put of a %d-byte key and a %d-byte value: %v", len(long), len(big), err)
	}
	if r, err := s.Get(ctx, "users", long); err != nil || !bytes.Equal(r.Value, big) {
		t.Fatalf("Get of the largest record: %d bytes, %v", len(r.Value), err)
	}
	if _, err := s.Get(ctx, strings.Repeat("c", state.MaxCollection), "k"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("Get in a collection of the longest name: %v", err)
	}
	if rs, err := s.List(ctx, "users", "", "", 10); err != nil || len(rs) != 1 {
		t.Fatalf("rejected writes left records: %d, %v", len(rs), err)
	}
	if es, err := s.Read(ctx, "audit", 0, 10); err != nil || len(es) != 0 {
		t.Fatalf("rejected appends left entries: %d, %v", len(es), err)
	}
}

const workers = 8

// testConcurrentCAS has workers increment one counter with
// compare-and-set, retrying on conflict: no increment is lost.
func testConcurrentCAS(t *testing.T, s state.Store) {
	ctx := t.Context()
	const per = 5
	put(t, s, "counters", "n", "0", state.Absent)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range per {
				if err := increment(ctx, s); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, err := s.Get(ctx, "counters", "n")
	if err != nil || string(r.Value) != fmt.Sprint(workers*per) || r.Version != workers*per+1 {
		t.Fatalf("counter %q at version %d (%v), want %d at %d", r.Value, r.Version, err, workers*per, workers*per+1)
	}
}

// testConcurrentCreate has workers create one key at once: one creates
// it, every other gets ErrConflict (not a backend error).
func testConcurrentCreate(t *testing.T, s state.Store) {
	ctx := t.Context()
	var (
		wg      sync.WaitGroup
		created = make(chan int, workers)
		errs    = make(chan error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			_, err := s.Put(ctx, "agencies", "fiu", fmt.Append(nil, w), state.Absent)
			switch {
			case err == nil:
				created <- w
			case !errors.Is(err, state.ErrConflict):
				errs <- err
			}
		})
	}
	wg.Wait()
	close(created)
	close(errs)
	for err := range errs {
		t.Fatalf("a concurrent create failed otherwise than with a conflict: %v", err)
	}
	if len(created) != 1 {
		t.Fatalf("%d workers created the record, want 1", len(created))
	}
	r, err := s.Get(ctx, "agencies", "fiu")
	if w := <-created; err != nil || string(r.Value) != fmt.Sprint(w) || r.Version != 1 {
		t.Fatalf("stored %+v (%v), want worker %d's at version 1", r, err, w)
	}
}

func increment(ctx context.Context, s state.Store) error {
	for {
		r, err := s.Get(ctx, "counters", "n")
		if err != nil {
			return err
		}
		var n int
		if _, err := fmt.Sscan(string(r.Value), &n); err != nil {
			return err
		}
		_, err = s.Put(ctx, "counters", "n", fmt.Append(nil, n+1), r.Version)
		if !errors.Is(err, state.ErrConflict) {
			return err
		}
	}
}

// testConcurrentAppend has workers append to one log at once: the
// entries get distinct, consecutive numbers.
func testConcurrentAppend(t *testing.T, s state.Store) {
	ctx := t.Context()
	const per = 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		seqs = map[int64]string{}
		errs = make(chan error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				v := fmt.Sprintf("w%d-%d", w, i)
				seq, err := s.Append(ctx, "audit", []byte(v))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if old, dup := seqs[seq]; dup {
					errs <- fmt.Errorf("seq %d given to %s and %s", seq, old, v)
				}
				seqs[seq] = v
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "audit", 0, state.MaxList)
	if err != nil || len(es) != workers*per {
		t.Fatalf("read %d entries (%v), want %d", len(es), err, workers*per)
	}
	for i, e := range es {
		if e.Seq != int64(i+1) || string(e.Value) != seqs[e.Seq] {
			t.Fatalf("entry %d: seq %d %q, want seq %d %q", i, e.Seq, e.Value, i+1, seqs[e.Seq])
		}
	}
}

func testCancelled(t *testing.T, s state.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Put(ctx, "users", "k", []byte("v"), state.Absent)
	if graph.ErrorCode(err) != graph.CodeTimeout {
		t.Fatalf("Put with a cancelled context: %v (code %s), want TIMEOUT", err, graph.ErrorCode(err))
	}
	if _, err := s.Get(t.Context(), "users", "k"); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("a cancelled Put wrote: %v", err)
	}
}
