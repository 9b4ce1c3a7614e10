package graph

import "testing"

func TestLimitsOrDefaults(t *testing.T) {
	got := Limits{MaxHops: 4, MaxSearch: -1}.OrDefaults()
	want := DefaultLimits()
	want.MaxHops = 4
	if got != want {
		t.Fatalf("OrDefaults = %+v, want %+v", got, want)
	}
}

func TestLimitsClamp(t *testing.T) {
	l := DefaultLimits()
	tests := []struct {
		name        string
		clamp       func(int) int
		asked, want int
	}{
		{"depth default", l.NeighborDepth, 0, 1},
		{"depth within", l.NeighborDepth, 2, 2},
		{"depth above max", l.NeighborDepth, 9, l.MaxDepth},
		{"depth negative", l.NeighborDepth, -2, 1},
		{"neighbors default", l.NeighborLimit, 0, l.DefaultNeighbors},
		{"neighbors within", l.NeighborLimit, 7, 7},
		{"neighbors above max", l.NeighborLimit, 1_000_000, l.MaxNeighbors},
		{"neighbors negative", l.NeighborLimit, -1, 1},
		{"search default", l.SearchSize, 0, l.DefaultSearch},
		{"search within", l.SearchSize, 7, 7},
		{"search above max", l.SearchSize, 1000, l.MaxSearch},
		{"search negative", l.SearchSize, -5, 1},
	}
	for _, tt := range tests {
		if got := tt.clamp(tt.asked); got != tt.want {
			t.Errorf("%s: asked %d, got %d, want %d", tt.name, tt.asked, got, tt.want)
		}
	}
}

func TestLimitsPathHops(t *testing.T) {
	l := DefaultLimits()
	low := Limits{MaxHops: 4}.OrDefaults() // a default above the maximum
	tests := []struct {
		name        string
		l           Limits
		asked, want int
		clamped     bool
	}{
		{"default", l, 0, l.DefaultHops, false},
		{"within", l, 3, 3, false},
		{"at max", l, l.MaxHops, l.MaxHops, false},
		{"above max", l, 99, l.MaxHops, true},
		{"negative", l, -1, 1, false},
		{"default above max", low, 0, 4, true},
	}
	for _, tt := range tests {
		got, clamped := tt.l.PathHops(tt.asked)
		if got != tt.want || clamped != tt.clamped {
			t.Errorf("%s: asked %d, got %d (clamped %v), want %d (clamped %v)", tt.name, tt.asked, got, clamped, tt.want, tt.clamped)
		}
	}
}
