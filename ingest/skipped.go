package ingest

import (
	"cmp"
	"maps"
	"slices"
)

// Skipper is implemented by a format's Reader that passes over well-formed
// input on purpose (an unsupported STIX object, a failed Ethereum
// transaction, a coinbase input): Skipped returns how many, by reason.
// Skipped input is neither written nor rejected, so a job counts it apart:
// without it, "0 rejected" would hide that part of a file made nothing.
type Skipper interface {
	Skipped() map[string]int
}

// Skip is a number of skipped items for one reason.
type Skip struct {
	Reason string
	Count  int
}

// SkipList returns the reasons of m, most frequent first, then by reason.
func SkipList(m map[string]int) []Skip {
	out := make([]Skip, 0, len(m))
	for r, n := range m {
		if n > 0 {
			out = append(out, Skip{Reason: r, Count: n})
		}
	}
	slices.SortFunc(out, func(a, b Skip) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason)) })
	return out
}

// SkippedTotal is the sum of the counts of m.
func SkippedTotal(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// skippedOf returns what r has skipped so far, nil when it does not say.
func skippedOf(r Reader) map[string]int {
	if s, ok := r.(Skipper); ok {
		return s.Skipped()
	}
	return nil
}

// addSkipped returns the sum of the counts of a and b, a new map (nil when
// both are empty), so that callers never share a map.
func addSkipped(a, b map[string]int) map[string]int {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := maps.Clone(a)
	if out == nil {
		out = make(map[string]int, len(b))
	}
	for r, n := range b {
		out[r] += n
	}
	return out
}
