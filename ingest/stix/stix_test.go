package stix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/stix"
)

const realFile = "../../../shared/data/mitre-attack/dprk-enterprise-attack-v18.1.json"

// render writes what a reader yields, one line per record or rejection,
// then the skip counts.
func render(t testing.TB, r *stix.Reader) []byte {
	t.Helper()
	out := bytes.NewBuffer(ingesttest.Render(t, r))
	skipped := r.Skipped()
	for _, k := range slices.Sorted(mapsKeys(skipped)) {
		fmt.Fprintf(out, "skipped %d: %s\n", skipped[k], k)
	}
	return out.Bytes()
}

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.json", func(t *testing.T, name string, data []byte) []byte {
		return render(t, stix.NewReader(bytes.NewReader(data), name))
	})
}

func readAll(t *testing.T, r *stix.Reader) (map[string]*graph.Node, map[string]*graph.Edge, []*ingest.RecordError) {
	t.Helper()
	nodes, edges := map[string]*graph.Node{}, map[string]*graph.Edge{}
	var rejects []*ingest.RecordError
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return nodes, edges, rejects
		}
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			rejects = append(rejects, re)
		case err != nil:
			t.Fatal(err)
		case rec.Node != nil:
			nodes[rec.Node.ID] = rec.Node
		default:
			edges[rec.Edge.ID] = rec.Edge
		}
	}
}

// TestRealFile reads the ATT&CK cut whole and checks the mapping against
// counts taken from the file itself.
func TestRealFile(t *testing.T) {
	data, err := os.ReadFile(realFile)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Objects []struct {
			Type    string `json:"type"`
			Revoked bool   `json:"revoked"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, o := range bundle.Objects {
		want[o.Type]++
		if o.Revoked {
			want["revoked"]++
		}
	}
	r := stix.NewReader(bytes.NewReader(data), realFile)
	nodes, edges, rejects := readAll(t, r)
	for _, re := range rejects {
		t.Errorf("rejected: %v", re)
	}
	skipped := r.Skipped()
	t.Logf("%s: %d nodes, %d edges, %d rejected, skipped %v", filepath.Base(realFile), len(nodes), len(edges), len(rejects), skipped)
	groups, campaigns := 0, 0
	for _, n := range nodes {
		switch n.Kind {
		case graph.KindThreatGroup:
			groups++
		case graph.KindIncident:
			campaigns++
		}
	}
	if groups != want["intrusion-set"]-want["revoked"] || campaigns != want["campaign"] {
		t.Errorf("%d groups, %d campaigns; want %d and %d", groups, campaigns, want["intrusion-set"]-want["revoked"], want["campaign"])
	}
	folded := 0
	for k, v := range skipped {
		if strings.HasPrefix(k, "uses of") || strings.HasPrefix(k, "revoked-by") {
			folded += v
		}
	}
	if folded+len(edges) != want["relationship"] {
		t.Errorf("%d edges + %d folded relationships, want all %d relationships", len(edges), folded, want["relationship"])
	}
	laz := nodes["threat_group:lazarus-group"]
	if laz == nil {
		t.Fatal("no threat_group:lazarus-group")
	}
	if laz.Sources[0].URL != "https://attack.mitre.org/groups/G0032" || laz.Sources[0].Dataset != "stix:dprk-enterprise-attack-v18.1.json" ||
		laz.Sources[0].Confidence != 50 || laz.Marking != graph.TLPClear || laz.Props["mitreId"] != "G0032" {
		t.Errorf("Lazarus Group = %+v", laz)
	}
	if !slices.Contains(laz.Aliases, "HIDDEN COBRA") {
		t.Errorf("aliases = %v", laz.Aliases)
	}
	if m, _ := laz.Props["malware"].([]string); !slices.ContainsFunc(m, func(s string) bool { return strings.HasSuffix(s, " AppleJeus") }) {
		t.Errorf("Lazarus malware = %v, want AppleJeus among them", m)
	}
	if e := edges["incident:operation-dream-job>ATTRIBUTED_TO>threat_group:lazarus-group"]; e == nil {
		t.Errorf("Operation Dream Job is not attributed to Lazarus Group: edges %v", slices.Collect(mapsKeysE(edges)))
	}
	if k := nodes["threat_group:kimsuky"]; k == nil || !slices.Contains(k.Aliases, "Stolen Pencil") {
		t.Errorf("Kimsuky = %+v, want the revoked Stolen Pencil as an alias", k)
	}
}

func mapsKeysE(m map[string]*graph.Edge) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestMarkings pins how object_marking_refs become TLP markings.
func TestMarkings(t *testing.T) {
	data, err := os.ReadFile("testdata/stix21-tlp.json")
	if err != nil {
		t.Fatal(err)
	}
	nodes, edges, _ := readAll(t, stix.NewReader(bytes.NewReader(data), "stix21-tlp.json"))
	for _, tt := range []struct {
		id   string
		want graph.Marking
	}{
		{"threat_group:lazarus-group", graph.TLPAmber},                // STIX 2.0-style tlp definition, defined after use
		{"identifier:domain:blockchain-jobs.example", graph.TLPGreen}, // TLP 2.0 predefined id
		{"identifier:email:recruiter@example.com", graph.TLPRed},
		{"wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", graph.TLPClear},
	} {
		n := nodes[tt.id]
		if n == nil {
			t.Errorf("%s missing", tt.id)
			continue
		}
		if n.Marking != tt.want || n.Sources[0].Marking != tt.want {
			t.Errorf("%s marking = %s, want %s", tt.id, n.Marking, tt.want)
		}
	}
	e := edges["identifier:domain:blockchain-jobs.example>ATTRIBUTED_TO>threat_group:lazarus-group#indicates"]
	if e == nil || e.Marking != graph.TLPGreen {
		t.Errorf("indicates edge = %+v", e)
	}
	if e := edges["threat_group:lazarus-group>USES>identifier:email:recruiter@example.com"]; e == nil || e.Marking != graph.TLPAmber {
		t.Errorf("uses edge = %+v", e)
	}
	if e := edges["wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96>ATTRIBUTED_TO>threat_group:lazarus-group"]; e == nil || e.Confidence != 85 {
		t.Errorf("wallet attribution = %+v", e)
	}
}

// FuzzParse: the reader never panics, ends, and yields only valid records
// or positioned rejections.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		// Large seeds make the fuzzer crawl; the ATT&CK excerpt is seeded
		// as single objects in a bundle instead.
		if len(data) < 8<<10 {
			f.Add(data)
			continue
		}
		var b struct{ Objects []json.RawMessage }
		if err := json.Unmarshal(data, &b); err != nil {
			f.Fatal(err)
		}
		for _, o := range b.Objects {
			if len(o) < 4<<10 {
				f.Add([]byte(`{"type":"bundle","objects":[` + string(o) + `]}`))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := stix.NewReader(bytes.NewReader(data), "fuzz.json")
		limit := 4*bytes.Count(data, []byte("{")) + 4
		for i := 0; ; i++ {
			if i > limit {
				t.Fatal("more results than objects allow")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != "fuzz.json" || re.Err == nil {
					t.Fatalf("badly positioned rejection: %+v", re)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			ingesttest.CheckRecord(t, rec)
		}
	})
}
