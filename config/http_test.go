package config_test

import (
	"strings"
	"testing"

	"github.com/leadbot/leadbot/config"
)

// /metrics asks for the token when it listens beyond loopback, unless told otherwise.
func TestMetricsNeedToken(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, false}, // 127.0.0.1:8080
		{map[string]string{"LEADBOT_HTTP_ADDR": "0.0.0.0:8080"}, true},
		{map[string]string{"LEADBOT_HTTP_ADDR": ":8080"}, true},
		{map[string]string{"LEADBOT_HTTP_ADDR": "[::1]:8080"}, false},
		{map[string]string{"LEADBOT_HTTP_ADDR": "localhost:8080"}, false},
		{map[string]string{"LEADBOT_HTTP_ADDR": "0.0.0.0:8080", "LEADBOT_METRICS_ADDR": "127.0.0.1:9090"}, false},
		{map[string]string{"LEADBOT_HTTP_ADDR": "0.0.0.0:8080", "LEADBOT_METRICS_ADDR": "10.0.0.5:9090"}, true},
		{map[string]string{"LEADBOT_HTTP_ADDR": "0.0.0.0:8080", "LEADBOT_METRICS_AUTH": "none"}, false},
		{map[string]string{"LEADBOT_METRICS_AUTH": "TOKEN"}, true},
	} {
		c, err := config.FromEnv(env(tc.env))
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if got := c.MetricsNeedToken(); got != tc.want {
			t.Errorf("%v: MetricsNeedToken() = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestHTTPSettings(t *testing.T) {
	c, err := config.FromEnv(env(map[string]string{"LEADBOT_API_RATE": "2.5", "LEADBOT_API_BURST": "5"}))
	if err != nil || c.HTTP.APIRate != 2.5 || c.HTTP.APIBurst != 5 {
		t.Fatalf("%+v %v", c.HTTP, err)
	}
	if c, _ := config.FromEnv(env(map[string]string{"LEADBOT_API_RATE": "off"})); c.HTTP.APIRate >= 0 {
		t.Errorf("off: %+v", c.HTTP)
	}
	_, err = config.FromEnv(env(map[string]string{"LEADBOT_API_RATE": "fast", "LEADBOT_API_BURST": "0",
		"LEADBOT_METRICS_AUTH": "maybe", "LEADBOT_METRICS_ADDR": "127.0.0.1:8080"}))
	for _, want := range []string{"LEADBOT_API_RATE", "LEADBOT_API_BURST", "LEADBOT_METRICS_AUTH", "LEADBOT_METRICS_ADDR is LEADBOT_HTTP_ADDR"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %s", err, want)
		}
	}
}
