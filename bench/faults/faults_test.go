package main

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// TestFaultSuite is the part of the fault suite that fits CI: every delivery fault on 40 reps,
// with Slack's rate limits and a PostgreSQL of its own (restarted for real by one fault): no rep
// loses their digest, none gets two, and every digest is recorded with its message's ts.
func TestFaultSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault suite starts a PostgreSQL of its own")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	results, err := run(ctx, 40, "", log, func(r result) { t.Log(r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(faults) {
		t.Fatalf("%d of %d faults ran", len(results), len(faults))
	}
	for _, r := range results {
		if r.Lost != 0 || r.Dup != 0 || r.Sent != r.Reps || r.Acked != r.Reps {
			t.Errorf("%s: %d lost, %d duplicated, %d sent and %d acked of %d", r.Fault, r.Lost, r.Dup, r.Sent, r.Acked, r.Reps)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
