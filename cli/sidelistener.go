package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// sideListener is a listener apart from the public one (debug, metrics):
// what it serves, how it is named in messages and how long a write may take.
type sideListener struct {
	flag, name   string // "--debug-addr", "debug"
	path         string // printed after the address, e.g. "/debug/vars"
	handler      http.Handler
	writeTimeout time.Duration
	// exposed is the warning logged when it listens beyond loopback.
	exposed string
}

// start serves l on addr until the returned stop is called; an empty addr
// serves nothing. A bare :PORT listens on loopback.
func (m Main) startSide(ctx context.Context, addr string, l sideListener, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	addr, err = debugListenAddr(addr)
	if err != nil {
		return nil, usageErrorf("%s: %v", l.flag, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener on %s: %w", l.name, addr, err)
	}
	srv := &http.Server{
		Handler:           l.handler,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		logger.Warn(l.exposed, "addr", ln.Addr().String())
	}
	// Scripts and tests (bench/load, e2e) read this line to find the port
	// when addr ends in :0.
	fmt.Fprintf(m.Stdout, "redthread: %s listener on http://%s%s\n", l.name, ln.Addr(), l.path)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(l.name+" listener stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// debugListenAddr puts a host-less address (":6060") on loopback: a side
// listener is opened to other hosts only when they are named.
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
