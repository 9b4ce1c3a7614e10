package gql

import (
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/gql/generated"
)

// TestTruncationReasonsAreCauses: the schema's TruncationReason enum is
// exactly the causes the stores and the engine give (graph.Causes).
func TestTruncationReasonsAreCauses(t *testing.T) {
	enum := generated.NewExecutableSchema(generated.Config{}).Schema().Types["TruncationReason"]
	if enum == nil {
		t.Fatal("no TruncationReason in the schema")
	}
	var values []graph.Cause
	for _, v := range enum.EnumValues {
		values = append(values, graph.Cause(v.Name))
	}
	want := graph.Causes()
	slices.Sort(values)
	slices.Sort(want)
	if !slices.Equal(values, want) {
		t.Errorf("TruncationReason %v, want graph.Causes %v", values, want)
	}
}
