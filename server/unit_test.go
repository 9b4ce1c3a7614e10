package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/redthread-dev/redthread/graph"
)

func TestSelectionDepth(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		type Query { node: N }
		type N { id: ID! next: N }
	`})
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"one field", `{ node { id } }`, 2},
		{"nested", `{ node { next { next { id } } } }`, 4},
		{"deepest branch wins", `{ node { id next { id } } node2: node { id } }`, 3},
		{"fragment adds no level", `{ node { ...F } } fragment F on N { next { id } }`, 3},
		{"inline fragment adds no level", `{ node { ... on N { next { id } } } }`, 3},
		{"introspection is ignored", `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } node { id } }`, 2},
		{"stops past the limit", `{ node { next { next { next { next { next { id } } } } } } }`, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQueryWithRules(schema, tt.query, nil) // nil: the default rules
			if errs != nil {
				t.Fatal(errs)
			}
			if got := selectionDepth(doc.Operations[0].SelectionSet, 4); got != tt.want {
				t.Errorf("depth = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestErrorPresenter(t *testing.T) {
	secret := errors.New("open /var/lib/redthread/db: permission denied")
	validation := gqlerror.Errorf("Cannot query field \"nope\" on type \"Query\".")
	validation.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"domain error keeps code and message", graph.Errorf(graph.CodeInvalid, "bad id"), "INVALID_ARGUMENT", "bad id"},
		{"wrapped domain error", fmt.Errorf("node x: %w", graph.WrapError(graph.CodeUnavailable, secret, "store unavailable")), "UNAVAILABLE", "store unavailable"},
		{"internal cause is hidden", fmt.Errorf("search: %w", secret), "INTERNAL", "internal error"},
		{"deadline", fmt.Errorf("stats: %w", context.DeadlineExceeded), "TIMEOUT", graph.ErrorMessage(context.DeadlineExceeded)},
		{"deadline inside an internal store error", graph.WrapError(graph.CodeInternal, context.DeadlineExceeded, "bolt: tx failed"), "TIMEOUT", graph.ErrorMessage(context.DeadlineExceeded)},
		{"resolver error wrapped by gqlgen", gqlerror.WrapPath(ast.Path{ast.PathName("node")}, graph.Errorf(graph.CodeInvalid, "bad id")), "INVALID_ARGUMENT", "bad id"},
		{"gqlgen validation error passes through", validation, "GRAPHQL_VALIDATION_FAILED", validation.Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			present := errorPresenter(slog.New(slog.NewTextHandler(&logs, nil)))
			got := present(graphql.WithPathContext(t.Context(), graphql.NewPathWithField("node")), tt.err)
			if got.Extensions["code"] != tt.wantCode || got.Message != tt.wantMsg {
				t.Errorf("presented %q %v, want %q code %s", got.Message, got.Extensions, tt.wantMsg, tt.wantCode)
			}
			if strings.Contains(got.Error(), "permission denied") {
				t.Errorf("presented error leaks its cause: %q", got.Error())
			}
			if (tt.wantCode == "INTERNAL" || tt.wantCode == "UNAVAILABLE") != strings.Contains(logs.String(), "graphql error") {
				t.Errorf("logged %q for code %s; want internal errors logged, and only those", logs.String(), tt.wantCode)
			}
		})
	}
}

func TestUIHandler(t *testing.T) {
	assets := fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>Redthread</title>")},
		"assets/index-3f2a1.js": {Data: []byte("console.log(1)")},
		"favicon.svg":           {Data: []byte("<svg/>")},
	}
	tests := []struct {
		name       string
		assets     fstest.MapFS
		built      bool
		method     string
		path       string
		wantStatus int
		wantBody   string
		wantCache  string
	}{
		{"not built", nil, false, "GET", "/", 503, uiNotBuilt, ""},
		{"not built, any path", nil, false, "GET", "/case/42", 503, uiNotBuilt, ""},
		{"index", assets, true, "GET", "/", 200, "<title>Redthread</title>", "no-cache"},
		{"index by name", assets, true, "GET", "/index.html", 200, "<title>Redthread</title>", "no-cache"},
		{"SPA route falls back to index", assets, true, "GET", "/case/42/wallet:eth:0xab", 200, "<title>Redthread</title>", "no-cache"},
		{"SPA route with a dot falls back to index", assets, true, "GET", "/node/identifier:email:a@b.com", 200, "<title>Redthread</title>", "no-cache"},
		{"hashed asset cached long", assets, true, "GET", "/assets/index-3f2a1.js", 200, "console.log(1)", "public, max-age=31536000, immutable"},
		{"other file revalidated", assets, true, "GET", "/favicon.svg", 200, "<svg/>", "no-cache"},
		{"missing asset is 404, not HTML", assets, true, "GET", "/assets/index-old.js", 404, "404 page not found", ""},
		{"POST refused", assets, true, "POST", "/", 405, "method not allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := uiHandler(tt.assets, tt.built)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, rec.Code, body, tt.wantStatus, tt.wantBody)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); tt.built && (!strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'")) {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}
}

// TestRejectedStatus: an operation refused before it runs (here by the
// shape guard) answers 400 under application/graphql-response+json and
// 200 under legacy application/json, as GraphQL over HTTP says; the
// transport chooses, for every refusal.
func TestRejectedStatus(t *testing.T) {
	refused := `{"query":"{` + strings.Repeat("a:__typename ", 17) + `}"}`
	tests := []struct {
		name   string
		accept string
		body   string
		want   int
	}{
		{"refused, graphql-response+json", graphqlResponseJSON, refused, http.StatusBadRequest},
		{"refused, legacy application/json keeps 200", "application/json", refused, http.StatusOK},
		{"accepted", graphqlResponseJSON, `{"query":"{__typename}"}`, http.StatusOK},
	}
	h := New(nil, WithTestAuth(t, DefaultConfig()), nil).Handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/graphql", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", tt.accept)
			req.Header.Set("Authorization", "Bearer "+TestAdminToken)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Errorf("status = %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
		})
	}
}
