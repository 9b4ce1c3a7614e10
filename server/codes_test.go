package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// TestErrorCodesDocumented: every code the server can answer is named in
// the schema's header, which clients read, and in the web client's
// ErrorCode type.
func TestErrorCodesDocumented(t *testing.T) {
	schema, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(schema), "schema {")
	api, err := os.ReadFile("../web/src/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	_, errorCodeType, _ := strings.Cut(string(api), "export type ErrorCode")
	errorCodeType, _, _ = strings.Cut(errorCodeType, ";")
	for _, c := range graph.Codes() {
		if !strings.Contains(header, string(c)) {
			t.Errorf("%s is not in schema.graphqls's header", c)
		}
		if !strings.Contains(errorCodeType, `"`+string(c)+`"`) {
			t.Errorf("%s is not in web/src/api.ts's ErrorCode", c)
		}
	}
}
