package cli

import (
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/server/admission"
)

func TestServerLimitFlags(t *testing.T) {
	def := admission.DefaultConfig(runtime.GOMAXPROCS(0))
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, cfg server.Config)
	}{
		{name: "defaults keep every lane's queue", check: func(t *testing.T, cfg server.Config) {
			if cfg.Admission.Lanes != def.Lanes || cfg.Admission.PerClient != def.PerClient {
				t.Errorf("admission = %+v, want the defaults %+v", cfg.Admission, def)
			}
			if strings.Join(cfg.AllowedHosts, ",") != "localhost,127.0.0.1,::1" {
				t.Errorf("allowed hosts = %q", cfg.AllowedHosts)
			}
		}},
		{name: "heavy and per-client set only those", args: []string{"--heavy-queries", "3", "--per-client", "4"}, check: func(t *testing.T, cfg server.Config) {
			h := cfg.Admission.Lanes[admission.Heavy]
			if h.Running != 3 || h.Queue != def.Lanes[admission.Heavy].Queue || cfg.Admission.PerClient != 4 {
				t.Errorf("heavy lane %+v, per client %d", h, cfg.Admission.PerClient)
			}
			if cfg.Admission.Lanes[admission.Cheap] != def.Lanes[admission.Cheap] {
				t.Errorf("cheap lane changed: %+v", cfg.Admission.Lanes[admission.Cheap])
			}
		}},
		{name: "hosts from the environment", env: map[string]string{"REDTHREAD_ALLOWED_HOSTS": "redthread.example.org, *.agency.example"}, check: func(t *testing.T, cfg server.Config) {
			if strings.Join(cfg.AllowedHosts, ",") != "redthread.example.org,*.agency.example" {
				t.Errorf("allowed hosts = %q", cfg.AllowedHosts)
			}
		}},
		{name: "body limit by default fits a case view", check: func(t *testing.T, cfg server.Config) {
			if cfg.MaxBodyBytes != server.DefaultMaxBodyBytes || cfg.MaxBodyBytes < 10<<20 {
				t.Errorf("max body bytes = %d, want %d", cfg.MaxBodyBytes, server.DefaultMaxBodyBytes)
			}
		}},
		{name: "body limit set", args: []string{"--max-body-bytes", "2MiB"}, check: func(t *testing.T, cfg server.Config) {
			if cfg.MaxBodyBytes != 2<<20 || cfg.Validate() != nil {
				t.Errorf("max body bytes = %d (%v), want 2 MiB", cfg.MaxBodyBytes, cfg.Validate())
			}
		}},
		{name: "body limit out of range", args: []string{"--max-body-bytes", "1GiB"}, check: func(t *testing.T, cfg server.Config) {
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--max-body-bytes") {
				t.Errorf("1 GiB body limit: Validate = %v, want an error naming the flag", err)
			}
		}},
		{name: "body limit not a size", args: []string{"--max-body-bytes", "lots"}, wantErr: "want a size"},
		{name: "no hosts", args: []string{"--allowed-hosts", " , "}, wantErr: "at least one host"},
		{name: "negative heavy", args: []string{"--heavy-queries", "-1"}, wantErr: "cannot be negative"},
		{name: "zero write stall", args: []string{"--write-stall", "0s"}, wantErr: "must be positive"},
		{name: "bad memory limit", env: map[string]string{"REDTHREAD_MEMORY_LIMIT": "lots"}, wantErr: "REDTHREAD_MEMORY_LIMIT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A flag that does not parse is reported on stderr (exit 2).
			var stderr strings.Builder
			m := Main{Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return tt.env[k] }}
			fs := m.newFlagSet("serve")
			l := m.serverLimitFlags(fs)
			err := m.parse(fs, tt.args)
			{
				if err == nil {
					cfg := server.DefaultConfig()
					// No memory limit here: the test must not change the
					// test binary's runtime settings.
					l.memory = 0
					err = l.apply(&cfg)
					if err == nil && tt.check != nil {
						tt.check(t, cfg)
					}
				}
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error()+stderr.String(), tt.wantErr)) {
				t.Fatalf("err = %v (stderr %q), want %q", err, stderr.String(), tt.wantErr)
			}
		})
	}
}
