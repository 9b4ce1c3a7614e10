package graph

import "time"

// jobTimeLayout is the start time that begins every ingest job ID
// (ingest.NewJobID); graph reads it without importing ingest.
const jobTimeLayout = "20060102T150405.000000Z"

// FirstSeen is when Redthread first knew a fact: the earliest retrieval time
// among its sources or, for a source without one, the start of the ingest
// job that loaded it. Zero when no source tells. Queries with an as-of date
// ignore facts first seen after it.
func FirstSeen(srcs []Source) time.Time {
	var first time.Time
	for i := range srcs {
		t := SourceSeen(&srcs[i])
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first
}

// SourceSeen is when one source was obtained: its retrieval time, else its
// job's start time, else zero.
func SourceSeen(s *Source) time.Time {
	if !s.RetrievedAt.IsZero() {
		return s.RetrievedAt
	}
	if len(s.Job) >= len(jobTimeLayout) {
		if t, err := time.Parse(jobTimeLayout, s.Job[:len(jobTimeLayout)]); err == nil {
			return t
		}
	}
	return time.Time{}
}
