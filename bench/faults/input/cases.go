package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/leadbot/leadbot/sandbox"
)

// fault is one case: it acts on a running serve at base and says what was answered. An
// ordinary case is what the faults after it are compared with.
type fault struct {
	name     string
	ordinary bool
	act      func(ctx context.Context, e *env, base string) (string, error)
}

// batch is n leads of k attributes each, as one webhook body.
func batch(n, k int, value string) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":"L%d","name":"Lead %d","company":"Company %d","attributes":{`, i, i, i%97)
		for a := range k {
			if a > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"attribute_%03d":"%s%d"`, a, value, (i*7+a)%13)
		}
		b.WriteString("}}")
	}
	b.WriteString("]")
	return b.String()
}

func cases() []fault {
	return []fault{
		{"webhook: 1,000 ordinary leads (1.1 MB)", true, func(ctx context.Context, e *env, base string) (string, error) {
			return post(ctx, base, batch(1000, 40, "value "))
		}},
		{"webhook: 1,000 leads x 230 attributes (5 MB)", false, func(ctx context.Context, e *env, base string) (string, error) {
			return post(ctx, base, batch(1000, 230, "v")) // the most attributes the 5 MiB body holds
		}},
		{"webhook: 1 lead, 100,000 attributes (1.5 MB)", false, func(ctx context.Context, e *env, base string) (string, error) {
			var b strings.Builder
			b.WriteString(`{"id":"HUGE","attributes":{`)
			for a := range 100_000 {
				if a > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"a%d":%d`, a, a%10)
			}
			b.WriteString("}}")
			return post(ctx, base, b.String())
		}},
		{"HTTP: 50 clients sending a byte every 5 s", false, func(ctx context.Context, e *env, base string) (string, error) {
			return slowClients(ctx, strings.TrimPrefix(base, "http://"), 50, 75*time.Second)
		}},
		{"Socket Mode: an ordinary event (1 KB)", true, func(ctx context.Context, e *env, _ string) (string, error) {
			return event(ctx, e.ws, strings.Repeat("x", 1<<10))
		}},
		{"Socket Mode: a 64 MB event", false, func(ctx context.Context, e *env, _ string) (string, error) {
			first, err := event(ctx, e.ws, strings.Repeat("x", 64<<20))
			if err != nil {
				return "", err
			}
			if err := e.ws.WaitConnected(ctx, 2); err != nil {
				return "", fmt.Errorf("the bot did not reconnect: %w", err)
			}
			next, err := event(ctx, e.ws, "after")
			return first + "; next: " + next, err
		}},
	}
}

// post sends body to the webhook API and returns the status and, for an error, its message.
func post(ctx context.Context, base, body string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apiToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	s := strconv.Itoa(res.StatusCode)
	if i := bytes.Index(b, []byte(`"message":"`)); i >= 0 && res.StatusCode >= 400 {
		msg := string(b[i+11:])
		s += " " + msg[:min(len(msg), 50)]
	}
	return s, nil
}

// slowClients opens n connections that send a webhook's headers, then its body a byte every 5 s,
// and says how many the server closed within limit, and when the last of them was.
func slowClients(ctx context.Context, addr string, n int, limit time.Duration) (string, error) {
	start := time.Now()
	closed := make(chan time.Duration, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return "", err
		}
		defer c.Close()
		fmt.Fprint(c, "POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
		go func() { // the slow body
			for ctx.Err() == nil && time.Since(start) < limit {
				time.Sleep(5 * time.Second)
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		go func() { // until the server lets go
			c.SetReadDeadline(start.Add(limit))
			_, err := io.Copy(io.Discard, c)
			if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
				closed <- time.Since(start)
				return
			}
			closed <- -1
		}()
	}
	cut, last := 0, time.Duration(0)
	for range n {
		if d := <-closed; d >= 0 {
			cut, last = cut+1, max(last, d)
		}
	}
	return fmt.Sprintf("%d of %d cut by the server, the last after %.0f s (waited %.0f s)", cut, n, last.Seconds(), limit.Seconds()), nil
}

// event delivers a message event carrying text and says how it was acked.
func event(ctx context.Context, ws *sandbox.Workspace, text string) (string, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ack, err := ws.SendEvent(dctx, map[string]any{"type": "message", "channel": "C1", "user": "U1", "text": text, "ts": "1.000001"})
	switch {
	case err != nil:
		return "", err
	case ack.Acked && !ack.Late:
		return fmt.Sprintf("acked in %s", ack.Latency.Round(time.Millisecond)), nil
	}
	return "not acked in time (Slack would show an error and retry)", nil
}
