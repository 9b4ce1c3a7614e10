package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1) // 1..100 ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", []time.Duration{ms(7)}, 99, ms(7)},
		{"p50 of 1..100", hundred, 50, ms(50)},
		{"p99 of 1..100", hundred, 99, ms(99)},
		{"p100 is the max", hundred, 100, ms(100)},
		{"p50 of two is the lower", []time.Duration{ms(1), ms(9)}, 50, ms(1)},
		{"p99 of ten is the max", []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
		{"tiny p is the min", []time.Duration{ms(3), ms(4)}, 0.001, ms(3)},
	}
	for _, tt := range tests {
		if got := percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: percentile(%v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

func TestRecorderSummaries(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	for i := 1; i <= 98; i++ {
		a.add(result{op: opNode, status: 200, latency: ms(i)})
	}
	b.add(result{op: opNode, status: 429, latency: ms(1)})
	b.add(result{op: opNode, status: 200, codes: []string{"TIMEOUT"}, latency: ms(10_000)})
	b.add(result{op: opHeavy, status: 503, latency: ms(2)})
	b.add(result{op: opHeavy, status: 0, codes: []string{"TRANSPORT"}, latency: ms(3)})
	b.add(result{op: opSearch, status: 500, codes: []string{"INTERNAL", "NO_CODE"}, latency: ms(5)})
	a.merge(b)

	rows := a.summarize(slices.Concat(mixOps, []string{opHeavy}), 10*time.Second)
	var names []string
	for _, r := range rows {
		names = append(names, r.op)
	}
	if want := []string{opSearch, opNode, opHeavy, "all but heavy"}; !slices.Equal(names, want) {
		t.Fatalf("rows %v, want %v", names, want)
	}
	node := rows[1]
	if node.n != 100 || node.ok != 98 || node.rate != 10 {
		t.Errorf("node: n %d ok %d rate %v; want 100, 98, 10/s", node.n, node.ok, node.rate)
	}
	if node.p50 != ms(49) || node.p99 != ms(98) || node.max != ms(10_000) || node.okP99 != ms(98) {
		t.Errorf("node latencies p50 %v p99 %v max %v ok p99 %v", node.p50, node.p99, node.max, node.okP99)
	}
	if node.classes[class200] != 99 || node.classes[class429] != 1 || node.codes["TIMEOUT"] != 1 {
		t.Errorf("node classes %v codes %v", node.classes, node.codes)
	}
	heavy := rows[2]
	if heavy.classes[class503] != 1 || heavy.classes[classOther] != 1 || heavy.ok != 0 || heavy.hasOK {
		t.Errorf("heavy: %+v", heavy)
	}
	all := rows[3]
	if all.n != 101 || all.codes["INTERNAL"] != 1 || all.classes[class503] != 0 {
		t.Errorf("the total counts the heavy queries or misses others: %+v", all)
	}
	if got := formatCodes(all.codes); got != "INTERNAL×1, NO_CODE×1, TIMEOUT×1" {
		t.Errorf("formatCodes = %q", got)
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"data", 200, `{"data":{"node":{"id":"x"}}}`, nil},
		{"a label that says errors", 200, `{"data":{"node":{"label":"\"errors\" ltd"}}}`, nil},
		{"coded", 200, `{"errors":[{"message":"m","extensions":{"code":"TIMEOUT"}},{"message":"n"}],"data":null}`, []string{"NO_CODE", "TIMEOUT"}},
		{"one per answer", 200, `{"errors":[{"extensions":{"code":"TIMEOUT"}},{"extensions":{"code":"TIMEOUT"}}],"data":null}`, []string{"TIMEOUT"}},
		{"rejection with a code", 429, `{"errors":[{"message":"busy","extensions":{"code":"RATE_LIMITED"}}]}`, []string{"RATE_LIMITED"}},
		{"plain-text rejection", 503, "server busy\n", nil},
		{"truncated answer", 200, `{"data":{"node":`, []string{"BAD_JSON"}},
	}
	for _, tt := range tests {
		if got := errorCodes(tt.status, []byte(tt.body)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: errorCodes = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "2": 2 * time.Second, " 1 ": time.Second, "-1": 0, "Wed, 21 Oct 2015 07:28:00 GMT": 0} {
		if got := retryAfter(in); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseRuns(t *testing.T) {
	tests := []struct {
		in      string
		want    []runSpec
		wantErr bool
	}{
		{"50,200,200+5", []runSpec{{50, 0}, {200, 0}, {200, 5}}, false},
		{" 50 + 2 ", []runSpec{{50, 2}}, false},
		{"0+3", []runSpec{{0, 3}}, false},
		{"", nil, true},
		{"0", nil, true},
		{"50+", nil, true},
		{"a", nil, true},
		{"-1", nil, true},
	}
	for _, tt := range tests {
		got, err := parseRuns(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("parseRuns(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if s := (runSpec{200, 5}).String(); !strings.Contains(s, "200 clients + 5 heavy") {
		t.Errorf("String = %q", s)
	}
}
