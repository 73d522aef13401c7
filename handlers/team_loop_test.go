package handlers_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/handlers"
	"github.com/leadbot/leadbot/report"
	"github.com/leadbot/leadbot/sandbox"
)

// ephemeralFor waits for a private answer to u whose blocks or text contain want.
func (e *env) ephemeralFor(u sandbox.User, want string) sandbox.Ephemeral {
	e.t.Helper()
	x, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool {
		return x.User == u.ID && !x.Deleted && (strings.Contains(x.Text, want) || strings.Contains(string(x.RawBlocks), want))
	})
	if err != nil {
		e.t.Fatalf("no private answer to %s containing %q: %v", u.Name, want, err)
	}
	return x
}

func (e *env) slash(u sandbox.User, cmd, text string) {
	e.t.Helper()
	ack, err := e.sb.SlashCommand(e.ctx, u, cmd, text)
	if err != nil || ack.Failed() {
		e.t.Fatalf("%s %s: %v (ack %+v)", cmd, text, err, ack)
	}
}

func TestSlashLeadsAndLookups(t *testing.T) {
	e := newEnv(t)
	bossU, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	_, otherBoss := e.rep("Olga", "Europe/Paris", nil)
	_, zed := e.rep("Zed", "Europe/Paris", &otherBoss)
	l1 := e.lead("L1", "Lena Smith", "Acme", annRep, 0.81)
	e.lead("L2", "Omar Diaz", "Acme", annRep, 0.42)
	e.lead("Z1", "Zara Secret", "Hidden Inc", zed, 0.9)

	e.slash(ann, "/leads", "")
	list := e.ephemeralFor(ann, "Your top 2 leads right now")
	if strings.Index(string(list.RawBlocks), "Lena Smith") > strings.Index(string(list.RawBlocks), "Omar Diaz") {
		t.Fatal("/leads not ordered by score")
	}
	// 👍 inside the private list redraws the whole list in place.
	if _, err := e.sb.ClickButton(e.ctx, ann, list, act(l1, handlers.ActionUp)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool {
		return x.TS == list.TS && strings.Contains(string(x.RawBlocks), "recorded") && strings.Contains(string(x.RawBlocks), "Omar Diaz")
	}); err != nil {
		t.Fatalf("list not redrawn after 👍: %v", err)
	}
	e.slash(ann, "/leads", "many")
	e.ephemeralFor(ann, "give a number of leads")

	// /lead: one match shows the card with its feedback history.
	e.slash(ann, "/lead", "lena")
	d := e.ephemeralFor(ann, "Feedback history")
	if !strings.Contains(string(d.RawBlocks), ":+1: by Ann") {
		t.Fatalf("history lacks Ann's 👍: %s", d.RawBlocks)
	}
	// Several matches: a pick list; Show opens one.
	e.slash(ann, "/lead", "acme")
	pick := e.ephemeralFor(ann, "2 leads match")
	if _, err := e.sb.ClickButton(e.ctx, ann, pick, handlers.ActionShowLead); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitEphemeral(e.ctx, func(x sandbox.Ephemeral) bool {
		return x.TS == pick.TS && strings.Contains(string(x.RawBlocks), "Feedback history")
	}); err != nil {
		t.Fatal(err)
	}
	// Another team's lead: not shown, nothing revealed.
	e.slash(ann, "/lead", "zara")
	refusal := e.ephemeralFor(ann, "belong to other teams")
	if strings.Contains(string(refusal.RawBlocks)+refusal.Text, "90%") || strings.Contains(refusal.Text, "Hidden Inc") {
		t.Fatal("refusal reveals the lead")
	}
	e.slash(ann, "/lead", "nobody-like-this")
	e.ephemeralFor(ann, "No lead matches")
	// A manager sees the team's leads.
	e.slash(bossU, "/lead", "omar")
	e.ephemeralFor(bossU, "Omar Diaz")
	// Someone leadbot does not know.
	stranger := e.sb.AddUser(sandbox.User{Name: "guest", Email: "guest@example.com"})
	e.slash(stranger, "/leads", "")
	e.ephemeralFor(stranger, "I don't know you yet")
}

func TestLeadbotCommands(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	e.slash(ann, "/leadbot", "help")
	e.ephemeralFor(ann, "/leadbot pause")
	e.slash(ann, "/leadbot", "dance")
	e.ephemeralFor(ann, "I don't know `/leadbot dance`")
	e.slash(ann, "/leadbot", "pause until 2030-03-20")
	e.ephemeralFor(ann, "no digests until Wed 20 Mar")
	r, _ := e.st.RepByID(e.ctx, annRep.ID)
	if r.PausedUntil == nil || r.PausedUntil.Format("2006-01-02") != "2030-03-20" {
		t.Fatalf("paused until %v", r.PausedUntil)
	}
	e.slash(ann, "/leadbot", "pause until yesterday")
	e.ephemeralFor(ann, "give a future date")
	e.slash(ann, "/leadbot", "resume")
	e.ephemeralFor(ann, "Digests are back on")
	if r, _ = e.st.RepByID(e.ctx, annRep.ID); r.PausedUntil != nil {
		t.Fatal("still paused after resume")
	}
	e.slash(ann, "/leadbot", "stats")
	e.ephemeralFor(ann, "Your last 7 days")
	e.slash(ann, "/leadbot", "team")
	e.ephemeralFor(ann, "is for sales managers")
	e.slash(ann, "/leadbot", "settings")
	e.ephemeralFor(ann, "Digest at *09:00*")
}

func TestAppHomeAndSettings(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "Europe/Paris", nil)
	ann, annRep := e.rep("Ann", "Europe/Paris", &boss)
	e.lead("L1", "Lena Smith", "Acme", annRep, 0.81)
	if _, err := e.sb.OpenHome(e.ctx, ann); err != nil {
		t.Fatal(err)
	}
	home, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.Type == "home" && v.User == ann.ID })
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Lena Smith", "Digest at *09:00*", "Your last 7 days", "No trained model yet"} {
		if !strings.Contains(string(home.Raw), want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if _, err := e.sb.ClickButton(e.ctx, ann, home, handlers.ActionEditSettings); err != nil {
		t.Fatal(err)
	}
	modal, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool { return v.CallbackID == handlers.CallbackSettings && v.Open })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.SubmitView(e.ctx, ann, modal, map[string]sandbox.Input{
		"delivery_hour": sandbox.Options("7"), "leads_per_day": sandbox.Options("3")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool {
		return v.Type == "home" && v.User == ann.ID && strings.Contains(string(v.Raw), "Digest at *07:00*")
	}); err != nil {
		t.Fatalf("home not republished after the settings changed: %v", err)
	}
	r, _ := e.st.RepByID(e.ctx, annRep.ID)
	if r.DeliveryHour == nil || *r.DeliveryHour != 7 || r.LeadsPerDay == nil || *r.LeadsPerDay != 3 {
		t.Fatalf("settings stored: hour %v leads %v", r.DeliveryHour, r.LeadsPerDay)
	}
}

func TestManagerDigestNumbers(t *testing.T) {
	e := newEnv(t)
	now := time.Now().UTC()
	e.clock.Set(now)
	bossU, boss := e.rep("Boss", "UTC", nil)
	_, ann := e.rep("Ann", "UTC", &boss)
	_, bob := e.rep("Bob", "UTC", &boss)
	a1 := e.lead("A1", "High Lost", "One", ann, 0.8)
	a2 := e.lead("A2", "High Won", "Two", ann, 0.7)
	a3 := e.lead("A3", "Low Pending", "Three", ann, 0.2)
	a4 := e.lead("A4", "Bad Data", "Four", ann, 0.5)
	b1 := e.lead("B1", "Bob Old", "Five", bob, 0.9)
	b2 := e.lead("B2", "Bob New", "Six", bob, 0.6)
	day := now.Truncate(24 * time.Hour)
	if _, _, err := e.st.ReserveDigest(e.ctx, ann.ID, day, "rep", []leadbot.Lead{a1, a2, a3, a4}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.ReserveDigest(e.ctx, bob.ID, day.AddDate(0, 0, -20), "rep", []leadbot.Lead{b1}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.ReserveDigest(e.ctx, bob.ID, day.AddDate(0, 0, -2), "rep", []leadbot.Lead{b2}); err != nil {
		t.Fatal(err)
	}
	// Deliveries happened on their days.
	if _, err := e.st.DB().ExecContext(e.ctx, `UPDATE deliveries SET created_at = day + interval '9 hours' WHERE rep_id = $1`, bob.ID); err != nil {
		t.Fatal(err)
	}
	give := func(l leadbot.Lead, v int, reason string) {
		if _, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: l.ID, RepID: ann.ID, Verdict: leadbot.Verdict(v), ReasonCode: reason}); err != nil {
			t.Fatal(err)
		}
	}
	give(a1, -1, "no_budget")
	give(a2, -1, "competitor")
	give(a3, 1, "")
	give(a4, -1, "bad_data")
	later := time.Now().Add(time.Second)
	for _, o := range []leadbot.Outcome{{LeadID: a1.ID, Outcome: "lost", OccurredAt: later}, {LeadID: a2.ID, Outcome: "won", OccurredAt: later}} {
		if err := e.st.RecordOutcome(e.ctx, o, "test"); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Set(time.Now().Add(time.Minute))
	r, err := report.Build(e.ctx, e.st, boss.ID, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want int) {
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	check("sent", r.Total.Delivered, 5)
	check("judged", r.Total.Judged, 4)
	check("up", r.Total.Up, 1)
	check("down", r.Total.Down, 3)
	check("conflicts", len(r.Conflicts), 3)
	check("model right", r.ModelRight, 1)
	check("rep right", r.RepRight, 1)
	check("pending", r.Pending, 1)
	check("top reasons", len(r.TopReasons), 2)
	check("data-quality groups", len(r.DataQuality), 1)
	if len(r.DataQuality) == 1 && (r.DataQuality[0].Code != "bad_data" || r.DataQuality[0].Source != "Web" || r.DataQuality[0].Count != 1) {
		t.Errorf("data quality = %+v", r.DataQuality[0])
	}
	if len(r.Stalled) != 1 || r.Stalled[0].RepID != bob.ID {
		t.Errorf("stalled = %+v, want Bob", r.Stalled)
	}
	// Outcomes came after the scores: on these 2 the lost lead (80 %) outranked the won one (70 %), so AUC 0.
	if r.Health.Outcomes != 2 || r.Health.AUC != 0 || r.Health.TopBandN != 2 || r.Health.TopBandPrec != 0.5 || !math.IsNaN(r.Health.PSI) {
		t.Errorf("health = %+v", r.Health)
	}
	// Sent on demand: /leadbot team as the manager, and the scheduled run once per week.
	e.slash(bossU, "/leadbot", "team")
	x := e.ephemeralFor(bossU, "Model vs team")
	for _, want := range []string{"model right *1*, team right *1*", "1 awaiting an outcome", "High Lost", "Ann was right", "model was right", "Bad data from *Web*: 1", "Stopped answering"} {
		if !strings.Contains(string(x.RawBlocks), want) {
			t.Errorf("team report lacks %q", want)
		}
	}
	st, err := e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true})
	if err != nil || st.Sent != 1 {
		t.Fatalf("manager digest: %+v %v", st, err)
	}
	e.dmTo(bossU)
	st, _ = e.svc.RunManagerDigests(e.ctx, handlers.ManagerDigestOptions{Force: true})
	if st.Sent != 1 {
		t.Fatalf("a second manager digest asked for the same day is not sent fresh: %+v", st)
	}
}
