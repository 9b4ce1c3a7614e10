package cli

import "testing"

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1048576", 1 << 20, true},
		{"1GiB", 1 << 30, true},
		{"1 GiB", 1 << 30, true},
		{"1g", 1 << 30, true},
		{"500MB", 500e6, true},
		{"1.5KiB", 1536, true},
		{"64k", 64 << 10, true},
		{"12b", 12, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1 parsec", 0, false},
		{"1e30", 0, false},
	}
	for _, tt := range tests {
		var b byteSize
		err := b.Set(tt.in)
		if (err == nil) != tt.ok || tt.ok && int64(b) != tt.want {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %v", tt.in, b, err, tt.want, tt.ok)
		}
	}
	if s := byteSize(1 << 30); s.String() != "1 GiB" {
		t.Errorf("String() = %q", s.String())
	}
}
