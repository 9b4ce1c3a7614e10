package personas_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/personas"
)

// readAll returns every record and rejection of data.
func readAll(t testing.TB, name string, data []byte) ([]ingest.Record, []*ingest.RecordError) {
	t.Helper()
	return ingesttest.ReadAll(t, personas.NewReader(bytes.NewReader(data), name))
}

// render writes what a reader yields, one line per record or rejection.
func render(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	return ingesttest.Render(t, personas.NewReader(bytes.NewReader(data), name))
}

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.csv", render)
}

// TestErrors pins the message of each kind of rejection: file, line,
// column and reason.
func TestErrors(t *testing.T) {
	const header = "type,persona,name,country,city,identifier,currency,address,organization,amount,date,owner,owner_type,relation,group,confidence,marking\n"
	tests := []struct{ name, row, want string }{
		{"identifier type", "identifier,p,,,,mail:x@example.com,,,,,,,,,,,", `f.csv:2: field "identifier": identifier key "mail:x@example.com" must be TYPE:value with TYPE one of email, phone, handle, ip, domain, photohash, url`},
		{"eip55", "wallet,p,,,,,ETH,0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed,,,,,,,,,", `f.csv:2: field "address": ETH address: EVM address "0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed" fails its EIP-55 checksum`},
		{"token chain", "wallet,p,,,,,USDC,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,,,,,,,,,", `f.csv:2: field "address": cannot tell the chain of USDC address "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"`},
		{"amount", `payment,p,,,,,USD,,Acme,"4,500",2022-05-01,,,,,,`, `f.csv:2: field "amount": "4,500" is not a number ≥ 0 (write 4500, not 4,500)`},
		{"negative", `payment,p,,,,,USD,,Acme,-1,2022-05-01,,,,,,`, `f.csv:2: field "amount": "-1" is not a number ≥ 0 (write 4500, not 4,500)`},
		{"fiat address", "payment,p,,,,,usd,0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed,Acme,1,2022-05-01,,,,,,", `f.csv:2: field "address": a USD payment is off-chain: it has no wallet address`},
		{"payment date", "payment,p,,,,,USD,,Acme,1,,,,,,,", `f.csv:2: field "date": missing: payment rows need it`},
		{"unused column", "identifier,p,Kenji,,,email:x@example.com,,,,,,,,,,,", `f.csv:2: field "name": not used by identifier rows`},
		{"city without country", "employer,p,,,Tokyo,,,,Acme,,,,,,,,", `f.csv:2: field "country": missing: a city needs its country (ISO 3166-1 alpha-2)`},
		{"country code", "location,p,,Japan,,,,,,,,,,,,,", `f.csv:2: field "country": "Japan" is not an ISO 3166-1 alpha-2 code (JP, LA, CN...)`},
		{"location country", "location,p,,,,,,,,,,,,,,,", `f.csv:2: field "country": missing: location rows need it`},
		{"owner type", "front,,,,,,,,Mekong,,,Ri,human,,,,", `f.csv:2: field "owner_type": "human": want organization or person`},
		{"relation", "front,,,,,,,,Mekong,,,Ri,,runs,,,", `f.csv:2: field "relation": "runs": want owns or directs`},
		{"front owner", "front,,,,,,,,Mekong,,,,,,,,", `f.csv:2: field "owner": missing: front rows need it`},
		{"no persona", "identifier,,,,,email:x@example.com,,,,,,,,,,,", `f.csv:2: field "persona": missing: identifier rows need it`},
		{"bad persona", "identifier,---,,,,email:x@example.com,,,,,,,,,,,", `f.csv:2: field "persona": key "---" has no letters or digits`},
		{"group", "attribution,p,,,,,,,,,,,,,,,", `f.csv:2: field "group": missing: attribution rows need it`},
		{"date", "persona,p,,,,,,,,,2022-13-01,,,,,,", `f.csv:2: field "date": "2022-13-01" is neither a date (YYYY-MM-DD) nor an RFC 3339 time`},
		{"confidence", "persona,p,,,,,,,,,,,,,,101,", `f.csv:2: field "confidence": want an integer 0–100, got "101"`},
		{"marking", "persona,p,,,,,,,,,,,,,,,TLP:WHITE", `f.csv:2: field "marking": "TLP:WHITE" is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)`},
		{"type", "member,p,,,,,,,,,,,,,,,", `f.csv:2: field "type": "member": want one of persona, identifier, wallet, employer, payment, front, location, attribution`},
		{"no type", ",p,,,,,,,,,,,,,,,", `f.csv:2: field "type": missing: want one of persona, identifier, wallet, employer, payment, front, location, attribution`},
		{"cells", "persona,p", `f.csv:2: the row has a different number of cells than the header (17)`},
		{"quote", `persona,p"x,,,,,,,,,,,,,,,`, `f.csv:2: column 10: bare " in non-quoted-field`},
		{"multi-line cell", "persona,p,\"Kenji\nSato\",,,,,,,,,,,,,,TLP:WHITE", `f.csv:3: field "marking": "TLP:WHITE" is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := readAll(t, "f.csv", []byte(header+tt.row+"\npersona,q,,,,,,,,,,,,,,,\n"))
			if len(errs) != 1 {
				t.Fatalf("rejections %v, want one", errs)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			// The reader goes on after a bad row.
			if len(recs) == 0 || recs[len(recs)-1].Node == nil || recs[len(recs)-1].Node.ID != "person:q" {
				t.Errorf("the row after the bad one was not read: %v", recs)
			}
		})
	}
}

// TestIllustrative: the illustrative column marks the sources of what its
// row makes; false or empty marks none; anything else rejects the row.
func TestIllustrative(t *testing.T) {
	const header = "type,persona,identifier,illustrative\n"
	tests := []struct {
		cell string
		want bool
	}{{"true", true}, {"TRUE", true}, {"false", false}, {"", false}}
	for _, tt := range tests {
		recs, errs := readAll(t, "f.csv", []byte(header+"identifier,p,email:x@example.com,"+tt.cell+"\n"))
		if len(errs) != 0 || len(recs) == 0 {
			t.Fatalf("%q: records %v, rejections %v", tt.cell, recs, errs)
		}
		for _, r := range recs {
			var ss []graph.Source
			if r.Node != nil {
				ss = r.Node.Sources
			} else {
				ss = r.Edge.Sources
			}
			if len(ss) != 1 || ss[0].Illustrative != tt.want {
				t.Errorf("%q: sources %+v, want illustrative %v", tt.cell, ss, tt.want)
			}
		}
	}
	_, errs := readAll(t, "f.csv", []byte(header+"identifier,p,email:x@example.com,yes\n"))
	if len(errs) != 1 || errs[0].Error() != `f.csv:2: field "illustrative": "yes": want true, false or empty` {
		t.Errorf("rejections %v", errs)
	}
}

func TestHeader(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown", "type,persona,colour\npersona,a,red\n", `f.csv:1: field "colour": header: unknown column (see FORMAT.md for the columns)`},
		{"twice", "type,Persona,persona\npersona,a,b\n", `f.csv:1: field "persona": header: column named twice`},
		{"no type", "# comment\npersona,name\na,b\n", `f.csv:2: field "type": header: missing column; every row says what it states`},
		{"empty name", "type,,persona\npersona,,a\n", `f.csv:1: header: column 2 has no name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := readAll(t, "f.csv", []byte(tt.in))
			if len(recs) != 0 || len(errs) != 1 || errs[0].Error() != tt.want {
				t.Fatalf("got %d records, rejections %v; want only %s", len(recs), errs, tt.want)
			}
		})
	}
}

// TestSharedIdentifiers reads two personas with one email written in two
// cases: one identifier node, two USES edges.
func TestSharedIdentifiers(t *testing.T) {
	in := "\xef\xbb\xbfType,Persona,Identifier\r\npersona,a,\r\npersona,b,\r\nidentifier,a,email:Dev@Example.com\r\nidentifier,b,email:dev@example.com\r\n"
	recs, errs := readAll(t, "f.csv", []byte(in))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	nodes, uses := map[string]int{}, map[string]string{}
	for _, r := range recs {
		if r.Node != nil {
			nodes[r.Node.ID]++
		} else if r.Edge.Kind == graph.EdgeUses {
			uses[r.Edge.From] = r.Edge.To
		}
	}
	const id = "identifier:email:dev@example.com"
	if nodes[id] != 2 || uses["person:a"] != id || uses["person:b"] != id {
		t.Errorf("nodes %v, uses %v", nodes, uses)
	}
}

func fixtures(t *testing.T) []ingest.Source {
	t.Helper()
	var srcs []ingest.Source
	for _, f := range []string{"testdata/valid.csv", "testdata/crlf.csv"} {
		srcs = append(srcs, personas.File(f))
	}
	return srcs
}

// TestStore ingests the fixtures into the embedded store: the shared email
// is one node used by two personas, nothing dangles, and a second run
// changes nothing.
func TestStore(t *testing.T) {
	ctx := context.Background()
	store := ingesttest.OpenStore(t)
	res := ingesttest.Load(t, store, ingest.Options{JobID: "first"}, fixtures(t)...)
	if res.Rejected != 0 {
		t.Fatalf("rejected %d: %v", res.Rejected, res.Report)
	}
	if res.Nodes.Created == 0 || res.Edges.Created == 0 {
		t.Fatalf("nothing created: %+v", res)
	}

	const email = "identifier:email:appdev.studio@example.com"
	nodes, err := store.Nodes(ctx, []string{email})
	if err != nil || len(nodes) != 1 || nodes[0] == nil {
		t.Fatalf("Nodes(%s) = %v, %v", email, nodes, err)
	}
	for _, p := range []string{"person:persona-a", "person:persona-b"} {
		id := graph.EdgeID(graph.EdgeUses, p, email, "")
		e, err := store.Edge(ctx, id)
		if err != nil {
			t.Fatalf("Edge(%s): %v", id, err)
		}
		if e.Sources[0].Job != "first" {
			t.Errorf("%s: job %q", id, e.Sources[0].Job)
		}
	}

	again := ingesttest.Load(t, store, ingest.Options{JobID: "second"}, fixtures(t)...)
	if again.Rejected != 0 || ingesttest.Changed(again) != 0 {
		t.Errorf("second run changed the store: nodes %+v, edges %+v, rejected %d", again.Nodes, again.Edges, again.Rejected)
	}
	if again.Nodes.Unchanged != res.Nodes.Total() || again.Edges.Unchanged != res.Edges.Total() {
		t.Errorf("second run: %+v / %+v unchanged, first wrote %+v / %+v", again.Nodes, again.Edges, res.Nodes, res.Edges)
	}
}

func FuzzPersonas(f *testing.F) {
	for _, p := range []string{"testdata/valid.csv", "testdata/malformed.csv", "testdata/crlf.csv"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("type,persona,identifier\nidentifier,a,\"email:x@y.z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, errs := readAll(t, "fuzz.csv", data)
		for _, re := range errs {
			if re.Pos.File != "fuzz.csv" || re.Err == nil {
				t.Errorf("rejection without position or reason: %#v", re)
			}
		}
		for _, r := range recs {
			switch {
			case r.Node != nil:
				n := *r.Node
				if err := graph.PrepareNode(&n); err != nil {
					t.Errorf("record %s fails PrepareNode: %v", r.Node.ID, err)
				}
			case r.Edge != nil:
				e := *r.Edge
				if err := graph.PrepareEdge(&e); err != nil || e.ID != r.Edge.ID {
					t.Errorf("record %s fails PrepareEdge: %v (id %s)", r.Edge.ID, err, e.ID)
				}
			default:
				t.Errorf("empty record at %s", r.Pos)
			}
		}
	})
}
