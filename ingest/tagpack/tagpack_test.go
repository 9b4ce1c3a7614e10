package tagpack_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/tagpack"
)

const fixtureActors = "testdata/actors.actorpack.yaml"

// TestGolden reads every fixture with the fixture ActorPack, except
// noactorpack-*.yaml, read without one.
func TestGolden(t *testing.T) {
	actors, err := tagpack.ReadActorsFile(fixtureActors)
	if err != nil {
		t.Fatal(err)
	}
	if actors.Len() != 5 {
		t.Fatalf("fixture ActorPack has %d actors, want 5", actors.Len())
	}
	ingesttest.Golden(t, "testdata/*.yaml", func(t *testing.T, name string, data []byte) []byte {
		a := actors
		if strings.HasPrefix(name, "noactorpack-") {
			a = nil
		}
		return ingesttest.Render(t, tagpack.NewReader(bytes.NewReader(data), name, a))
	})
}

// TestActorKinds pins the category table (see FORMAT.md).
func TestActorKinds(t *testing.T) {
	data := `actors:
- {id: lazarusgroup, label: Lazarus Group, categories: [phishing, ransomware, sanction, service_hack]}
- {id: chatex, label: Chatex, categories: [service, defi, exchange, sanction]}
- {id: hydramarket, label: Hydra Market, categories: [dark_web, market]}
- {id: tornado, label: Tornado Cash, categories: [organization, mixing_service]}
- {id: lockbit, label: LockBit, categories: [ransomware]}
- {id: acme, label: Acme, categories: [organization]}
- {id: bare, label: Bare, categories: []}
`
	want := []string{"threat_group:lazarus-group", "service:chatex", "service:hydra-market", "service:tornado-cash",
		"threat_group:lockbit", "organization:acme", "organization:bare"}
	r := tagpack.NewReader(strings.NewReader(data), "a.yaml", nil)
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.Node.ID)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("actors\n got %v\nwant %v", got, want)
	}
}

func TestConfidenceLevels(t *testing.T) {
	for level, want := range map[string]int{"ownership": 100, "authority_data": 60, "service_data": 50, "forensic": 50, "web_crawl": 20, "heuristic": 10, "unknown": 5, "": 5, "75": 75} {
		data := "title: x\ncreator: y\ncurrency: BTC\nconfidence: '" + level + "'\ntags:\n- address: 1MMJ2tWfzYZ2WBFL8hRsDMu2nyMe2m5Ake\n"
		rec, err := tagpack.NewReader(strings.NewReader(data), "c.yaml", nil).Next()
		if err != nil {
			t.Fatalf("%q: %v", level, err)
		}
		if got := rec.Node.Sources[0].Confidence; got != want {
			t.Errorf("confidence %q → %d, want %d", level, got, want)
		}
	}
}

// FuzzParse: the reader never panics, ends, and yields only valid records
// or positioned rejections.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	actors, err := tagpack.ReadActorsFile(fixtureActors)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := tagpack.NewReader(bytes.NewReader(data), "fuzz.yaml", actors)
		for i := 0; ; i++ {
			if i > 4*len(data)+4 {
				t.Fatal("more results than the input allows")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != "fuzz.yaml" || re.Err == nil {
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
