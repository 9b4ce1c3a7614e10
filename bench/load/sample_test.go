package main

import (
	"slices"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		// utime 250 and stime 50 ticks: 3 s.
		{"plain", "4242 (redthread) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 1000000 2000 18446744073709551615", 3 * time.Second, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1 1 1", 100 * time.Millisecond, false},
		{"no name", "4242 redthread S 1", 0, true},
		{"short", "1 (x) S 1 2 3", 0, true},
		{"not a number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", 0, true},
	}
	for _, tt := range tests {
		got, err := parseStatCPU(tt.stat)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: parseStatCPU = %v, %v; want %v (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseProcStatBusy(t *testing.T) {
	tests := []struct {
		line    string
		want    time.Duration
		wantErr bool
	}{
		// user 100, nice 10, system 50, idle 9000, iowait 40, irq 5, softirq 5, steal 30: 200 ticks busy.
		{"cpu  100 10 50 9000 40 5 5 30 0 0", 2 * time.Second, false},
		{"cpu0 100 10 50 9000 40 5 5 30 0 0", 0, true},
		{"cpu 1 2 3", 0, true},
		{"cpu 1 2 3 4 5 6 x 8", 0, true},
	}
	for _, tt := range tests {
		got, err := parseProcStatBusy(tt.line)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseProcStatBusy(%q) = %v, %v; want %v (error %v)", tt.line, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCurve(t *testing.T) {
	at := func(ds ...time.Duration) []sample {
		var s []sample
		for i, d := range ds {
			s = append(s, sample{at: d, goroutines: i})
		}
		return s
	}
	ats := func(s []sample) []time.Duration {
		var out []time.Duration
		for _, x := range s {
			out = append(out, x.at)
		}
		return out
	}
	sec := time.Second
	var everySecond []time.Duration
	for i := range 25 {
		everySecond = append(everySecond, time.Duration(i)*sec+10*time.Millisecond)
	}
	tests := []struct {
		name    string
		samples []sample
		want    []time.Duration
	}{
		{"empty", nil, nil},
		{"one", at(3 * sec), []time.Duration{3 * sec}},
		{"every second, 10 s periods", at(everySecond...),
			[]time.Duration{9*sec + 10*time.Millisecond, 19*sec + 10*time.Millisecond, 24*sec + 10*time.Millisecond}},
		{"a gap skips empty periods", at(1*sec, 2*sec, 35*sec, 36*sec), []time.Duration{2 * sec, 36 * sec}},
	}
	for _, tt := range tests {
		if got := ats(curve(tt.samples, 10*sec)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: curve at %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	tests := []struct {
		in   []float64
		want string
	}{
		{nil, ""},
		{[]float64{5, 5, 5}, "▁▁▁"},
		{[]float64{0, 7}, "▁█"},
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]float64{100, 150, 200}, "▁▄█"},
	}
	for _, tt := range tests {
		if got := sparkline(tt.in); got != tt.want {
			t.Errorf("sparkline(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
