package cli

import (
	"context"
	"log/slog"
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
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", srv.MetricsHandler())
	return m.startSide(ctx, addr, sideListener{
		flag: "--metrics-addr", name: "metrics", path: "/metrics", handler: mux, writeTimeout: 30 * time.Second,
		exposed: "the metrics listener is reachable from other hosts without credentials",
	}, logger)
}
