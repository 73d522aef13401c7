package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

func runServe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("serve", "serve [flags]", `
Runs leadbot: migrates the database (unless -no-migrate), then serves /healthz and /readyz on
LEADBOT_HTTP_ADDR, and runs until SIGINT or SIGTERM, when it shuts down cleanly.`)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations; refuse to start if the schema is not current")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore(ctx, !*noMigrate)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(pctx); err != nil {
			a.log.Warn("readiness check failed", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("leadbot is running", "http", "http://"+ln.Addr().String())

	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("migrate", "migrate", `
Applies every pending database migration, under an advisory lock so that replicas starting at the
same time apply each one exactly once, and exits.`)
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := a.openStore(ctx, true)
	if err == nil {
		a.log.Info("database schema is current")
	}
	return err
}
