package investigate

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestDesignation(t *testing.T) {
	dprk := graph.Props{"programs": []any{"DPRK3"}}
	for _, tt := range []struct {
		name  string
		n     *graph.Node
		label string
		want  string
	}{
		{"no node", nil, "OFAC SDN #1", "OFAC SDN #1"},
		{"no programs", &graph.Node{}, "OFAC SDN #1", "OFAC SDN #1"},
		{"numbered label", &graph.Node{Props: dprk}, "OFAC SDN #27307", "OFAC SDN #27307 (DPRK3)"},
		{"label that names them", &graph.Node{Props: dprk}, "OFAC SDN: LAZARUS GROUP (DPRK3)", "OFAC SDN: LAZARUS GROUP (DPRK3)"},
		{"two programs", &graph.Node{Props: graph.Props{"programs": []string{"CYBER2", "DPRK3"}}}, "OFAC SDN: X", "OFAC SDN: X (CYBER2, DPRK3)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := designation(tt.n, tt.label); got != tt.want {
				t.Errorf("designation = %q, want %q", got, tt.want)
			}
		})
	}
}
