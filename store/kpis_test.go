package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadbot/leadbot/report"
)

// kpiFixture: Ann was sent 10 leads on one digest, positions 0–9; the first five hot (0.8).
// Hot ones: 3 won at 1,000 each, 1 lost at 500. Of the rest, 1 won at 200. Ann judged positions 0
// and 1 (a 👎 "no_budget" on 1, which was lost), and 2 got an outcome within 14 days; so 3 of the
// top 3 were worked. Eight more 👎 "no_budget" on low-scored leads all lost.
func kpiFixture(t *testing.T) (*report.KPIs, error) {
	t.Helper()
	ctx := context.Background()
	st := newStore(t)
	mgr, ann := team(t, st)
	db := st.DB()
	fixture := `
		INSERT INTO leads (external_id, name, owner_id) SELECT 'K' || i, 'Lead ' || i, $1 FROM generate_series(0, 17) i;
		INSERT INTO digests (rep_id, day, status, sent_at) VALUES ($1, '2030-03-04', 'sent', '2030-03-04 09:00+00');
		INSERT INTO deliveries (rep_id, lead_id, day, digest_id, position, probability, created_at)
		SELECT $1, l.id, '2030-03-04', d.id, substr(l.external_id, 2)::int,
		       CASE WHEN substr(l.external_id, 2)::int < 5 THEN 0.8 ELSE 0.2 END, '2030-03-04 09:00+00'
		FROM leads l, digests d WHERE substr(l.external_id, 2)::int < 10;
		INSERT INTO outcomes (lead_id, outcome, occurred_at, amount)
		SELECT l.id, x.o, x.at::timestamptz, x.amount FROM leads l JOIN (VALUES
		    ('K2', 'won', '2030-03-10', 1000), ('K3', 'won', '2030-05-01', 1000), ('K4', 'won', '2030-05-01', 1000),
		    ('K1', 'lost', '2030-05-01', 500), ('K7', 'won', '2030-05-01', 200)) x (id, o, at, amount) ON x.id = l.external_id;
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, probability, created_at)
		SELECT l.id, $1, x.v, x.r, 0.8, '2030-03-05' FROM leads l JOIN (VALUES ('K0', 1, NULL), ('K1', -1, 'no_budget')) x (id, v, r) ON x.id = l.external_id;
		INSERT INTO outcomes (lead_id, outcome, occurred_at)
		SELECT id, 'lost', '2030-06-01' FROM leads WHERE substr(external_id, 2)::int >= 10;
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, probability, created_at)
		SELECT id, $1, -1, 'no_budget', 0.3, '2030-03-06' FROM leads WHERE substr(external_id, 2)::int >= 10;
		-- A 👎 on a lead the model had not scored says nothing of who was right: left out.
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, created_at)
		SELECT id, $2, -1, 'no_budget', '2030-03-06' FROM leads WHERE external_id = 'K10';`
	db.MustExec(strings.NewReplacer("$1", strconv.FormatInt(ann.ID, 10), "$2", strconv.FormatInt(mgr.ID, 10)).Replace(fixture))
	since := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	k, err := report.BuildKPIs(ctx, st, since, since.AddDate(0, 1, 0), 0.6)
	return &k, err
}

func TestSharedKPIs(t *testing.T) {
	k, err := kpiFixture(t)
	if err != nil {
		t.Fatal(err)
	}
	tm := k.Team
	if tm.HotLeads != 5 || tm.HotWon != 3 || tm.HotRevenue != 3000 || tm.HotPipeline != 3500 ||
		tm.RestLeads != 5 || tm.RestWon != 1 || tm.RestRevenue != 200 || tm.TopSent != 3 || tm.TopWorked != 3 {
		t.Fatalf("team %+v", tm)
	}
	if len(k.Reasons) != 1 || k.Reasons[0].Resolved != 9 || k.Reasons[0].Lost != 9 || k.Reasons[0].Verdict != "reps right" {
		t.Fatalf("reasons %+v", k.Reasons)
	}
	if len(k.ByRep) != 1 || k.ByRep[0].RepName != "Ann" {
		t.Fatalf("by rep %+v", k.ByRep)
	}
	text := strings.Join(k.Lines(), "\n")
	for _, want := range []string{"Leads leadbot called hot: 3 of 5 won (60 %), revenue 3,000; the rest: 1 of 5 (20 %), revenue 200.",
		"The top 3 of each digest: 3 of 3 worked within 14 days (100 %).", "No budget: 9 of 9 lost (100 %"} {
		if !strings.Contains(text, want) {
			t.Errorf("KPIs lack %q:\n%s", want, text)
		}
	}
}
