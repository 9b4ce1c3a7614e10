package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redthread-dev/redthread/server"
)

// startMetrics serves the server's /metrics on a listener of its own,
// without authentication, until stop is called: for a scraper on a
// private network. A bare :PORT listens on loopback. Empty addr: none
// (/metrics on the main listener still answers the admin and metrics
// tokens).
func (m Main) startMetrics(ctx context.Context, addr string, srv *server.Server, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	addr, err = debugListenAddr(addr)
	if err != nil {
		return nil, usageErrorf("--metrics-addr: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		logger.Warn("the metrics listener is reachable from other hosts without credentials", "addr", ln.Addr().String())
	}
	// Scripts and tests read this line to find the port when addr ends in :0.
	fmt.Fprintf(m.Stdout, "redthread: metrics listener on http://%s/metrics\n", ln.Addr())
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() { _ = hs.Close() }, nil
}
