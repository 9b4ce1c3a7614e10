package cli

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/server/admission"
)

// serverLimits are the serve flags that protect the server from hostile
// requests and from crowds: who may call it (Host names), how much runs at
// once, how long a write may stall, how large a request body may be and
// how much memory the process aims at.
type serverLimits struct {
	allowedHosts *string
	heavy        *int
	perClient    *int
	writeStall   *time.Duration
	maxBody      byteSize
	memory       byteSize
}

func (m Main) serverLimitFlags(fs *flag.FlagSet) *serverLimits {
	l := &serverLimits{
		allowedHosts: fs.String("allowed-hosts", strings.Join(server.DefaultAllowedHosts(), ","),
			"comma-separated Host names the server answers to (\"*.example.org\" for subdomains, \"*\" for any); others get 421, against DNS rebinding"),
		heavy:      fs.Int("heavy-queries", 0, "path, flow and cluster queries running at once (default: half the cores, at least 1); more wait briefly, then get 503"),
		perClient:  fs.Int("per-client", 0, "requests one client address may have in flight (default 16); more get 429"),
		writeStall: fs.Duration("write-stall", server.DefaultConfig().WriteStall, "longest a write may wait on a client that does not read before the connection is closed"),
		memory:     byteSize(1 << 30),
	}
	l.maxBody = byteSize(server.DefaultMaxBodyBytes)
	fs.Var(&l.maxBody, "max-body-bytes", "largest GraphQL request body, variables included (and each JSON part of an upload), such as 10MiB; 16KiB to 32MiB; larger ones get 413")
	fs.Var(&l.memory, "memory-limit", "the Go runtime's soft memory limit, such as 1GiB; ignored when GOMEMLIMIT is set; 0 for none")
	return l
}

// apply sets cfg's limits and the process's soft memory limit.
func (l *serverLimits) apply(cfg *server.Config) error {
	cfg.AllowedHosts = nil
	for h := range strings.SplitSeq(*l.allowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.AllowedHosts = append(cfg.AllowedHosts, h)
		}
	}
	if len(cfg.AllowedHosts) == 0 {
		return usageErrorf("--allowed-hosts: give at least one host name, or * for any")
	}
	if *l.heavy < 0 || *l.perClient < 0 {
		return usageErrorf("--heavy-queries and --per-client cannot be negative")
	}
	cfg.Admission = admission.DefaultConfig(runtime.GOMAXPROCS(0))
	if *l.heavy > 0 {
		cfg.Admission.Lanes[admission.Heavy].Running = *l.heavy
	}
	if *l.perClient > 0 {
		cfg.Admission.PerClient = *l.perClient
	}
	if *l.writeStall <= 0 {
		return usageErrorf("--write-stall must be positive")
	}
	cfg.WriteStall = *l.writeStall
	cfg.MaxBodyBytes = int64(l.maxBody)
	// The runtime collects harder as the heap nears the limit, so memory
	// freed by a large answer is reused rather than added to.
	if os.Getenv("GOMEMLIMIT") == "" && l.memory > 0 {
		if l.memory < 64<<20 {
			return usageErrorf("--memory-limit %s: at least 64MiB", fmt.Sprint(int64(l.memory)))
		}
		debug.SetMemoryLimit(int64(l.memory))
	}
	return nil
}
