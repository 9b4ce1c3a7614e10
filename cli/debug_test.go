package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"testing"
)

func TestDebugListenAddr(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{":6060", "127.0.0.1:6060", false},
		{"127.0.0.1:0", "127.0.0.1:0", false},
		{"0.0.0.0:6060", "0.0.0.0:6060", false},
		{"[::1]:6060", "[::1]:6060", false},
		{"6060", "", true},
	}
	for _, tt := range tests {
		got, err := debugListenAddr(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("debugListenAddr(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStartDebug(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	t.Run("off", func(t *testing.T) {
		var out bytes.Buffer
		stop, err := Main{Stdout: &out}.startDebug(context.Background(), "", logger)
		if err != nil {
			t.Fatal(err)
		}
		stop()
		if out.Len() > 0 {
			t.Errorf("printed %q with the listener off", out.String())
		}
	})
	t.Run("on", func(t *testing.T) {
		var out bytes.Buffer
		stop, err := Main{Stdout: &out}.startDebug(context.Background(), ":0", logger)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`debug listener on (http://127\.0\.0\.1:\d+/debug/vars)`).FindStringSubmatch(out.String())
		if m == nil {
			stop()
			t.Fatalf("no loopback address printed: %q", out.String())
		}
		res, err := http.Get(m[1])
		if err != nil {
			stop()
			t.Fatal(err)
		}
		var vars struct{ Goroutines int }
		err = json.NewDecoder(res.Body).Decode(&vars)
		res.Body.Close()
		if err != nil || vars.Goroutines < 1 {
			t.Errorf("vars: %+v, %v", vars, err)
		}
		stop()
		if res, err := http.Get(m[1]); err == nil {
			res.Body.Close()
			t.Errorf("still answering after stop: %d", res.StatusCode)
		}
	})
	t.Run("bad address", func(t *testing.T) {
		if _, err := (Main{Stdout: &bytes.Buffer{}}).startDebug(context.Background(), "nope", logger); err == nil {
			t.Error("no error")
		}
	})
}
