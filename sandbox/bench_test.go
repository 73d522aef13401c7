package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/sandbox/sandboxtest"
	"github.com/slack-go/slack"
)

// rawAcker is the thinnest possible Socket Mode client: it acks every
// envelope the moment it reads it, so the latency the sandbox records is
// the floor that the sandbox plus loopback adds to any bot's own.
func rawAcker(b *testing.B, sb *sandbox.Workspace) {
	b.Helper()
	api := slack.New(sb.BotToken(), slack.OptionAPIURL(sb.APIURL()), slack.OptionAppLevelToken(sb.AppToken()))
	_, u, err := api.StartSocketModeContext(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	go func() {
		for {
			var f struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := c.ReadJSON(&f); err != nil {
				return
			}
			if f.EnvelopeID != "" {
				ack, _ := json.Marshal(f)
				if c.WriteMessage(websocket.TextMessage, ack) != nil {
					return
				}
			}
		}
	}()
}

// report adds throughput and the recorded ack latencies' percentiles.
func report(b *testing.B, sb *sandbox.Workspace, elapsed time.Duration, roundTrips []time.Duration) {
	lat := sb.AckLatencies()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	slices.Sort(roundTrips)
	pct := func(d []time.Duration, p float64) float64 {
		return float64(d[int(float64(len(d)-1)*p)].Microseconds())
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "envelopes/s")
	b.ReportMetric(pct(lat, 0.50), "ack-p50-µs")
	b.ReportMetric(pct(lat, 0.99), "ack-p99-µs")
	if len(roundTrips) > 0 {
		b.ReportMetric(pct(roundTrips, 0.50), "roundtrip-p50-µs")
		b.ReportMetric(pct(roundTrips, 0.99), "roundtrip-p99-µs")
	}
}

func benchRoundTrip(b *testing.B, client func(*testing.B, *sandbox.Workspace)) {
	sb := sandboxtest.Start(b, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	client(b, sb)
	ctx := context.Background()
	// One warm-up delivery so connection set-up is not measured.
	if _, err := sb.SlashCommand(ctx, alice, "/warm", ""); err != nil {
		b.Fatal(err)
	}
	trips := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		r, err := sb.SlashCommand(ctx, alice, "/leads", "")
		if err != nil || !r.Acked {
			b.Fatalf("%+v %v", r, err)
		}
		trips = append(trips, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, sb, elapsed, trips)
}

// BenchmarkEnvelopeRoundTripRaw: send → ack with a client that acks on
// read. ack-p50/p99 is the sandbox + loopback overhead on a bot's latency;
// roundtrip includes the driver building the payload and waiting.
func BenchmarkEnvelopeRoundTripRaw(b *testing.B) { benchRoundTrip(b, rawAcker) }

// BenchmarkEnvelopeRoundTripSlackGo: the same through slack-go's
// socketmode client acking each event as it arrives, as a bot would.
func BenchmarkEnvelopeRoundTripSlackGo(b *testing.B) {
	benchRoundTrip(b, func(b *testing.B, sb *sandbox.Workspace) { startBot(b, sb, ackAll) })
}

// BenchmarkEnvelopeThroughputParallel: many users at once over one raw
// connection, for envelopes per second under load.
func BenchmarkEnvelopeThroughputParallel(b *testing.B) {
	sb := sandboxtest.Start(b, sandbox.Config{RateLimits: sandbox.RateLimits{Disabled: true}})
	alice := sb.AddUser(sandbox.User{Name: "alice"})
	rawAcker(b, sb)
	ctx := context.Background()
	if _, err := sb.SlashCommand(ctx, alice, "/warm", ""); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r, err := sb.SlashCommand(ctx, alice, "/leads", ""); err != nil || !r.Acked {
				b.Errorf("%+v %v", r, err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, sb, elapsed, nil)
}
