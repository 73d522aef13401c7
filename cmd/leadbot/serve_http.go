package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/leadbot/leadbot/httpapi"
	"github.com/leadbot/leadbot/internal/metrics"
)

// httpTimeouts bound how long one connection may hold the server. 50 clients sending a byte
// every 5 s used to hold their connections past 60 s, unauthenticated ones too, with only the
// header timed.
type httpTimeouts struct {
	// Header: the request line and headers.
	Header time.Duration
	// Read: the whole request with its body. A webhook body is at most 5 MiB, which 30 s takes
	// at 1.4 Mbit/s; a CRM posts from a data centre.
	Read time.Duration
	// Write: from the end of the headers to the end of the answer, the handler's work included
	// (a 1,000-lead batch is written in well under a second).
	Write time.Duration
	// Idle: a keep-alive connection between requests.
	Idle time.Duration
}

// defaultTimeouts are serve's.
var defaultTimeouts = httpTimeouts{Header: 10 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 60 * time.Second}

// newHTTPServer is the server of one listener: h under the timeouts, requests under ctx.
func newHTTPServer(h http.Handler, t httpTimeouts, ctx context.Context) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: t.Header, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle,
		BaseContext: func(net.Listener) context.Context { return ctx }}
}

// streaming lets a long-lived answer (the sandbox page's event stream) outlive the read and write
// timeouts, which would otherwise cut it every minute; everything else keeps them.
func streaming(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sandbox/events" {
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		h.ServeHTTP(w, r)
	})
}

// listen takes LEADBOT_HTTP_ADDR first: the sandbox's URLs and, in sandbox mode, the bot's Web API
// base are the listener's address (port 0 picks one), so it must exist before they do. Until
// serveHTTP, connections wait in the backlog: a browser opened while the demo is seeded gets the
// page once the workspace matches the database. LEADBOT_METRICS_ADDR, when set, is listened on
// too.
func (s *server) listen() error {
	ln, err := net.Listen("tcp", s.a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on LEADBOT_HTTP_ADDR %s: %w (is another leadbot running? set LEADBOT_HTTP_ADDR to a free port)", s.a.cfg.HTTPAddr, err)
	}
	s.ln, s.base = ln, "http://"+ln.Addr().String()
	s.started("listener", closeListener(ln), "addr", ln.Addr().String())
	if addr := s.a.cfg.HTTP.MetricsAddr; addr != "" {
		mln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen on LEADBOT_METRICS_ADDR %s: %w (set it to a free port, or unset it to serve /metrics on LEADBOT_HTTP_ADDR)", addr, err)
		}
		s.metricsLn = mln
		s.started("metrics-listener", closeListener(mln), "addr", mln.Addr().String())
	}
	return nil
}

func closeListener(ln net.Listener) func() error {
	return func() error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) { // Shutdown closed it
			return err
		}
		return nil
	}
}

// routes mounts the health, metrics and webhook handlers; nothing runs yet. The metrics start
// with the champion's version, so /metrics names the model before the first retrain.
func (s *server) routes() error {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.metrics = metrics.New()
	if c, err := s.st.Champion(s.ctx); err == nil {
		s.metrics.ModelVersion(c.Version)
	}
	s.metricsMux = s.mux
	if s.metricsLn != nil {
		s.metricsMux = http.NewServeMux()
	}
	s.metricsMux.Handle("GET /metrics", s.metricsHandler())
	cfg := s.a.cfg
	s.mux.Handle("/api/v1/", httpapi.New(httpapi.Deps{Store: s.st, Token: cfg.File.APIToken,
		Log: s.a.log.With("component", "webhooks"), Metrics: s.metrics,
		RateLimit: httpapi.RateLimit{PerSecond: cfg.HTTP.APIRate, Burst: cfg.HTTP.APIBurst}}))
	if cfg.File.APIToken == "" {
		s.a.log.Info("the CRM webhook API (/api/v1/) is off: set LEADBOT_API_TOKEN to turn it on")
	}
	s.target = s.a.slackFor()
	return nil
}

// metricsHandler is /metrics, behind the API token when the configuration says so (by default
// when it listens beyond loopback).
func (s *server) metricsHandler() http.Handler {
	h := s.metrics.Handler()
	if !s.a.cfg.MetricsNeedToken() {
		return h
	}
	const disabled = "/metrics is served beyond loopback, so it needs the API token, and none is set: set LEADBOT_API_TOKEN " +
		"(and send it as a bearer token), or serve it on a private address with LEADBOT_METRICS_ADDR, or set LEADBOT_METRICS_AUTH=none"
	if s.a.cfg.File.APIToken == "" {
		s.a.log.Warn(disabled)
	}
	return httpapi.RequireToken(s.a.cfg.File.APIToken, disabled, h)
}

// readyz answers 200 while the database answers: a replica that lost it should get no traffic.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.st.Ping(pctx); err != nil {
		s.a.log.Warn("readiness check failed", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// serveHTTP starts answering on the listeners. Requests run under a context that ends when their
// HTTP server stops: Shutdown lets them finish for up to 10 s, then the stragglers are cancelled,
// before the database closes under them.
func (s *server) serveHTTP() error {
	var h http.Handler = s.mux
	if s.sb != nil {
		h = streaming(h)
	}
	s.serveOn("http", "HTTP server", s.ln, h)
	if s.metricsLn != nil {
		s.serveOn("metrics-http", "metrics HTTP server", s.metricsLn, s.metricsMux)
	}
	return nil
}

// serveOn serves h on ln as a component named name (what in errors); stopping it shuts the server
// down, then cancels what is left of its requests.
func (s *server) serveOn(name, what string, ln net.Listener, h http.Handler) {
	reqCtx, cancelRequests := context.WithCancel(context.WithoutCancel(s.ctx))
	srv := newHTTPServer(h, defaultTimeouts, reqCtx)
	join := s.spawn(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
	s.started(name, func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctx), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		cancelRequests()
		return errors.Join(err, join())
	})
}
