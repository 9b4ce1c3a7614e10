package main

import "testing"

func TestShellJoin(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"-queries", "-n", "50"}, "-queries -n 50"},
		{[]string{"-title", "Ingest and open, 5 M"}, "-title 'Ingest and open, 5 M'"},
		{[]string{"-title", "it's"}, `-title 'it'\''s'`},
		{[]string{""}, "''"},
	}
	for _, tt := range tests {
		if got := shellJoin(tt.in); got != tt.want {
			t.Errorf("shellJoin(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
