package stix

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/ingest"
)

// TestSkipObject: an object over the reader's bound is rejected and passed
// over, wherever it is and whatever its strings hold, and the reader goes
// on with the next object and the rest of the bundle.
func TestSkipObject(t *testing.T) {
	obj := func(n int, desc string) string {
		return fmt.Sprintf(`{"type":"intrusion-set","id":"intrusion-set--%08d-0000-4000-8000-000000000000","name":"APT %d","description":%q}`, n, n, desc)
	}
	big := obj(2, strings.Repeat(`a "quoted" \ }]{[ `, 200))
	nested := `{"type":"x-big","id":"x-big--1","list":[[1,2,{"a":"` + strings.Repeat(`\\`, 500) + `"}],` + strings.Repeat(`"]}",`, 300) + `3]}`
	// Groups are held to the end of the bundle (they gather what they use).
	tests := []struct {
		name, bundle string
		want         []string
	}{
		{"between two", `{"type":"bundle","id":"bundle--1","objects":[` + obj(1, "a") + ",\n" + big + " ,\n" + obj(3, "c") + `]}`,
			[]string{"reject 2: the object is larger than 1 KiB, the limit: skipped", "node 1 threat_group:apt-1", "node 3 threat_group:apt-3"}},
		{"first", `{"objects":[` + big + "," + obj(3, "c") + `],"type":"bundle","id":"bundle--1"}`,
			[]string{"reject 1: the object is larger than 1 KiB, the limit: skipped", "node 2 threat_group:apt-3"}},
		{"last, keys after", `{"type":"bundle","objects":[` + obj(1, "a") + "," + big + "\n]\n,\"spec_version\":\"2.1\"}",
			[]string{"reject 2: the object is larger than 1 KiB, the limit: skipped", "node 1 threat_group:apt-1"}},
		{"nested, two in a row", `{"type":"bundle","objects":[` + nested + "," + big + "," + obj(3, "c") + `]}`,
			[]string{"reject 1: the object is larger than 1 KiB, the limit: skipped", "reject 2: the object is larger than 1 KiB, the limit: skipped", "node 3 threat_group:apt-3"}},
		{"cut short", `{"type":"bundle","objects":[` + obj(1, "a") + "," + big[:len(big)-40],
			[]string{"reject 2: the object is larger than 1 KiB, the limit: skipped", "reject 2: invalid JSON in or after the object over the limit; rest of the file skipped", "node 1 threat_group:apt-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReader(strings.NewReader(tt.bundle), "b.json", 1<<10)
			var got []string
			for {
				rec, err := r.Next()
				var re *ingest.RecordError
				switch {
				case err == io.EOF:
				case errors.As(err, &re):
					got = append(got, fmt.Sprintf("reject %d: %s", re.Pos.Line, re.Reason()))
					continue
				case err != nil:
					t.Fatal(err)
				default:
					got = append(got, fmt.Sprintf("node %d %s", rec.Pos.Line, rec.Node.ID))
					continue
				}
				break
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// FuzzSkipObject: with a tiny bound, so that objects are skipped, the
// reader never panics nor loops, and what it yields is valid.
func FuzzSkipObject(f *testing.F) {
	f.Add(`{"type":"bundle","objects":[{"type":"intrusion-set","id":"intrusion-set--1","name":"A"},{"type":"x","d":"\"]}"},{"type":"intrusion-set","id":"intrusion-set--2","name":"B"}]}`)
	f.Add(`{"objects":[{"a":[[[]]]}, "x", 3, {"type":"identity","id":"identity--1","name":"C"}]}`)
	f.Fuzz(func(t *testing.T, bundle string) {
		r := newReader(strings.NewReader(bundle), "f.json", 48)
		for i := 0; ; i++ {
			if i > 10*len(bundle)+100 {
				t.Fatal("no end")
			}
			rec, err := r.Next()
			var re *ingest.RecordError
			if err == io.EOF {
				return
			}
			if errors.As(err, &re) {
				continue
			}
			if err != nil {
				return // a read error ends the source
			}
			if rec.Node == nil && rec.Edge == nil {
				t.Fatal("empty record")
			}
		}
	})
}
