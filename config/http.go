package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// HTTPConfig is how the HTTP server exposes /metrics and limits webhook clients.
type HTTPConfig struct {
	// MetricsAddr, when set, serves /metrics on a listener of its own (a private address) and no
	// longer on HTTPAddr (LEADBOT_METRICS_ADDR).
	MetricsAddr string
	// MetricsAuth is token (the API token as a bearer token), none, or auto (LEADBOT_METRICS_AUTH,
	// default): none when /metrics listens on loopback only, token otherwise, so the image that
	// listens on 0.0.0.0 shows no figures to whoever reaches the port.
	MetricsAuth string
	// APIRate is the requests per second one client may make to the webhook API, and APIBurst
	// how many at once (LEADBOT_API_RATE, "off" for no limit; LEADBOT_API_BURST).
	APIRate  float64
	APIBurst int
}

// The defaults of the webhook API's per-client limit (see httpapi.DefaultRateLimit).
const (
	defaultAPIRate  = 10
	defaultAPIBurst = 20
)

// readHTTP reads the HTTP settings from getenv; the errors say which variable and what to write.
func readHTTP(getenv func(string) string) (HTTPConfig, []error) {
	h := HTTPConfig{
		MetricsAddr: getenv("LEADBOT_METRICS_ADDR"),
		MetricsAuth: strings.ToLower(or(getenv("LEADBOT_METRICS_AUTH"), "auto")),
		APIRate:     defaultAPIRate,
		APIBurst:    defaultAPIBurst,
	}
	var errs []error
	switch v := strings.ToLower(strings.TrimSpace(getenv("LEADBOT_API_RATE"))); v {
	case "":
	case "off":
		h.APIRate = -1
	default:
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			errs = append(errs, fmt.Errorf("LEADBOT_API_RATE %q: write requests per second per client (e.g. 10), or off", v))
		}
		h.APIRate = r
	}
	if v := strings.TrimSpace(getenv("LEADBOT_API_BURST")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("LEADBOT_API_BURST %q: write a whole number of requests, at least 1 (e.g. 20)", v))
		}
		h.APIBurst = n
	}
	return h, errs
}

// validateHTTP checks the HTTP settings against the rest.
func (c Config) validateHTTP() error {
	var errs []error
	switch c.HTTP.MetricsAuth {
	case "auto", "token", "none":
	default:
		errs = append(errs, fmt.Errorf("LEADBOT_METRICS_AUTH %q: use auto, token or none", c.HTTP.MetricsAuth))
	}
	if a := c.HTTP.MetricsAddr; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			errs = append(errs, fmt.Errorf("LEADBOT_METRICS_ADDR %q must be host:port, e.g. 127.0.0.1:9090", a))
		} else if a == c.HTTPAddr {
			errs = append(errs, errors.New("LEADBOT_METRICS_ADDR is LEADBOT_HTTP_ADDR: leave it unset to serve /metrics there, or give it another port"))
		}
	}
	return errors.Join(errs...)
}

// MetricsNeedToken reports whether /metrics asks for the API token: always with token, never
// with none, and with auto when the address it is served on reaches beyond loopback.
func (c Config) MetricsNeedToken() bool {
	switch c.HTTP.MetricsAuth {
	case "token":
		return true
	case "none":
		return false
	}
	addr := c.HTTP.MetricsAddr
	if addr == "" {
		addr = c.HTTPAddr
	}
	return !Loopback(addr)
}

// Loopback reports whether a listen address (host:port) is reachable from this machine only:
// localhost or a loopback IP. An empty host, 0.0.0.0 and [::] listen everywhere.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
