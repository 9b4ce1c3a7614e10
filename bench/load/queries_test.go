package main

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestQueriesValidate fails when the schema changes under the load's
// documents: a load that sends refused queries measures nothing.
func TestQueriesValidate(t *testing.T) {
	sdl, err := os.ReadFile("../../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(sdl)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	for name, q := range map[string]string{
		"stats": statsQuery, "search": searchQuery, "node": nodeQuery, "neighbors": neighborsQuery,
		"path": pathQuery, "flow": flowQuery, "heavyFlow": heavyFlowQuery, "cluster": clusterQuery, "case": caseQuery,
	} {
		if _, errs := gqlparser.LoadQueryWithRules(schema, q, nil); errs != nil {
			t.Errorf("%s: %v", name, errs)
		}
	}
}
