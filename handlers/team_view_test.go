package handlers_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/sandbox"
)

// homeOf opens the user's Home tab and returns what the bot published.
func (e *env) homeOf(u sandbox.User, want string) string {
	e.t.Helper()
	if _, err := e.sb.OpenHome(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.sb.WaitView(e.ctx, func(v sandbox.View) bool {
		return v.Type == "home" && v.User == u.ID && strings.Contains(string(v.Raw), want)
	})
	if err != nil {
		e.t.Fatalf("%s's Home never said %q: %v", u.Name, want, err)
	}
	return unescapeJSON(string(v.Raw))
}

func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

// A manager's Home is the team view: the week's figures, the disagreements and who was right,
// model health in plain words, who stopped answering; a rep's Home stays their own leads.
func TestManagerHomeIsTheTeamView(t *testing.T) {
	e := newEnv(t)
	e.clock.Set(time.Now())
	bossU, boss := e.rep("Boss", "UTC", nil)
	annU, ann := e.rep("Ann", "UTC", &boss)
	ninaU, _ := e.rep("Nina", "UTC", nil) // a manager of nobody yet
	hot := e.lead("H1", "Hot Lost", "Acme", ann, 0.85)
	e.lead("C1", "Cool Open", "Beta", ann, 0.2)
	if _, _, err := e.st.RecordFeedback(e.ctx, leadbot.NewFeedback{LeadID: hot.ID, RepID: ann.ID, Verdict: -1, ReasonCode: "no_budget"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordOutcome(e.ctx, leadbot.Outcome{LeadID: hot.ID, Outcome: "lost", OccurredAt: time.Now().Add(time.Second)}, "test"); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Now().Add(time.Minute))
	home := e.homeOf(bossU, "Your team this week")
	for _, want := range []string{"*This week*: 0 sent · 1 judged (:+1: 0, :-1: 1)", "<@" + annU.ID + ">: 0 sent · 1 judged",
		"model right *0*, team right *1*", "*Hot Lost* (Acme) – Ann :-1: on a 85% lead (No budget) → lost: *Ann was right*",
		`*Model health*\nOf the 1 lead leadbot called hot that had an outcome in the last 90 days, *0 %* converted.`, "Change settings", "model_admin"} {
		if !strings.Contains(home, want) {
			t.Errorf("manager's Home lacks %q:\n%s", want, home)
		}
	}
	if strings.Contains(home, "Your leads") {
		t.Error("the manager's Home is a rep's Home")
	}
	if nina := e.homeOf(ninaU, "Your team this week"); !strings.Contains(nina, "No disagreements") {
		t.Errorf("a new manager's Home: %s", nina)
	}
	if rep := e.homeOf(annU, "Your leads"); strings.Contains(rep, "Your team this week") || !strings.Contains(rep, "Cool Open") {
		t.Errorf("a rep's Home: %s", rep)
	}
}

// A manager's /leads lists the team's top leads by rep, best first, and nothing of other teams;
// someone who manages nobody gets their own list.
func TestManagerTeamLeads(t *testing.T) {
	e := newEnv(t)
	_, boss := e.rep("Boss", "UTC", nil)
	_, ann := e.rep("Ann", "UTC", &boss)
	_, bob := e.rep("Bob", "UTC", &boss)
	_, olga := e.rep("Olga", "UTC", nil)
	_, zed := e.rep("Zed", "UTC", &olga)
	for i, p := range []float64{0.3, 0.9, 0.5, 0.7} {
		e.lead("A"+string(rune('1'+i)), "Ann Lead "+string(rune('1'+i)), "Acme", ann, p)
	}
	e.lead("B1", "Bob Lead", "Beta", bob, 0.6)
	e.lead("M1", "Boss Own Lead", "Gamma", boss, 0.5)
	e.lead("Z1", "Zed Secret", "Hidden", zed, 0.95)
	blocks, ok, err := e.svc.TeamLeadsBlocks(e.ctx, boss)
	if err != nil || !ok {
		t.Fatalf("team leads: ok %v err %v", ok, err)
	}
	raw, _ := json.Marshal(blocks)
	text := string(raw)
	order := []string{"*Ann*", "Ann Lead 2", "Ann Lead 4", "Ann Lead 3", "*Bob*", "Bob Lead", "*Boss*", "Boss Own Lead"}
	last := -1
	for _, w := range order {
		i := strings.Index(text, w)
		if i < last {
			t.Fatalf("%q missing or out of order in %s", w, text)
		}
		last = i
	}
	for _, not := range []string{"Ann Lead 1", "Zed Secret", "Olga"} {
		if strings.Contains(text, not) {
			t.Errorf("team leads show %q (the top 3 per rep of this team only)", not)
		}
	}
	if _, ok, err := e.svc.TeamLeadsBlocks(e.ctx, ann); ok || err != nil {
		t.Errorf("a rep's /leads would be the team's: ok %v err %v", ok, err)
	}
}
