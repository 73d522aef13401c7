package handlers_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/bot"
	"github.com/leadbot/leadbot/chart"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/sandbox"
)

// teamWithHistory gives Boss's team a few weeks of verdicts and an outcome, all before the
// current week (the chart shows complete weeks), and a manager whose team has none.
func (e *env) teamWithHistory() (bossU sandbox.User, boss leadbot.Rep, newU sandbox.User) {
	e.t.Helper()
	bossU, boss = e.rep("Boss", "UTC", nil)
	_, ann := e.rep("Ann", "UTC", &boss)
	newU, _ = e.rep("Nina", "UTC", nil) // a manager of nobody yet
	hot, cold, mid := e.lead("H1", "Hot One", "Acme", ann, 0.8), e.lead("C1", "Cold One", "Beta", ann, 0.2), e.lead("M1", "Mid One", "Gamma", ann, 0.55)
	for _, g := range []struct {
		l       leadbot.Lead
		verdict int
		at      time.Time
	}{
		{hot, 1, monday0930.AddDate(0, 0, -6)},   // last week: agrees
		{cold, 1, monday0930.AddDate(0, 0, -5)},  // last week: disagrees
		{mid, -1, monday0930.AddDate(0, 0, -13)}, // the week before: disagrees
	} {
		fb, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: g.l.ID, RepID: ann.ID, Verdict: leadbot.Verdict(g.verdict)})
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.st.DB().ExecContext(e.ctx, `UPDATE feedback SET created_at = $2 WHERE id = $1`, fb.ID, g.at); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.st.RecordOutcome(e.ctx, leadbot.Outcome{LeadID: hot.ID, Outcome: "won", OccurredAt: monday0930.AddDate(0, 0, -4)}, "test"); err != nil {
		e.t.Fatal(err)
	}
	return bossU, boss, newU
}

// decodeChart checks that a file is the chart: a PNG of the chart's size.
func decodeChart(t *testing.T, f sandbox.File) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatalf("uploaded file %s is not a PNG: %v", f.Name, err)
	}
	if b := img.Bounds(); b.Dx() != chart.Width || b.Dy() != chart.Height {
		t.Fatalf("chart is %v, want %d×%d", b, chart.Width, chart.Height)
	}
	if f.Mimetype != "image/png" || !strings.HasSuffix(f.Name, ".png") || (f.Title != chart.Title && f.Title != chart.BandsTitle) || f.Length != len(f.Data) {
		t.Errorf("file %+v", f)
	}
}

// The weekly manager digest arrives in the manager's DM with the chart right after it; a
// manager whose team has no history gets the digest and no chart; /leadbot team (ephemeral)
// puts the chart in the DM and says so.
func TestManagerDigestUploadsChart(t *testing.T) {
	e := newEnv(t)
	bossU, _, ninaU := e.teamWithHistory()
	st, err := e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true})
	if err != nil || st.Sent != 2 {
		t.Fatalf("manager digests: %+v %v", st, err)
	}
	digest := e.dmTo(bossU)
	if !strings.Contains(string(digest.RawBlocks), "Model vs team") {
		t.Fatalf("the digest is not the team report: %s", digest.Text)
	}
	// Both charts: the team's, then the score bands'.
	f, err := e.sb.WaitFile(e.ctx, func(f sandbox.File) bool { return f.Channel == bossU.DM && f.Title == chart.Title })
	if err != nil {
		t.Fatalf("no chart in the manager's DM: %v", err)
	}
	bands, err := e.sb.WaitFile(e.ctx, func(f sandbox.File) bool { return f.Channel == bossU.DM && f.Title == chart.BandsTitle })
	if err != nil {
		t.Fatalf("no score-bands chart in the manager's DM: %v", err)
	}
	for _, g := range []sandbox.File{f, bands} {
		decodeChart(t, g)
		if g.ThreadTS != "" || g.MessageTS <= digest.TS {
			t.Errorf("chart message %s (thread %q) does not follow the digest %s", g.MessageTS, g.ThreadTS, digest.TS)
		}
	}
	e.dmTo(ninaU)
	for _, f := range e.sb.Files() {
		if f.Channel == ninaU.DM {
			t.Error("a chart for a team with no data")
		}
	}
	if n := len(e.sb.Files()); n != 2 {
		t.Errorf("%d files uploaded, want 2", n)
	}

	e.slash(bossU, "/leadbot", "team")
	x := e.ephemeralFor(bossU, "Model vs team")
	if !strings.Contains(string(x.RawBlocks), "are in your DM with leadbot") {
		t.Errorf("the answer does not say where the chart is: %s", x.RawBlocks)
	}
	if _, err := e.sb.WaitFile(e.ctx, func(g sandbox.File) bool { return g.Channel == bossU.DM && g.ID != f.ID && g.ID != bands.ID }); err != nil {
		t.Fatalf("/leadbot team: no chart in the DM: %v", err)
	}
	e.slash(ninaU, "/leadbot", "team")
	y := e.ephemeralFor(ninaU, "Model vs team")
	if strings.Contains(string(y.RawBlocks), "in your DM") {
		t.Error("a new team is told about a chart it did not get")
	}
}

// failingUploads is a Slack whose uploads all fail.
type failingUploads struct{ *bot.Sender }

func (failingUploads) UploadFile(context.Context, string, string, string, []byte, string) error {
	return errors.New("upload refused")
}

// A chart that cannot be uploaded is logged and the digest still counts as sent.
func TestManagerDigestSurvivesFailedChart(t *testing.T) {
	e := newEnv(t)
	bossU, _, _ := e.teamWithHistory()
	bcfg := bot.Config{BotToken: e.sb.BotToken(), AppToken: e.sb.AppToken(), APIURL: e.sb.APIURL()}
	sender := bot.NewSender(bot.NewClient(bcfg), bot.SenderConfig{PerChannel: 50, Burst: 50})
	svc := handlers.New(e.st, failingUploads{sender}, handlers.Config{}, slog.New(slog.DiscardHandler), e.clock.Now)
	st, err := svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true})
	if err != nil || st.Sent != 2 || st.Failed != 0 {
		t.Fatalf("manager digests with failing uploads: %+v %v", st, err)
	}
	e.dmTo(bossU)
	if n := len(e.sb.Files()); n != 0 {
		t.Errorf("%d files", n)
	}
}
