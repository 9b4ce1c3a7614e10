package storetest

import (
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// checkCauses checks that a truncation gives one known cause per reason,
// so that every store's answer carries its causes for programs.
func checkCauses(t *testing.T, tr investigate.Truncation) {
	t.Helper()
	if len(tr.Causes) != len(tr.Reasons) {
		t.Errorf("causes %v for reasons %q: want one each", tr.Causes, tr.Reasons)
	}
	for _, c := range tr.Causes {
		if !slices.Contains(graph.Causes(), c) {
			t.Errorf("cause %q is not a known one (reasons %q)", c, tr.Reasons)
		}
	}
}
