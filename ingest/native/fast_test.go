package native

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fastCases are lines in and just outside the fast decoder's shape.
var fastCases = []string{
	`{"type":"node","kind":"WALLET","key":"eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","label":"Theft wallet","sources":[{"dataset":"case-42","record":"exhibit 7","confidence":50}]}`,
	`{"type":"edge","kind":"TRANSFER","from":"wallet:btc:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","to":"wallet:btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT","key":"ab:0","amount":1.5e-3,"asset":"BTC","time":"2022-03-23T00:00:00Z","txHash":"ab","sources":[{"dataset":"x","record":"tx/ab","confidence":50,"illustrative":true}]}`,
	` { "type" : "node" , "kind":"PERSON","key":"a","aliases":["b","c"],"confidence":-0,"marking":"TLP:AMBER","validFrom":"2020-01-01","validTo":"2021-01-01","sources":[{"dataset":"x","job":"j","retrievedAt":"2020-01-01","url":"https://x","excerpt":"e","marking":"TLP:RED","agency":"a","illustrative":false}]}`,
	`{"type":"node","kind":"PERSON","key":"a","aliases":[],"sources":[]}`,
	`{"type":"edge","kind":"TRANSFER","from":"a","to":"b","amount":0,"valueUSD":12345678901234567890,"sources":[{}]}`,
	`{}`,
	// Given up on: the decoder must say the same as encoding/json.
	`{"type":"node","kind":"PERSON","key":"a","props":{"x":1},"sources":[{"dataset":"x"}]}`,
	`{"type":"node","Kind":"PERSON","key":"a","sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","key":"b","sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x","dataset":"y"}]}`,
	`{"type":"node","kind":"PERSON","key":"a\u0062","sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"é","sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":null,"sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x"}]} x`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x"}]}{}`,
	`{"type":"node","kind":"PERSON","key":"a","confidence":"50","sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","confidence":01,"sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","confidence":1e999,"sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","confidence":1.,"sources":[{"dataset":"x"}]}`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x","illustrative":truex}]}`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x","other":1}]}`,
	`{"type":"node","kind":"PERSON","key":"a","unknown":1}`,
	`{"type":"node","kind":"PERSON","key":"a",}`,
	`{"type":"node" "kind":"PERSON"}`,
	`{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x"},]}`,
	`{"type":"node","kind":"PERSON","key":"a","aliases":["b",1]}`,
	`{"type":"node","kind":"PERSON","key":"a`,
	`[]`, `"node"`, ``, `{`,
}

// TestFastDecodeAgrees decodes every line of the test files and the cases
// above both ways: where the fast decoder takes a line, encoding/json must
// accept it and give the same recordJSON; where it gives up, nothing is
// lost (the caller decodes with encoding/json). Typical lines must take
// the fast path, or the test proves nothing.
func TestFastDecodeAgrees(t *testing.T) {
	lines := append([]string(nil), fastCases...)
	files, _ := filepath.Glob("testdata/*.jsonl")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, strings.TrimSpace(sc.Text()))
		}
	}
	fast := 0
	for _, l := range lines {
		if checkFast(t, []byte(l)) {
			fast++
		}
	}
	if fast < 8 {
		t.Fatalf("only %d of %d lines took the fast path", fast, len(lines))
	}
}

// checkFast reports whether fastDecode took line, failing t if its
// result differs from encoding/json's.
func checkFast(t *testing.T, line []byte) bool {
	t.Helper()
	var got recordJSON
	if !fastDecode(line, &got) {
		return false
	}
	var want recordJSON
	if err := decodeJSON(line, &want); err != nil {
		t.Fatalf("%s: fast path accepted a line encoding/json refuses: %v", line, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\nfast     %+v\nencoding %+v", line, got, want)
	}
	return true
}

// FuzzFastDecode: on any line, the fast decoder either gives up or agrees
// with encoding/json.
func FuzzFastDecode(f *testing.F) {
	for _, l := range fastCases {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkFast(t, line) })
}
