package spool_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/internal/netfault"
	"github.com/leadbot/leadbot/internal/pgproc"
	"github.com/leadbot/leadbot/migrations"
	"github.com/leadbot/leadbot/spool"
	"github.com/leadbot/leadbot/store"
)

// pg is a PostgreSQL of the test's own, reached through a proxy so that its address survives a
// real stop and start (pg_ctl picks a new port on each start).
type pg struct {
	t       *testing.T
	opts    pgproc.Options
	cluster *pgproc.Cluster
	px      *netfault.Proxy
	dsn     string // through the proxy
}

func startPG(t *testing.T) *pg {
	t.Helper()
	dir, err := os.MkdirTemp("", "leadbot-spool-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := &pg{t: t, opts: pgproc.Options{Dir: dir, Fast: true, Database: "leadbot"}}
	if p.cluster, err = pgproc.Start(context.Background(), p.opts); err != nil {
		os.RemoveAll(dir)
		t.Skipf("no PostgreSQL to start: %v", err)
	}
	t.Cleanup(func() { p.cluster.Stop(); os.RemoveAll(dir) })
	if p.px, err = netfault.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.px.Close() })
	var target string
	if p.dsn, target, err = netfault.DSN(p.cluster.DSN(""), p.px.Port()); err != nil {
		t.Fatal(err)
	}
	p.px.SetTarget(target)
	db, err := sqlx.Open("postgres", p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(context.Background(), db.DB, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return p
}

// restart starts the stopped server again (on a new port) and points the proxy at it.
func (p *pg) restart() {
	p.t.Helper()
	c, err := pgproc.Start(context.Background(), p.opts)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cluster = c
	_, target, _ := netfault.DSN(c.DSN(""), 0)
	p.px.SetTarget(target)
}

// Clicks made while PostgreSQL is stopped are spooled to the file; a process killed mid-outage
// leaves them there, and the next one writes every one once, in order, once PostgreSQL is back.
// The same file replayed again (a crash between the writes and the notes that they were made)
// writes nothing twice.
func TestClicksSurviveAnOutageAndAKill(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := startPG(t)
	db, err := sqlx.Open("postgres", p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	type click struct {
		slackID string
		lead    int64
	}
	var clicks []click
	for r := range 30 {
		rep, err := st.UpsertRep(ctx, store.NewRep{Email: fmt.Sprintf("rep%d@example.com", r), Name: "Rep", SlackUserID: fmt.Sprintf("U%03d", r)})
		if err != nil {
			t.Fatal(err)
		}
		for l := range 10 {
			lead, err := st.UpsertLead(ctx, store.NewLead{ExternalID: fmt.Sprintf("L%d-%d", r, l), Name: "Lead", OwnerID: &rep.ID})
			if err != nil {
				t.Fatal(err)
			}
			clicks = append(clicks, click{*rep.SlackUserID, lead.ID})
		}
	}
	first, _ := st.RepBySlackID(ctx, clicks[0].slackID)
	dir := t.TempDir()
	sp, err := spool.Open(st, spool.Config{Dir: dir, Memory: 50})
	if err != nil {
		t.Fatal(err)
	}
	up := func(c click, verdict leadbot.Verdict, key string) store.SpooledClick {
		f := leadbot.NewFeedback{LeadID: c.lead, Verdict: verdict}
		return store.SpooledClick{Key: key, Kind: "verdict_by", SlackID: c.slackID, Feedback: f}
	}
	write := func(sc store.SpooledClick) bool {
		queued, err := sp.Write(ctx, sc, func(ctx context.Context) error {
			switch sc.Kind {
			case "undo_by", "snooze_by":
				_, err := st.RepBySlackID(ctx, sc.SlackID) // the handler's read fails first
				return err
			}
			_, _, err := st.RecordFeedbackBy(ctx, sc.SlackID, sc.Feedback)
			return err
		})
		if err != nil {
			t.Fatalf("click %s: %v", sc.Key, err)
		}
		return queued
	}

	// One click before the outage is written at once.
	if write(up(clicks[1], 1, "before")) {
		t.Fatal("a click with the database up must not be spooled")
	}
	if err := p.cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	for i, c := range clicks {
		if i == 1 {
			continue
		}
		if !write(up(c, 1, fmt.Sprintf("up-%d", i))) {
			t.Fatalf("click %d was not spooled while PostgreSQL was down", i)
		}
	}
	// The first rep changes their mind: Undo, then 👎. Order matters.
	write(store.SpooledClick{Key: "undo-0", Kind: "undo_by", SlackID: clicks[0].slackID, LeadID: clicks[0].lead})
	write(store.SpooledClick{Key: "snooze-0", Kind: "snooze_by", SlackID: clicks[2].slackID, LeadID: clicks[2].lead, Until: time.Date(2030, 3, 11, 0, 0, 0, 0, time.UTC)})
	write(up(clicks[0], -1, "down-0"))
	if n := sp.Pending(); n != len(clicks)+2 {
		t.Fatalf("%d clicks pending, want %d", n, len(clicks)+2)
	}
	sp.Close() // the process is killed mid-outage
	saved, err := os.ReadFile(filepath.Join(dir, spool.FileName))
	if err != nil {
		t.Fatal(err)
	}

	p.restart()
	replay(t, ctx, st, dir)
	check := func(when string) {
		var active, undone int
		if err := db.GetContext(ctx, &active, `SELECT count(*) FROM feedback WHERE undone_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		db.GetContext(ctx, &undone, `SELECT count(*) FROM feedback WHERE undone_at IS NOT NULL`)
		var snoozed int
		db.GetContext(ctx, &snoozed, `SELECT count(*) FROM snoozes WHERE lead_id = $1`, clicks[2].lead)
		fb, err := st.ActiveFeedback(ctx, first.ID, clicks[0].lead)
		if active != len(clicks) || undone != 1 || err != nil || fb.Verdict != -1 || snoozed != 1 {
			t.Fatalf("%s: %d active verdicts (want %d), %d undone (want 1), first lead's verdict %v (%v), want 👎; %d snoozes (want 1)",
				when, active, len(clicks), undone, fb.Verdict, err, snoozed)
		}
	}
	check("after the restart")

	again := t.TempDir()
	if err := os.WriteFile(filepath.Join(again, spool.FileName), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	replay(t, ctx, st, again)
	check("after replaying the same file again")
}

// replay opens the spool in dir, applies it and waits until nothing is pending.
func replay(t *testing.T, ctx context.Context, st *store.Store, dir string) {
	t.Helper()
	sp, err := spool.Open(st, spool.Config{Dir: dir, Memory: 50, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sp.Run(rctx) }()
	if err := sp.Wait(ctx); err != nil {
		t.Fatalf("spool not applied: %v (%d pending)", err, sp.Pending())
	}
	stop()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "context canceled") {
		t.Fatal(err)
	}
}

// A click that can never be written is abandoned, and only then is the rep told.
func TestAbandonedClickIsTold(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	told := make(chan store.SpooledClick, 1)
	w := writerFunc(func(ctx context.Context, c store.SpooledClick) (bool, error) {
		return false, leadbot.Errorf(leadbot.EINVALID, "no such kind")
	})
	sp, err := spool.Open(w, spool.Config{Dir: t.TempDir(), Abandoned: func(_ context.Context, c store.SpooledClick, _ error) { told <- c }})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	down := &leadbot.Error{Code: leadbot.EUNAVAILABLE, Message: "down"}
	if q, err := sp.Write(ctx, store.SpooledClick{Key: "k", Kind: "bogus"}, func(context.Context) error { return down }); !q || err != nil {
		t.Fatalf("queued=%v err=%v", q, err)
	}
	go sp.Run(ctx)
	select {
	case c := <-told:
		if c.Key != "k" {
			t.Fatalf("told about %+v", c)
		}
	case <-ctx.Done():
		t.Fatal("the rep was never told")
	}
	if err := sp.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

type writerFunc func(ctx context.Context, c store.SpooledClick) (bool, error)

func (f writerFunc) ApplySpooled(ctx context.Context, c store.SpooledClick) (bool, error) {
	return f(ctx, c)
}
