package graph_test

import (
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestIllustrative(t *testing.T) {
	mitre, synth := graph.Source{Dataset: "mitre"}, graph.Source{Dataset: "synthetic", Illustrative: true}
	tests := []struct {
		name       string
		ss         []graph.Source
		anyOf, all bool
	}{
		{"none", nil, false, false},
		{"real", []graph.Source{mitre}, false, false},
		{"real with a generated fact", []graph.Source{mitre, synth}, true, false},
		{"synthetic", []graph.Source{synth, synth}, true, true},
	}
	for _, tt := range tests {
		anyOf, all := graph.Illustrative(tt.ss)
		if anyOf != tt.anyOf || all != tt.all {
			t.Errorf("%s: got any %v all %v, want %v %v", tt.name, anyOf, all, tt.anyOf, tt.all)
		}
	}
}
