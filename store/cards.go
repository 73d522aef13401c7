package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// CardFacts is everything a lead card shows besides the lead itself, as one viewer sees it.
type CardFacts struct {
	LeadID int64
	// Latest is the lead's current score; Prev the one the viewer saw when it was last delivered
	// to them (nil when never, or when it has not changed since).
	Latest, Prev *leadbot.Score
	// Verdict is the viewer's active verdict or, failing that, that of the other person entitled
	// to judge the lead (the owner's manager, or the owner when a manager looks); VerdictBy names
	// them when it is not the viewer.
	Verdict     *leadbot.Feedback
	VerdictBy   string
	ReasonLabel string
	Snoozed     *time.Time
	Outcome     *leadbot.Outcome
}

type cardRow struct {
	LeadID int64 `db:"lead_id"`

	CurID      *int64     `db:"cur_id"`
	CurModel   *int       `db:"cur_model"`
	CurP       *float64   `db:"cur_p"`
	CurFactors []byte     `db:"cur_factors"`
	CurAt      *time.Time `db:"cur_at"`

	PrevID      *int64     `db:"prev_id"`
	PrevModel   *int       `db:"prev_model"`
	PrevP       *float64   `db:"prev_p"`
	PrevFactors []byte     `db:"prev_factors"`
	PrevAt      *time.Time `db:"prev_at"`

	FbID        *int64           `db:"fb_id"`
	FbRep       *int64           `db:"fb_rep"`
	FbVerdict   *leadbot.Verdict `db:"fb_verdict"`
	FbReason    *string          `db:"fb_reason"`
	FbNote      *string          `db:"fb_note"`
	FbAccount   *bool            `db:"fb_account"`
	FbAt        *time.Time       `db:"fb_at"`
	FbBy        *string          `db:"fb_by"`
	ReasonLabel *string          `db:"reason_label"`

	SnoozedUntil *time.Time `db:"snoozed_until"`
	Outcome      *string    `db:"outcome"`
	OccurredAt   *time.Time `db:"occurred_at"`
	Amount       *float64   `db:"amount"`
}

// CardFacts reads, in one query, what the cards of leadIDs show to viewer on their local day
// (a digest redraw used to take some forty queries).
func (s *Store) CardFacts(ctx context.Context, viewer leadbot.Rep, leadIDs []int64, day time.Time) (map[int64]CardFacts, error) {
	var rows []cardRow
	err := s.selectPrepared(ctx, &rows, `
		SELECT l.id AS lead_id,
		       cur.id AS cur_id, cur.model_version AS cur_model, cur.probability AS cur_p, cur.factors AS cur_factors, cur.scored_at AS cur_at,
		       prev.id AS prev_id, prev.model_version AS prev_model, prev.probability AS prev_p, prev.factors AS prev_factors, prev.scored_at AS prev_at,
		       fb.id AS fb_id, fb.rep_id AS fb_rep, fb.verdict AS fb_verdict, fb.reason_code AS fb_reason, fb.note AS fb_note,
		       fb.account_wide AS fb_account, fb.created_at AS fb_at,
		       CASE WHEN fb.rep_id <> $2 THEN COALESCE(NULLIF(fr.name, ''), fr.email) END AS fb_by,
		       rc.label AS reason_label,
		       z.until AS snoozed_until,
		       o.outcome, o.occurred_at, o.amount::float8 AS amount
		FROM unnest($1::bigint[]) WITH ORDINALITY AS u(id, ord)
		JOIN leads l ON l.id = u.id
		LEFT JOIN LATERAL (SELECT id, model_version, probability, factors, scored_at FROM scores
		                   WHERE lead_id = l.id ORDER BY scored_at DESC, id DESC LIMIT 1) cur ON true
		LEFT JOIN LATERAL (SELECT created_at FROM deliveries
		                   WHERE rep_id = $2 AND lead_id = l.id AND day < $4 ORDER BY day DESC LIMIT 1) ld ON true
		LEFT JOIN LATERAL (SELECT id, model_version, probability, factors, scored_at FROM scores
		                   WHERE lead_id = l.id AND ld.created_at IS NOT NULL AND scored_at <= ld.created_at
		                   ORDER BY scored_at DESC, id DESC LIMIT 1) prev ON prev.id IS DISTINCT FROM cur.id
		LEFT JOIN LATERAL (SELECT * FROM feedback f
		                   WHERE f.lead_id = l.id AND f.undone_at IS NULL
		                     AND (f.rep_id = $2 OR f.rep_id = CASE WHEN l.owner_id = $2 THEN $3 ELSE l.owner_id END)
		                   ORDER BY f.rep_id = $2 DESC LIMIT 1) fb ON true
		LEFT JOIN reps fr ON fr.id = fb.rep_id
		LEFT JOIN reason_codes rc ON rc.code = fb.reason_code
		LEFT JOIN snoozes z ON z.rep_id = $2 AND z.lead_id = l.id AND z.until >= $4
		LEFT JOIN outcomes o ON o.lead_id = l.id
		ORDER BY u.ord`, pq.Array(leadIDs), viewer.ID, viewer.ManagerID, day)
	if err != nil {
		return nil, translate("CardFacts", err)
	}
	out := make(map[int64]CardFacts, len(rows))
	for _, r := range rows {
		f := CardFacts{LeadID: r.LeadID, Snoozed: r.SnoozedUntil}
		if r.CurID != nil {
			f.Latest = &leadbot.Score{ID: *r.CurID, LeadID: r.LeadID, ModelVersion: r.CurModel, Probability: *r.CurP, FactorsJSON: json.RawMessage(r.CurFactors), ScoredAt: *r.CurAt}
		}
		if r.PrevID != nil {
			f.Prev = &leadbot.Score{ID: *r.PrevID, LeadID: r.LeadID, ModelVersion: r.PrevModel, Probability: *r.PrevP, FactorsJSON: json.RawMessage(r.PrevFactors), ScoredAt: *r.PrevAt}
		}
		if r.FbID != nil {
			f.Verdict = &leadbot.Feedback{ID: *r.FbID, LeadID: r.LeadID, RepID: *r.FbRep, Verdict: *r.FbVerdict, ReasonCode: r.FbReason,
				Note: deref(r.FbNote), AccountWide: r.FbAccount != nil && *r.FbAccount, CreatedAt: *r.FbAt}
			f.VerdictBy, f.ReasonLabel = deref(r.FbBy), deref(r.ReasonLabel)
		}
		if r.Outcome != nil {
			f.Outcome = &leadbot.Outcome{LeadID: r.LeadID, Outcome: *r.Outcome, OccurredAt: *r.OccurredAt, Amount: r.Amount}
		}
		out[r.LeadID] = f
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
