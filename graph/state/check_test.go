package state

import (
	"errors"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

func TestChecks(t *testing.T) {
	const secret = "token-hash-5f1c"
	tests := []struct {
		name string
		err  error
		arg  string // "" when the arguments are fine
	}{
		{"fine", CheckPut("users", "ada", []byte("v"), Absent), ""},
		{"longest name", CheckName("log", strings.Repeat("a", MaxCollection)), ""},
		{"name chars", CheckName("log", "audit_log-2"), ""},
		{"name too long", CheckName("log", strings.Repeat("a", MaxCollection+1)), "log"},
		{"name upper", CheckName("collection", "Users"), "collection"},
		{"name dot", CheckName("collection", "a.b"), "collection"},
		{"key too long", CheckGet("users", secret+strings.Repeat("k", MaxKey)), "key"},
		{"key NUL", CheckGet("users", secret+"\x00"), "key"},
		{"key bad UTF-8", CheckGet("users", secret+"\xc3"), "key"},
		{"delete absent", CheckDelete("users", secret, Absent), "expected version"},
		{"put below any", CheckPut("users", secret, nil, -5), "expected version"},
		{"value", CheckAppend("audit", make([]byte, MaxValue+1)), "value"},
		{"read after", func() error { _, err := CheckRead("audit", -1, 1); return err }(), "after"},
		{"list prefix", func() error { _, err := CheckList("users", secret+"\x00", "", 1); return err }(), "prefix"},
	}
	for _, tt := range tests {
		if tt.arg == "" {
			if tt.err != nil {
				t.Errorf("%s: %v", tt.name, tt.err)
			}
			continue
		}
		msg := graph.ErrorMessage(tt.err)
		if !errors.Is(tt.err, ErrInvalid) || graph.ErrorCode(tt.err) != graph.CodeInvalid || !strings.HasPrefix(msg, "state: "+tt.arg) {
			t.Errorf("%s: %v (code %s), want INVALID_ARGUMENT naming %q", tt.name, tt.err, graph.ErrorCode(tt.err), tt.arg)
		}
		if strings.Contains(msg, secret) {
			t.Errorf("%s: the message %q repeats the key", tt.name, msg)
		}
	}
}

func TestClampLimit(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{-1, 1}, {0, 1}, {1, 1}, {500, 500}, {MaxList, MaxList}, {MaxList + 1, MaxList}} {
		if got := ClampLimit(tt.in); got != tt.want {
			t.Errorf("ClampLimit(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		have, expect Version
		ok           bool
	}{
		{Absent, Absent, true}, {Absent, AnyVersion, true}, {3, AnyVersion, true}, {3, 3, true},
		{3, Absent, false}, {3, 2, false}, {Absent, 1, false},
	}
	for _, tt := range tests {
		err := Decide("cases", tt.have, tt.expect)
		if (err == nil) != tt.ok || err != nil && (!errors.Is(err, ErrConflict) || graph.ErrorCode(err) != graph.CodeConflict) {
			t.Errorf("Decide(have %d, expect %d) = %v", tt.have, tt.expect, err)
		}
	}
}
