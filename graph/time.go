package graph

import "time"

// earliest and latest ignore zero times. Two times at one instant in
// different zones compare by their offsets, so that the result does not
// depend on the order of the arguments (merges are order-independent).
func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || before(a, b):
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || before(b, a):
		return a
	}
	return b
}

// before orders times by instant, then by zone offset.
func before(a, b time.Time) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	_, x := a.Zone()
	_, y := b.Zone()
	return x < y
}
