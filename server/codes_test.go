package server_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// TestErrorCodesDeclared: the codes the server can answer (graph.Codes) are
// exactly the values of the schema's ErrorCode enum, which clients read and
// which gqlgen generates model.AllErrorCode from; and the web client's
// ErrorCode lists them all.
func TestErrorCodesDeclared(t *testing.T) {
	var server, schema []string
	for _, c := range graph.Codes() {
		server = append(server, string(c))
	}
	for _, c := range model.AllErrorCode {
		schema = append(schema, string(c))
	}
	for _, c := range server {
		if !slices.Contains(schema, c) {
			t.Errorf("graph.Codes() has %s, schema.graphqls's enum ErrorCode has not (add it there and run make generate)", c)
		}
	}
	for _, c := range schema {
		if !slices.Contains(server, c) {
			t.Errorf("schema.graphqls's enum ErrorCode has %s, graph.Codes() has not", c)
		}
	}

	api, err := os.ReadFile("../web/src/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, errorCodeType, _ := strings.Cut(string(api), "export type ErrorCode")
	errorCodeType, _, _ = strings.Cut(errorCodeType, ";")
	for _, c := range server {
		if !strings.Contains(errorCodeType, `"`+c+`"`) {
			t.Errorf("%s is not in web/src/api.ts's ErrorCode", c)
		}
	}
}
