package handlers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// TestClicksSurviveAnOutage: 30 reps have their digests; the database goes away; each clicks 👍
// and is told "Saving…"; the database comes back; every verdict is recorded once and shows on
// its message, with nobody told to click again.
func TestClicksSurviveAnOutage(t *testing.T) {
	e := newEnv(t, withOutage())
	const reps = 30
	users := make([]sandbox.User, reps)
	leads := make([]leadbot.Lead, reps)
	for i := range reps {
		u, r := e.rep(fmt.Sprintf("Rep%02d", i), "Europe/Paris", nil)
		users[i] = u
		leads[i] = e.lead(fmt.Sprintf("O%02d", i), fmt.Sprintf("Outage lead %02d", i), "Acme", r, 0.8)
	}
	if st := e.digest(handlers.DigestOptions{Force: true}); st.Sent != reps {
		t.Fatalf("digests: %+v", st)
	}
	msgs := make([]sandbox.Message, reps)
	for i, u := range users {
		msgs[i] = e.dmTo(u)
	}

	e.px.Cut()
	for i, u := range users {
		if ack, err := e.sb.ClickButton(e.ctx, u, msgs[i], act(leads[i], handlers.ActionUp)); err != nil || ack.Failed() {
			t.Fatalf("click %d: %v %+v", i, err, ack)
		}
	}
	for _, u := range users {
		e.ephemeralFor(u, "Saving…")
	}
	e.px.Restore()

	for i := range users {
		if _, err := e.sb.WaitUpdate(e.ctx, msgs[i], func(m sandbox.Message) bool {
			return strings.Contains(string(m.RawBlocks), "recorded")
		}); err != nil {
			t.Fatalf("rep %d's verdict never showed on the message: %v", i, err)
		}
	}
	var n, distinct int
	if err := e.st.DB().QueryRowContext(e.ctx, `SELECT count(*), count(DISTINCT lead_id) FROM feedback WHERE verdict = 1`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != reps || distinct != reps {
		t.Fatalf("%d verdicts on %d leads, want %d once each", n, distinct, reps)
	}
	for _, x := range e.sb.Ephemerals() {
		if strings.Contains(x.Text, "could not be recorded") || strings.Contains(x.Text, "Nothing was recorded") {
			t.Fatalf("a rep was told to click again: %q", x.Text)
		}
	}
}
