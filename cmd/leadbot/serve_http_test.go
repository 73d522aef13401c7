package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/sandbox"
)

// A client that sends its body a byte at a time, or holds a keep-alive connection idle, is cut
// off by the server rather than holding the connection for as long as it likes. The timeouts are
// short here so that the test waits for the server to close, not for a minute.
func TestHTTPServerCutsSlowAndIdleClients(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		w.Write([]byte("ok"))
	})
	srv := newHTTPServer(h, httpTimeouts{Header: 5 * time.Second, Read: 200 * time.Millisecond, Write: time.Second, Idle: 200 * time.Millisecond}, context.Background())
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	closed := func(name string, c net.Conn) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("%s: the server kept the connection open: %v", name, err)
		}
	}
	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprint(slow, "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	closed("a slow body", slow)

	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprint(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("first request: %v %v", res, err)
	}
	res.Body.Close()
	closed("an idle keep-alive", idle)
}

var metricsListener = regexp.MustCompile(`component=metrics-listener addr=(\S+)`)

// /metrics needs the API token when serve listens beyond loopback; on LEADBOT_METRICS_ADDR it is
// served there instead, and only there.
func TestServeMetricsBehindTokenOrOnPrivateAddress(t *testing.T) {
	ws, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	get := func(url, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, tc := range []struct {
		name, metricsAddr string
	}{{"beyond loopback", ""}, {"private address", "127.0.0.1:0"}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newServeCLI(t)
			c.env["LEADBOT_HTTP_ADDR"] = "0.0.0.0:0"
			c.env["LEADBOT_METRICS_ADDR"] = tc.metricsAddr
			c.env["LEADBOT_API_TOKEN"] = "metrics-token"
			c.env["SLACK_API_URL"], c.env["SLACK_BOT_TOKEN"], c.env["SLACK_APP_TOKEN"] = ws.APIURL(), ws.BotToken(), ws.AppToken()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var errb syncBuffer
			sigint, stop := context.WithCancel(ctx)
			done := c.serve(sigint, &errb)
			defer func() { stop(); <-done }()
			if err := ws.WaitConnected(ctx, 1); err != nil {
				t.Fatalf("serve did not start: %v\n%s", err, errb.String())
			}
			addr, _, _ := lifecycle(errb.String())
			_, port, _ := net.SplitHostPort(addr)
			base := "http://127.0.0.1:" + port
			if tc.metricsAddr == "" {
				if got := get(base+"/metrics", ""); got != 401 {
					t.Errorf("/metrics without the token: %d, want 401", got)
				}
				if got := get(base+"/metrics", "metrics-token"); got != 200 {
					t.Errorf("/metrics with the token: %d, want 200", got)
				}
				return
			}
			m := metricsListener.FindStringSubmatch(errb.String())
			if m == nil {
				t.Fatalf("no metrics listener in the log:\n%s", errb.String())
			}
			if got := get("http://"+m[1]+"/metrics", ""); got != 200 {
				t.Errorf("/metrics on the private address: %d, want 200", got)
			}
			if got := get(base+"/metrics", "metrics-token"); got != 404 {
				t.Errorf("/metrics on the public address: %d, want 404", got)
			}
			if !strings.Contains(errb.String(), "component=metrics-http") {
				t.Errorf("no metrics server component:\n%s", errb.String())
			}
		})
	}
}
