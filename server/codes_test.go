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
// generated ErrorCode, which api.ts's ErrorCode is built on, lists them all.
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

	generated, err := os.ReadFile("../web/src/gql/enums.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, webCodes, ok := strings.Cut(string(generated), "export const ErrorCode = {")
	webCodes, _, _ = strings.Cut(webCodes, "}")
	if !ok {
		t.Fatal("web/src/gql/enums.ts declares no ErrorCode: run make generate")
	}
	for _, c := range server {
		if !strings.Contains(webCodes, "'"+c+"'") {
			t.Errorf("%s is not in web/src/gql/enums.ts's ErrorCode: run make generate", c)
		}
	}
	api, err := os.ReadFile("../web/src/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, errorCodeType, _ := strings.Cut(string(api), "export type ErrorCode =")
	errorCodeType, _, _ = strings.Cut(errorCodeType, ";")
	if !strings.Contains(string(api), `import type { ErrorCode as SchemaErrorCode } from "./gql/enums";`) ||
		!strings.Contains(errorCodeType, "| SchemaErrorCode") {
		t.Error("web/src/api.ts's ErrorCode is not built on the generated ErrorCode (./gql/enums)")
	}
}
