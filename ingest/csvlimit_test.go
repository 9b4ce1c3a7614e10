package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// csvRead renders what a CSV reader yields: "LINE: fields" per record,
// "LINE: error" per error, with lines as FieldPos or the ParseError says.
func csvRead(t testing.TB, read func() ([]string, error), pos func(int) (int, int)) []string {
	t.Helper()
	var out []string
	for i := 0; i < 1000; i++ {
		rec, err := read()
		if err == io.EOF {
			return out
		}
		var pe *csv.ParseError
		var tl *RowTooLargeError
		switch {
		case errors.As(err, &pe) && errors.As(pe.Err, &tl):
			out = append(out, fmt.Sprintf("%d-%d field %d: %v", pe.StartLine, pe.Line, tl.Field, pe.Err))
		case errors.As(err, &pe):
			out = append(out, fmt.Sprintf("%d-%d col %d: %v", pe.StartLine, pe.Line, pe.Column, pe.Err))
		case err != nil:
			t.Fatalf("read: %v", err)
		default:
			line, _ := pos(0)
			out = append(out, fmt.Sprintf("%d: %q", line, rec))
		}
	}
	t.Fatal("no end")
	return nil
}

func TestCSVReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name, in string
		comment  rune
		want     []string
	}{
		{"short records pass", "a,b\n\"c\nd\",\"e\"\"f\"\r\n\n", 0, []string{
			`1: ["a" "b"]`, `2: ["c\nd" "e\"f"]`}},
		{"long unquoted field", "a,b\nc," + long + "\ne,f\n", 0, []string{
			`1: ["a" "b"]`, `2-2 field 1: the row is 103 bytes, over the limit of 64 B`, `3: ["e" "f"]`}},
		{"long quoted field over lines", "a,b\nc,\"" + strings.Repeat("x\n", 50) + "\"\ne,f\n", 0, []string{
			`1: ["a" "b"]`, `2-2 field 1: the row is 105 bytes, over the limit of 64 B`, `53: ["e" "f"]`}},
		{"cut inside an escaped quote", "a,\"" + strings.Repeat(`""`, 40) + "\",b\ne,f\n", 0, []string{
			`1-1 field 1: the row is 87 bytes, over the limit of 64 B`, `2: ["e" "f"]`}},
		{"many fields", strings.Repeat(",", 200) + "\ne,f\n", 0, []string{
			`1-1 field 64: the row is 201 bytes, over the limit of 64 B`, `2: ["e" "f"]`}},
		{"long last record without newline", "a,b\n" + long, 0, []string{
			`1: ["a" "b"]`, `2-2 field 0: the row is 100 bytes, over the limit of 64 B`}},
		{"long comment skipped", "#" + long + "\n#\"\na,b\n", '#', []string{`3: ["a" "b"]`}},
		{"malformed stays malformed", "a\"b,c\nd,e\n\"x\"y,z\nf,g\n", 0, []string{
			`1-1 col 2: bare " in non-quoted-field`, `2: ["d" "e"]`, `3-3 col 3: extraneous or missing " in quoted-field`, `4: ["f" "g"]`}},
		{"two cuts, lines kept", "\"" + strings.Repeat("\n", 70) + "\"\n\"" + strings.Repeat("\n", 70) + "\"\na,b\n", 0, []string{
			`1-1 field 0: the row is 73 bytes, over the limit of 64 B`, `72-72 field 0: the row is 73 bytes, over the limit of 64 B`, `143: ["a" "b"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCSVReader(strings.NewReader(tt.in), 64)
			c.FieldsPerRecord = -1
			c.Comment = tt.comment
			got := csvRead(t, c.Read, c.FieldPos)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCSVReaderSmallReads feeds the input a byte at a time: the scanner's
// state crosses reads.
func TestCSVReaderSmallReads(t *testing.T) {
	in := "a,\"b\"\"\r\nc\"\r\n#x\nd," + strings.Repeat("y", 80) + "\ne,f\n"
	c := newCSVReader(oneByteReader{strings.NewReader(in)}, 64)
	c.Comment = '#'
	c.FieldsPerRecord = -1
	got := csvRead(t, c.Read, c.FieldPos)
	want := []string{`1: ["a" "b\"\nc"]`, `4-4 field 1: the row is 83 bytes, over the limit of 64 B`, `5: ["e" "f"]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// FuzzCSVReader: under the limit, CSVReader reads exactly what csv.Reader
// reads; over it, it never returns a record longer than the limit.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\nb\",c\r\n", "a\"b\n", "\"a\"b\n", "#c\n\n,,\n", "\"\"\"\"", "a,\"b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		plain := csv.NewReader(strings.NewReader(in))
		plain.FieldsPerRecord, plain.Comment = -1, '#'
		c := newCSVReader(strings.NewReader(in), len(in)+1)
		c.FieldsPerRecord, c.Comment = -1, '#'
		if want, got := csvRead(t, plain.Read, plain.FieldPos), csvRead(t, c.Read, c.FieldPos); !reflect.DeepEqual(got, want) {
			t.Fatalf("CSVReader read\n%s\ncsv.Reader\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		small := newCSVReader(strings.NewReader(in), 8)
		small.FieldsPerRecord, small.Comment = -1, '#'
		for i := 0; i < 1000; i++ {
			rec, err := small.Read()
			if err == io.EOF {
				break
			}
			if n := len(strings.Join(rec, ",")); err == nil && n > 8 {
				t.Fatalf("record of %d bytes past a limit of 8: %q", n, rec)
			}
		}
	})
}

// BenchmarkCSVReader compares CSVReader with csv.Reader on rows like
// ethereum-etl's transactions.
func BenchmarkCSVReader(b *testing.B) {
	row := `0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060,1,46147,0xa1e4380a3b1f749673e270229993ee55f35663b4,0x5df9b87991262f6ba471f09758cde1c0fc1de734,31337,"a ""quoted"" cell",1438918233` + "\n"
	data := strings.Repeat(row, 20000)
	for _, bc := range []struct {
		name string
		read func() func() ([]string, error)
	}{
		{"csv.Reader", func() func() ([]string, error) {
			c := csv.NewReader(strings.NewReader(data))
			c.ReuseRecord = true
			return c.Read
		}},
		{"CSVReader", func() func() ([]string, error) {
			c := NewCSVReader(strings.NewReader(data))
			c.ReuseRecord = true
			return c.Read
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				read := bc.read()
				for {
					if _, err := read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// cellReader streams a CSV whose second row has a cell of n bytes,
// without holding it.
type cellReader struct {
	head, tail string
	n          int64
}

func (c *cellReader) Read(p []byte) (int, error) {
	switch {
	case c.head != "":
		k := copy(p, c.head)
		c.head = c.head[k:]
		return k, nil
	case c.n > 0:
		k := min(int64(len(p)), c.n)
		for i := range p[:k] {
			p[i] = 'y'
		}
		c.n -= k
		return int(k), nil
	case c.tail != "":
		k := copy(p, c.tail)
		c.tail = c.tail[k:]
		return k, nil
	}
	return 0, io.EOF
}

// TestCSVReaderMemory: reading a cell of 256 MiB allocates a bounded
// amount, less than the cell (csv.Reader alone copies a record some five
// times: over a gigabyte here).
func TestCSVReaderMemory(t *testing.T) {
	const cell = 256 << 20
	c := NewCSVReader(&cellReader{head: "a,b\nx,", n: cell, tail: "\nz,w\n"})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := csvRead(t, c.Read, c.FieldPos)
	runtime.ReadMemStats(&after)
	want := []string{`1: ["a" "b"]`, `2-2 field 1: the row is 256.0 MiB (268435459 bytes), over the limit of 16 MiB`, `3: ["z" "w"]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 10*MaxRecordBytes {
		t.Errorf("reading allocated %s, want at most %s", FormatBytes(int64(alloc)), FormatBytes(10*MaxRecordBytes))
	} else {
		t.Logf("reading a %s cell allocated %s", FormatBytes(cell), FormatBytes(int64(alloc)))
	}
}
