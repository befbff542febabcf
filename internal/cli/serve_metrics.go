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

// ecouterMetriques serves /metrics alone on addr (segur serve
// --metrics-addr), an internal listener apart from the portal's; "" serves
// nothing. It returns the function that stops it, or the exit code of an
// address refused or that it cannot listen on.
func ecouterMetriques(e *env, log *slog.Logger, addr string, metrics http.Handler) (stop func(), code int) {
	if addr == "" {
		return func() {}, exitOK
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		fmt.Fprintf(e.stderr, "segur serve : --metrics-addr « %s » : attendu hôte:port, par exemple 127.0.0.1:9100\n", addr)
		return nil, exitUsage
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "segur serve : impossible d'écouter sur %s (--metrics-addr) : %s\n", addr, pourquoiEcoute(err))
		return nil, exitService
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(e.stderr, "Métriques sur http://%s/metrics\n", ln.Addr())
	log.Info("serving metrics", "addr", ln.Addr().String())
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve metrics", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-fin
	}, exitOK
}
