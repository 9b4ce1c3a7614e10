package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
	if addr == "" {
		return func() {}, nil
	}
	addr, err = debugListenAddr(addr)
	if err != nil {
		return nil, usageErrorf("--debug-addr: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           server.DebugHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Long enough for a 60 s CPU profile or trace (pprof refuses longer).
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		logger.Warn("the debug listener is reachable from other hosts: it shows memory and profiles", "addr", ln.Addr().String())
	}
	// Scripts (bench/load) read this line to find the port when addr ends in :0.
	fmt.Fprintf(m.Stdout, "redthread: debug listener on http://%s/debug/vars\n", ln.Addr())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("debug listener stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// debugListenAddr puts a host-less address (":6060") on loopback: the
// debug listener is opened to other hosts only when they are named.
func debugListenAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("want HOST:PORT: %w", err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
