package cli

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/redthread-dev/redthread/server"
)

// debugFlag adds --debug-addr to a command's flags: where the debug
// listener (runtime vars and pprof) answers; empty keeps it off.
func (m Main) debugFlag(fs *flag.FlagSet) *string {
	return fs.String("debug-addr", "",
		"listen address of the debug listener: /debug/vars (goroutines, rss_bytes, memstats) and /debug/pprof/; a bare :PORT listens on loopback; empty: off")
}

// startDebug serves server.DebugHandler on addr, apart from the public
// listener, until the returned stop is called. An empty addr serves nothing.
func (m Main) startDebug(ctx context.Context, addr string, logger *slog.Logger) (stop func(), err error) {
	return m.startSide(ctx, addr, sideListener{
		flag: "--debug-addr", name: "debug", path: "/debug/vars", handler: server.DebugHandler(),
		// Long enough for a 60 s CPU profile or trace (pprof refuses longer).
		writeTimeout: 2 * time.Minute,
		exposed:      "the debug listener is reachable from other hosts: it shows memory and profiles",
	}, logger)
}
