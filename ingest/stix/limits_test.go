package stix_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/stix"
)

func group(n int, name, description string) string {
	return fmt.Sprintf(`{"type":"intrusion-set","id":"intrusion-set--%08d-0000-4000-8000-000000000000","name":%q,"description":%q,"created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z"}`, n, name, description)
}

// TestHugeValues: a description of megabytes rejects its object, with its
// position and an excerpt-free reason, and is not stored; an object past
// the reader's bound is passed over unread. The other objects load.
func TestHugeValues(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		line    int
		field   string
		reason  string
		stored  []string // node IDs loaded
		missing []string // node IDs not loaded
	}{
		{"over the value limit", 4 << 20, 2, "props.description", "the value is 4 MiB (4194304 bytes), over the limit of 64 KiB",
			[]string{"threat_group:apt-a", "threat_group:apt-c"}, []string{"threat_group:apt-b"}},
		{"over the reader's bound", ingest.MaxRecordBytes + 1<<20, 2, "", "the object is larger than 16 MiB, the limit: skipped",
			[]string{"threat_group:apt-a", "threat_group:apt-c"}, []string{"threat_group:apt-b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundle := `{"type":"bundle","id":"bundle--1","objects":[` + group(1, "APT A", "short") + "," +
				group(2, "APT B", strings.Repeat("d", tt.size)) + "," + group(3, "APT C", "short") + "]}"
			store := ingesttest.OpenStore(t)
			res := ingesttest.Load(t, store, ingest.Options{JobID: "j"}, stix.Bytes("b.json", []byte(bundle)))
			if res.Rejected != 1 {
				t.Fatalf("rejected %d: %v", res.Rejected, res.Report)
			}
			r := res.Report[0]
			if r.Pos.Line != tt.line || r.Field != tt.field || r.Code() != graph.CodeLimit || !strings.Contains(r.Reason(), tt.reason) || len(r.Error()) > 300 {
				t.Errorf("rejection %s (code %s), want line %d, field %q: %s", ingest.Excerpt(r.Error(), 500), r.Code(), tt.line, tt.field, tt.reason)
			}
			nodes, err := store.Nodes(context.Background(), append(tt.stored, tt.missing...))
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range nodes {
				if stored := i < len(tt.stored); (n != nil) != stored {
					t.Errorf("node %d stored: %v, want %v", i, n != nil, stored)
				}
			}
		})
	}
}
