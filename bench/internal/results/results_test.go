package results

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestProcField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpuinfo")
	body := "processor\t: 0\nmodel name\t: Test CPU @ 2.0GHz\nflags\t\t: fpu: vme\nMemTotal:       24576000 kB\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, key, want string }{
		{path, "model name", "Test CPU @ 2.0GHz"},
		{path, "flags", "fpu: vme"}, // only the first colon separates
		{path, "MemTotal", "24576000 kB"},
		{path, "model", "unknown"}, // whole keys only
		{filepath.Join(t.TempDir(), "absent"), "model name", "unknown"},
	} {
		if got := procField(tc.path, tc.key); got != tc.want {
			t.Errorf("procField(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestMachineNamesHardwareAndGo(t *testing.T) {
	h, m := Hardware(), Machine()
	if !strings.HasPrefix(m, h+", ") || !strings.HasSuffix(m, runtime.Version()) {
		t.Fatalf("Machine() = %q, want Hardware() %q then the Go version", m, h)
	}
	if !strings.Contains(h, runtime.GOOS+" ") || !strings.Contains(h, "/"+runtime.GOARCH) {
		t.Fatalf("Hardware() = %q lacks the OS and architecture", h)
	}
}
