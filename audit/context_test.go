package audit

import (
	"context"
	"testing"

	"github.com/redthread-dev/redthread/identity"
)

func TestEvent(t *testing.T) {
	tests := []struct {
		name string
		p    *identity.Principal
		want Entry
	}{
		{"session", &identity.Principal{Agency: "fiu", Email: "ana@fiu.example", Via: identity.ViaSession},
			Entry{Agency: "fiu", Actor: "ana@fiu.example"}},
		{"token", &identity.Principal{Agency: "fiu", Email: "ana@fiu.example", Via: identity.ViaToken, TokenID: "abc"},
			Entry{Agency: "fiu", Actor: "ana@fiu.example", Detail: "via token abc"}},
		{"bootstrap", &identity.Principal{Agency: "local", Via: identity.ViaBootstrap, DeploymentAdmin: true},
			Entry{Agency: "local", Actor: "admin-token"}},
		{"nobody", nil, Entry{Agency: "local", Actor: "system"}},
	}
	for _, tt := range tests {
		ctx := WithAddr(context.Background(), "198.51.100.4")
		if tt.p != nil {
			ctx = identity.WithPrincipal(ctx, *tt.p)
		}
		got := Event(ctx, "case.view", "c1")
		tt.want.Action, tt.want.Target, tt.want.Outcome, tt.want.Addr = "case.view", "c1", OK, "198.51.100.4"
		if got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
