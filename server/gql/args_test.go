package gql

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func ptr[T any](v T) *T { return &v }

func TestClamping(t *testing.T) {
	l := graph.DefaultLimits()
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"search default", SearchSize(l, nil), l.DefaultSearch},
		{"search within", SearchSize(l, ptr(7)), 7},
		{"search above max", SearchSize(l, ptr(1000)), l.MaxSearch},
		{"search zero", SearchSize(l, ptr(0)), 1},
		{"search negative", SearchSize(l, ptr(-5)), 1},
		{"depth default", NeighborDepth(l, nil), 1},
		{"depth above max", NeighborDepth(l, ptr(9)), l.MaxDepth},
		{"neighbors default", NeighborLimit(l, nil), l.DefaultNeighbors},
		{"neighbors above max", NeighborLimit(l, ptr(1_000_000)), l.MaxNeighbors},
		{"hops default", PathHops(l, nil), l.DefaultHops},
		{"hops above max", PathHops(l, ptr(99)), l.MaxHops},
		{"hops zero", PathHops(l, ptr(0)), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestNodeID(t *testing.T) {
	tests := []struct {
		in, want string
		invalid  bool
	}{
		{in: "threat_group:lazarus-group", want: "threat_group:lazarus-group"},
		{in: "wallet:ETH:0x098B716B8Aaf21512996dC57EB0615e2383E2f96", want: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		{in: "identifier:email:Someone@Example.com", want: "identifier:email:someone@example.com"},
		{in: "lazarus", invalid: true},
		{in: "spaceship:x", invalid: true},
		{in: "wallet:", invalid: true},
		{in: "wallet:eth:0x123", invalid: true},
		{in: "", invalid: true},
	}
	for _, tt := range tests {
		got, err := nodeID(tt.in)
		switch {
		case tt.invalid:
			if graph.ErrorCode(err) != graph.CodeInvalid {
				t.Errorf("nodeID(%q) = %q, %v; want INVALID_ARGUMENT", tt.in, got, err)
			}
		case err != nil || got != tt.want:
			t.Errorf("nodeID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestEdgeID(t *testing.T) {
	tests := []struct {
		in, want string
		invalid  bool
	}{
		{in: "person:kim>USES>identifier:email:a@b.com", want: "person:kim>USES>identifier:email:a@b.com"},
		{in: "wallet:ETH:0x098B716B8Aaf21512996dC57EB0615e2383E2f96>TRANSFER>person:x#0xab:1",
			want: "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96>TRANSFER>person:x#0xab:1"},
		{in: "person:kim>LIKES>person:lee", invalid: true},
		{in: "person:kim>USES", invalid: true},
		{in: "person:kim>USES>person:lee>USES>person:x", invalid: true},
		{in: "nobody>USES>person:lee", invalid: true},
	}
	for _, tt := range tests {
		got, err := edgeID(tt.in)
		switch {
		case tt.invalid:
			if graph.ErrorCode(err) != graph.CodeInvalid {
				t.Errorf("edgeID(%q) = %q, %v; want INVALID_ARGUMENT", tt.in, got, err)
			}
		case err != nil || got != tt.want:
			t.Errorf("edgeID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
