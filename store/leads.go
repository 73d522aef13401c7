package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
)

// NewLead describes a lead to create or update by external id (the CSV import has its own,
// COPY-based path for files; this one is for single leads: webhooks, the demo, tests).
type NewLead struct {
	ExternalID string
	Name       string
	Company    string
	Email      string
	OwnerID    *int64
	Source     string
	CreatedAt  *time.Time
	Attributes map[string]any
}

// UpsertLead creates or updates one lead by external id.
func (s *Store) UpsertLead(ctx context.Context, l NewLead) (leadbot.Lead, error) {
	attrs := l.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	b, err := json.Marshal(attrs)
	if err != nil {
		return leadbot.Lead{}, err
	}
	var out leadbot.Lead
	err = s.db.QueryRowxContext(ctx, `
		INSERT INTO leads AS l (external_id, name, company, email, owner_id, source, created_at, attributes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (external_id) DO UPDATE SET
		    name = EXCLUDED.name, company = EXCLUDED.company, email = EXCLUDED.email,
		    owner_id = EXCLUDED.owner_id, source = EXCLUDED.source, created_at = EXCLUDED.created_at,
		    attributes = EXCLUDED.attributes, updated_at = now()
		RETURNING l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at`,
		l.ExternalID, l.Name, l.Company, l.Email, l.OwnerID, l.Source, l.CreatedAt, b).StructScan(&out)
	return out, translate("UpsertLead", err)
}

// LeadByID returns one lead.
func (s *Store) LeadByID(ctx context.Context, id int64) (leadbot.Lead, error) {
	var l leadbot.Lead
	err := s.getPrepared(ctx, &l, `SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l WHERE l.id = $1`, id)
	return l, translate("LeadByID", err)
}

// LeadByExternalID returns the lead with the CRM's id.
func (s *Store) LeadByExternalID(ctx context.Context, externalID string) (leadbot.Lead, error) {
	var l leadbot.Lead
	err := s.db.GetContext(ctx, &l, `SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l WHERE l.external_id = $1`, externalID)
	return l, translate("LeadByExternalID", err)
}

// SearchLeads finds leads by external id, email, name or company (case-insensitive substring for
// the last two), best matches first: exact id and email, then names, then companies.
func (s *Store) SearchLeads(ctx context.Context, q string, limit int) ([]leadbot.Lead, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
	var ls []leadbot.Lead
	err := s.db.SelectContext(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l
		WHERE l.external_id = $1 OR lower(l.email) = lower($1)
		   OR lower(l.name) LIKE $2 OR l.account LIKE $2
		ORDER BY (l.external_id = $1 OR lower(l.email) = lower($1)) DESC,
		         (lower(l.name) LIKE $2) DESC, l.score DESC NULLS LAST, l.id
		LIMIT $3`, q, like, limit)
	return ls, translate("SearchLeads", err)
}

// OpenLeads returns every open lead without an outcome, in id order, for scoring.
func (s *Store) OpenLeads(ctx context.Context) ([]leadbot.Lead, error) {
	var ls []leadbot.Lead
	err := s.db.SelectContext(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l
		WHERE l.status = 'open' AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)
		ORDER BY l.id`)
	return ls, translate("OpenLeads", err)
}

// CandidateQuery selects the leads a rep could be shown today.
type CandidateQuery struct {
	RepID      int64
	Day        time.Time // the rep's local date
	Limit      int
	ResendDays int // a lead delivered within this many days is left out unless its score rose
}

// DigestCandidates returns the rep's best open leads for day: owned by the rep, scored, without an
// outcome, not snoozed, not judged by this rep (an active verdict), not held out while the
// randomized holdout runs, not already delivered today, and not delivered within ResendDays unless
// the score rose since.
func (s *Store) DigestCandidates(ctx context.Context, q CandidateQuery) ([]leadbot.Lead, error) {
	var ls []leadbot.Lead
	err := s.db.SelectContext(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l
		WHERE l.owner_id = $1 AND l.status = 'open' AND l.score IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)
		  AND NOT EXISTS (SELECT 1 FROM snoozes z WHERE z.rep_id = $1 AND z.lead_id = l.id AND z.until >= $2)
		  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.rep_id = $1 AND f.lead_id = l.id AND f.undone_at IS NULL)
		  AND NOT EXISTS (SELECT 1 FROM experiment_leads x WHERE x.lead_id = l.id AND x.arm = 'held_out'
		                  AND EXISTS (SELECT 1 FROM experiments e WHERE e.stopped_at IS NULL))
		  AND NOT EXISTS (
		      SELECT 1 FROM deliveries d
		      WHERE d.rep_id = $1 AND d.lead_id = l.id AND d.day > $2::date - $4::int
		        AND (d.day = $2 OR d.probability IS NULL OR l.score <= d.probability))
		ORDER BY l.score DESC, l.id
		LIMIT $3`, q.RepID, q.Day, q.Limit, q.ResendDays)
	return ls, translate("DigestCandidates", err)
}

// TopLeads returns a rep's best open leads right now (for /leads and App Home): owned by the rep,
// without an outcome, not snoozed, not held out while the randomized holdout runs; judged leads
// are included (the card shows the verdict).
func (s *Store) TopLeads(ctx context.Context, repID int64, today time.Time, limit int) ([]leadbot.Lead, error) {
	var ls []leadbot.Lead
	err := s.db.SelectContext(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l
		WHERE l.owner_id = $1 AND l.status = 'open'
		  AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)
		  AND NOT EXISTS (SELECT 1 FROM snoozes z WHERE z.rep_id = $1 AND z.lead_id = l.id AND z.until >= $2)
		  AND NOT EXISTS (SELECT 1 FROM experiment_leads x WHERE x.lead_id = l.id AND x.arm = 'held_out'
		                  AND EXISTS (SELECT 1 FROM experiments e WHERE e.stopped_at IS NULL))
		ORDER BY l.score DESC NULLS LAST, l.id
		LIMIT $3`, repID, today, limit)
	return ls, translate("TopLeads", err)
}

// Snooze hides a lead from a rep's digests until the given date (inclusive).
func (s *Store) Snooze(ctx context.Context, repID, leadID int64, until time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO snoozes (rep_id, lead_id, until) VALUES ($1, $2, $3)
		ON CONFLICT (rep_id, lead_id) DO UPDATE SET until = EXCLUDED.until, created_at = now()`,
		repID, leadID, until)
	return translate("Snooze", err)
}

// BackdateLeads sets every lead's imported_at and updated_at to its created_at, for seeded
// history (the demo): its leads did not arrive today, so "hot now", which pushes the leads that
// just arrived or changed, leaves them to the digests.
func (s *Store) BackdateLeads(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE leads SET imported_at = created_at, updated_at = created_at
		WHERE created_at IS NOT NULL AND updated_at > created_at`)
	if err != nil {
		return 0, translate("BackdateLeads", err)
	}
	n, err := res.RowsAffected()
	return int(n), translate("BackdateLeads", err)
}
