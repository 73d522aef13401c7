package handlers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crmsync"
	"github.com/leadbot/leadbot/crmsync/salesforce"
	"github.com/leadbot/leadbot/crmsync/salesforce/sffake"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
	"github.com/leadbot/leadbot/store"
)

// TestHotNowCapAndOnce sends each hot lead once, at most PerDay a rep a day, as the digest's card
// with its buttons; warm leads and judged leads are not sent.
func TestHotNowCapAndOnce(t *testing.T) {
	e := newEnv(t)
	ana, rep := e.rep("Ana", "Europe/Paris", nil) // 10:30 local
	for i, name := range []string{"Hot 1", "Hot 2", "Hot 3", "Hot 4"} {
		e.lead("H"+string(rune('1'+i)), name, "Acme", rep, 0.9-0.05*float64(i))
	}
	e.lead("W1", "Warm", "Acme", rep, 0.4)
	judged := e.lead("J1", "Judged", "Acme", rep, 0.95)
	if _, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: judged.ID, RepID: rep.ID, Verdict: leadbot.Up}); err != nil {
		t.Fatal(err)
	}
	st, err := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{PerDay: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 3 || st.Capped != 1 {
		t.Fatalf("first run: %+v; want 3 sent and 1 over the cap", st)
	}
	m := e.dmTo(ana)
	raw := string(m.RawBlocks)
	// The harness's leads were created 12 days ago: one that turns hot is not "just in".
	if !strings.Contains(m.Text, "A lead just turned hot") || !strings.Contains(raw, handlers.ActionUp) || !strings.Contains(raw, handlers.ActionDown) ||
		!strings.Contains(raw, "Lead Source is Reference") {
		t.Fatalf("hot-now DM lacks its reasons or buttons: %s\n%s", m.Text, raw)
	}
	if n := e.messagesIn(ana.DM); n != 3 {
		t.Fatalf("%d DMs, want 3", n)
	}
	if st, _ := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{PerDay: 3}); st.Sent != 0 {
		t.Fatalf("second run sent %d again", st.Sent)
	}
}

// TestHotNowQuietHours sends nothing in the rep's evening and night.
func TestHotNowQuietHours(t *testing.T) {
	e := newEnv(t)
	lee, rep := e.rep("Lee", "America/Los_Angeles", nil) // 01:30 local
	e.lead("Q1", "Night owl", "Acme", rep, 0.9)
	st, err := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Quiet != 1 || st.Sent != 0 || e.messagesIn(lee.DM) != 0 {
		t.Fatalf("%+v; want it held for the quiet hours", st)
	}
}

// TestHotNowFromSalesforce follows a lead from the CRM to its owner's DM: created in the fake
// org, pulled by the sync, scored hot, sent.
func TestHotNowFromSalesforce(t *testing.T) {
	e := newEnv(t)
	ana, _ := e.rep("Ana", "Europe/Paris", nil)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// The org's clock is the service's: its lead was created just now, so it arrives (a lead the
	// CRM created days before leadbot saw it is history, which the digests carry).
	org := sffake.Start(sffake.Options{ConsumerKey: "k", Username: "bot@x.io", PublicKey: &key.PublicKey, Start: monday0930.Add(-time.Minute)})
	defer org.Close()
	owner := org.Put("User", sffake.Record{"Email": "ana@example.com"})
	id := org.Put("Lead", sffake.Record{"FirstName": "Grace", "LastName": "<!channel> Hopper", "Company": "Navy", "OwnerId": owner})
	sync := &crmsync.Salesforce{Store: e.st, Client: salesforce.New(salesforce.Config{
		Auth: salesforce.Auth{LoginURL: org.URL, ConsumerKey: "k", Username: "bot@x.io", PrivateKey: key}})}
	if _, err := sync.Sync(context.Background(), crmsync.Options{}); err != nil {
		t.Fatal(err)
	}
	l, err := e.st.LeadByExternalID(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordScores(e.ctx, []store.NewScore{{LeadID: l.ID, Probability: 0.81}}); err != nil {
		t.Fatal(err)
	}
	if st, err := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{}); err != nil || st.Sent != 1 {
		t.Fatalf("%+v %v; want the synced lead sent", st, err)
	}
	m := e.dmTo(ana)
	if !strings.Contains(m.Text, "Hot lead just in") || !strings.Contains(string(m.RawBlocks), "Grace") || strings.Contains(string(m.RawBlocks), "<!channel>") {
		t.Fatalf("DM %s: want the lead, with the CRM's text escaped", m.RawBlocks)
	}
}

// TestHotNowClickKeepsTheMessage redraws a "hot now" DM after a 👍 as the same message: its
// header stays, the buttons give way to the verdict.
func TestHotNowClickKeepsTheMessage(t *testing.T) {
	e := newEnv(t)
	ana, rep := e.rep("Ana", "Europe/Paris", nil)
	l := e.lead("H1", "Hot one", "Acme", rep, 0.9)
	if st, err := e.svc.SendHotNow(e.ctx, handlers.HotNowOptions{}); err != nil || st.Sent != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	m := e.dmTo(ana)
	if _, err := e.sb.ClickButton(e.ctx, ana, m, act(l, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	up, err := e.sb.WaitUpdate(e.ctx, m, func(m sandbox.Message) bool { return strings.Contains(string(m.RawBlocks), "recorded") })
	if err != nil {
		t.Fatal(err)
	}
	if raw := string(up.RawBlocks); !strings.Contains(raw, "A lead just turned hot") || strings.Contains(raw, handlers.ActionUp) {
		t.Fatalf("redrawn hot now DM: %s; want its header kept and the verdict in place of the buttons", raw)
	}
}
