package server

import (
	"testing"

	"github.com/redthread-dev/redthread/server/gql/generated"
)

// TestEveryMutationRequiresARole walks the schema: a mutation without
// @requires would run for any signed-in principal, a viewer included.
func TestEveryMutationRequiresARole(t *testing.T) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	if schema.Mutation == nil || len(schema.Mutation.Fields) == 0 {
		t.Fatal("the schema has no mutations")
	}
	for _, f := range schema.Mutation.Fields {
		if f.Directives.ForName("requires") == nil {
			t.Errorf("mutation %s has no @requires(role, scope)", f.Name)
		}
	}
}
