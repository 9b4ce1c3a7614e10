package state

import (
	"strings"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
)

// The checks below are shared by every backend, so that both reject the
// same arguments with the same messages. Their errors are *graph.Error
// with code INVALID_ARGUMENT wrapping ErrInvalid; the message names the
// argument and never repeats a key or a value (a key may be a token's
// hash), only a collection or log name, which callers choose in code.

// CheckName checks a collection or log name: 1 to MaxCollection bytes of
// a-z, 0-9, '_' and '-'. arg names the argument in the error.
func CheckName(arg, name string) error {
	if name == "" || len(name) > MaxCollection {
		return invalid("state: %s: want 1 to %d characters, got %d", arg, MaxCollection, len(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return invalid("state: %s %q: only a-z, 0-9, _ and - are allowed", arg, name)
		}
	}
	return nil
}

// CheckKey checks a record key: 1 to MaxKey bytes of valid UTF-8 without NUL.
func CheckKey(arg, key string) error {
	if key == "" {
		return invalid("state: %s: empty", arg)
	}
	return checkKeyText(arg, key)
}

// checkKeyText is CheckKey for text that may be empty (a prefix, a cursor).
func checkKeyText(arg, s string) error {
	switch {
	case len(s) > MaxKey:
		return invalid("state: %s: %d bytes, more than %d", arg, len(s), MaxKey)
	case !utf8.ValidString(s):
		return invalid("state: %s: not valid UTF-8", arg)
	case strings.IndexByte(s, 0) >= 0:
		return invalid("state: %s: contains NUL", arg)
	}
	return nil
}

// CheckValue checks a record or log value: at most MaxValue bytes.
func CheckValue(value []byte) error {
	if len(value) > MaxValue {
		return invalid("state: value: %d bytes, more than %d", len(value), MaxValue)
	}
	return nil
}

// CheckGet checks the arguments of Get.
func CheckGet(collection, key string) error {
	if err := CheckName("collection", collection); err != nil {
		return err
	}
	return CheckKey("key", key)
}

// CheckPut checks the arguments of Put.
func CheckPut(collection, key string, value []byte, expect Version) error {
	if err := CheckGet(collection, key); err != nil {
		return err
	}
	if expect < AnyVersion {
		return invalid("state: expected version: %d is neither a version, Absent nor AnyVersion", expect)
	}
	return CheckValue(value)
}

// CheckDelete checks the arguments of Delete.
func CheckDelete(collection, key string, expect Version) error {
	if err := CheckGet(collection, key); err != nil {
		return err
	}
	if expect < AnyVersion || expect == Absent {
		return invalid("state: expected version: %d is neither a version nor AnyVersion", expect)
	}
	return nil
}

// CheckList checks the arguments of List and returns limit clamped to
// 1..MaxList.
func CheckList(collection, prefix, after string, limit int) (int, error) {
	if err := CheckName("collection", collection); err != nil {
		return 0, err
	}
	if err := checkKeyText("prefix", prefix); err != nil {
		return 0, err
	}
	if err := checkKeyText("after", after); err != nil {
		return 0, err
	}
	return ClampLimit(limit), nil
}

// CheckAppend checks the arguments of Append.
func CheckAppend(log string, value []byte) error {
	if err := CheckName("log", log); err != nil {
		return err
	}
	return CheckValue(value)
}

// CheckRead checks the arguments of Read and returns limit clamped to
// 1..MaxList.
func CheckRead(log string, after int64, limit int) (int, error) {
	if err := CheckName("log", log); err != nil {
		return 0, err
	}
	if after < 0 {
		return 0, invalid("state: after: %d is negative", after)
	}
	return ClampLimit(limit), nil
}

// ClampLimit returns limit within 1..MaxList.
func ClampLimit(limit int) int { return min(max(limit, 1), MaxList) }

func invalid(format string, args ...any) error {
	return graph.WrapError(graph.CodeInvalid, ErrInvalid, format, args...)
}

// NotFound is the error of Get and Delete for a missing record. It names
// the collection, never the key.
func NotFound(collection string) error {
	return graph.WrapError(graph.CodeNotFound, ErrNotFound, "state: no such record in %s", collection)
}

// Conflict is the error of Put and Delete when the stored version is not
// the one expected (have is Absent when there is no record).
func Conflict(collection string, have, expect Version) error {
	if have == Absent {
		return graph.WrapError(graph.CodeConflict, ErrConflict, "state: record in %s: expected version %d, but there is none", collection, expect)
	}
	if expect == Absent {
		return graph.WrapError(graph.CodeConflict, ErrConflict, "state: record in %s exists (version %d)", collection, have)
	}
	return graph.WrapError(graph.CodeConflict, ErrConflict, "state: record in %s is at version %d, not %d", collection, have, expect)
}

// Decide is the compare-and-set rule every backend applies to a record's
// stored version have (Absent: none): nil when a Put expecting expect may
// write, else the conflict.
func Decide(collection string, have, expect Version) error {
	if expect == AnyVersion || expect == have {
		return nil
	}
	return Conflict(collection, have, expect)
}
