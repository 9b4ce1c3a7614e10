package main

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Status classes counted per operation.
const (
	class200   = "200"
	class429   = "429"
	class503   = "503"
	classOther = "other" // any other status, or no response at all
)

// result is what one request came to.
type result struct {
	op      string
	status  int      // HTTP status; 0 when the request failed before one came
	codes   []string // the distinct extensions.code of its GraphQL errors, NO_CODE when missing; TRANSPORT when no answer came
	latency time.Duration
}

// ok is an answer that did what it was asked: 200 and no GraphQL errors.
func (r result) ok() bool { return r.status == 200 && len(r.codes) == 0 }

func (r result) class() string {
	switch r.status {
	case 200:
		return class200
	case 429:
		return class429
	case 503:
		return class503
	}
	return classOther
}

// opStats are one operation's results.
type opStats struct {
	latency   []time.Duration // every answer's
	okLatency []time.Duration // the ok answers'
	classes   map[string]int
	codes     map[string]int
}

// recorder keeps results by operation. Each client has its own, merged at
// the end, so that recording takes no lock.
type recorder struct {
	ops map[string]*opStats
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opStats{}} }

func (rc *recorder) op(name string) *opStats {
	s := rc.ops[name]
	if s == nil {
		s = newOpStats()
		rc.ops[name] = s
	}
	return s
}

func (rc *recorder) add(r result) {
	s := rc.op(r.op)
	s.latency = append(s.latency, r.latency)
	if r.ok() {
		s.okLatency = append(s.okLatency, r.latency)
	}
	s.classes[r.class()]++
	for _, c := range r.codes {
		s.codes[c]++
	}
}

func (rc *recorder) merge(o *recorder) {
	for name, s := range o.ops {
		rc.op(name).absorb(s)
	}
}

func newOpStats() *opStats { return &opStats{classes: map[string]int{}, codes: map[string]int{}} }

// absorb adds o's results to s.
func (s *opStats) absorb(o *opStats) {
	s.latency = append(s.latency, o.latency...)
	s.okLatency = append(s.okLatency, o.okLatency...)
	for k, v := range o.classes {
		s.classes[k] += v
	}
	for k, v := range o.codes {
		s.codes[k] += v
	}
}

// summary is one row of the results table.
type summary struct {
	op                string
	n, ok             int
	rate              float64 // requests per second
	p50, p99, max     time.Duration
	okP99             time.Duration
	classes, codes    map[string]int
	hasLatency, hasOK bool
}

// summarize computes the rows: one per operation in order (the mix's, then
// any other), and a total over all but the heavy clients' queries, over a
// measured window of d.
func (rc *recorder) summarize(order []string, d time.Duration) []summary {
	names := slices.Collect(maps.Keys(rc.ops))
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
	})
	var rows []summary
	all := newOpStats()
	for _, name := range names {
		s := rc.ops[name]
		rows = append(rows, s.summary(name, d))
		if name != opHeavy {
			all.absorb(s)
		}
	}
	if len(rows) > 1 {
		rows = append(rows, all.summary("all but heavy", d))
	}
	return rows
}

func (s *opStats) summary(name string, d time.Duration) summary {
	lat := slices.Clone(s.latency)
	okLat := slices.Clone(s.okLatency)
	slices.Sort(lat)
	slices.Sort(okLat)
	sm := summary{op: name, n: len(lat), ok: len(okLat), classes: s.classes, codes: s.codes}
	if d > 0 {
		sm.rate = float64(len(lat)) / d.Seconds()
	}
	if len(lat) > 0 {
		sm.hasLatency = true
		sm.p50, sm.p99, sm.max = percentile(lat, 50), percentile(lat, 99), lat[len(lat)-1]
	}
	if len(okLat) > 0 {
		sm.hasOK = true
		sm.okP99 = percentile(okLat, 99)
	}
	return sm
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted
// durations: the smallest value at or below which p percent of them lie.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// formatCodes writes error codes by count, most frequent first: "TIMEOUT×12, TRANSPORT×1".
func formatCodes(codes map[string]int) string {
	keys := slices.Collect(maps.Keys(codes))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(codes[b], codes[a]), strings.Compare(a, b)) })
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, codes[k]))
	}
	return strings.Join(parts, ", ")
}
