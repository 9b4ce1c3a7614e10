package server_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
)

// countingStore is a real store that counts the investigation views
// opened on it: one per engine call.
type countingStore struct {
	investigate.Store
	opened atomic.Int32
}

func (s *countingStore) Topology(ctx context.Context) (investigate.Topology, func(), error) {
	s.opened.Add(1)
	return s.Store.Topology(ctx)
}

// TestRiskBatched: the risk of every node of a list is one engine call,
// and each flag comes with its reason and path whatever the client has.
func TestRiskBatched(t *testing.T) {
	st := &countingStore{Store: demoServer(t)}
	ts := start(t, st, server.DefaultConfig())
	loot := "wallet:eth:0xcd8ca24f4c7cae2b7e7c2804bce4d9f6ac37403f"
	mixerPool := "wallet:eth:0x722fe2d5766d8a2dd7c6adabbeb2b1d2599dba53"
	ids := []string{loot, mixerPool, "threat_group:lazarus-group", "service:coincheck", "incident:coincheck-theft"}
	res := query(t, ts, `query($ids: [ID!]!) { nodes(ids: $ids) { id risk { flags { kind reason category via nodes edges } truncated reason } } }`,
		map[string]any{"ids": ids})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if n := st.opened.Load(); n != 1 {
		t.Errorf("%d engine calls for %d nodes, want 1", n, len(ids))
	}
	var d struct {
		Nodes []struct {
			ID   string
			Risk struct {
				Flags []struct {
					Kind, Reason, Via string
					Category          *string
					Nodes, Edges      []string
				}
				Truncated bool
			}
		}
	}
	mustDecode(t, res.Data, &d)
	kinds := map[string][]string{}
	for _, n := range d.Nodes {
		for _, f := range n.Risk.Flags {
			kinds[n.ID] = append(kinds[n.ID], f.Kind+" "+f.Reason)
			if len(f.Edges) != len(f.Nodes)-1 || f.Nodes[0] != n.ID {
				t.Errorf("%s: path %v edges %v", n.ID, f.Nodes, f.Edges)
			}
		}
	}
	want := map[string][]string{
		loot: {"ATTRIBUTED received the loot of Coincheck theft, which is attributed to Lazarus Group",
			"STOLEN_FUNDS received the loot of Coincheck theft"},
		mixerPool:                    {"SERVICE controlled by Mixer (illustrative) (mixer)"}, // its transfers within the mixer are no exposure
		"incident:coincheck-theft":   {"ATTRIBUTED attributed to Lazarus Group"},
		"threat_group:lazarus-group": {"ATTRIBUTED is the threat group Lazarus Group"},
		"service:coincheck":          {"SERVICE is a service (exchange)"},
	}
	for _, id := range ids {
		if got := kinds[id]; len(got) != len(want[id]) || (len(got) > 0 && !equalStrings(got, want[id])) {
			t.Errorf("%s:\n got %q\nwant %q", id, got, want[id])
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
