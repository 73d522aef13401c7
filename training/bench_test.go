package training_test

import (
	"context"
	"testing"

	"github.com/leadbot/leadbot/internal/pgtest"
	"github.com/leadbot/leadbot/scoring"
	"github.com/leadbot/leadbot/store"
	"github.com/leadbot/leadbot/training"
)

// BenchmarkRetrain200k is the nightly retrain end to end on 200,000 leads, 20,000 outcomes and
// 5,000 feedback rows: load from PostgreSQL, train (auto: both families with their small search),
// validate against the champion on the latest outcomes, rescore the 180,000 open leads and write
// scores with reasons. Each stage's seconds are reported.
func BenchmarkRetrain200k(b *testing.B) {
	ctx := context.Background()
	db := pgtest.NewDB(b)
	st := store.New(db)
	// Data generated inside PostgreSQL: a known rule on visits, industry and size, with noise.
	for _, q := range []string{
		`SELECT setseed(0.42)`,
		`INSERT INTO reps (email, name) SELECT 'rep' || g || '@example.com', 'Rep ' || g FROM generate_series(1, 50) g`,
		`INSERT INTO leads (external_id, name, company, email, owner_id, source, created_at, attributes)
		 SELECT 'L' || g, 'Lead ' || g, 'Company ' || (g % 20000), 'p' || g || '@' || CASE WHEN g % 7 = 0 THEN 'gmail.com' ELSE 'co' || (g % 20000) || '.example' END,
		        1 + g % 50, (ARRAY['Web','Referral','Event','Cold','Partner'])[1 + g % 5],
		        now() - (g % 365) * interval '1 day',
		        jsonb_build_object(
		            'Visits', floor(random() * 30)::int,
		            'Time on site', floor(random() * 3000)::int,
		            'Industry', (ARRAY['Software','Retail','Finance','Health','Education','Logistics'])[1 + floor(random() * 6)::int],
		            'Size', (ARRAY['1-10','11-50','51-200','201-500','501+'])[1 + floor(random() * 5)::int],
		            'Country', (ARRAY['UK','DE','FR','US','IN','BR',''])[1 + floor(random() * 7)::int],
		            'Title', (ARRAY['CEO','VP Sales','Analyst','IT Manager','CTO'])[1 + floor(random() * 5)::int],
		            'Opened email', (ARRAY['Yes','No'])[1 + floor(random() * 2)::int])
		 FROM generate_series(1, 200000) g`,
		`INSERT INTO outcomes (lead_id, outcome, occurred_at)
		 SELECT id, CASE WHEN random() < 1 / (1 + exp(-(-2.0 + 0.12 * (attributes->>'Visits')::int
		                 + CASE attributes->>'Industry' WHEN 'Software' THEN 1.2 WHEN 'Education' THEN -0.8 ELSE 0 END
		                 + CASE attributes->>'Size' WHEN '1-10' THEN -0.7 WHEN '201-500' THEN 0.6 ELSE 0 END)))
		             THEN 'won' ELSE 'lost' END,
		        created_at + interval '20 days'
		 FROM leads WHERE id % 10 = 0`,
		`INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, account_wide)
		 SELECT id, owner_id, CASE WHEN id % 3 = 0 THEN 1 ELSE -1 END,
		        CASE WHEN id % 3 = 0 THEN NULL ELSE (ARRAY['no_budget','competitor','bad_timing','bad_data'])[1 + (id / 7) % 4] END,
		        id % 11 = 0
		 FROM leads WHERE id % 10 <> 0 AND id % 36 = 1 LIMIT 5000`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	b.ResetTimer()
	for range b.N {
		r, err := training.Retrain(ctx, st, training.Config{Kind: scoring.KindAuto, Seed: 1, Margin: 0.005}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []string{"load", "train", "validate", "refit", "score"} {
			b.ReportMetric(r.Stages[s], s+"-s")
		}
		b.ReportMetric(float64(r.Scored), "scored")
		b.ReportMetric(float64(r.FeedbackLabels), "weak-labels")
		b.ReportMetric(r.Challenger.AUC, "holdout-auc")
	}
}
