package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// CRMCursor returns where object's incremental pull stands (ok false before the first sync).
func (s *Store) CRMCursor(ctx context.Context, system, object string) (t time.Time, ok bool, err error) {
	err = s.db.GetContext(ctx, &t, `SELECT modstamp FROM crm_cursors WHERE system = $1 AND object = $2`, system, object)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return t, err == nil, translate("CRMCursor", err)
}

// AdvanceCRMCursor moves object's cursor to t; it never moves back (two replicas, a slow run).
func (s *Store) AdvanceCRMCursor(ctx context.Context, system, object string, t time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO crm_cursors (system, object, modstamp) VALUES ($1, $2, $3)
		ON CONFLICT (system, object) DO UPDATE SET modstamp = GREATEST(crm_cursors.modstamp, EXCLUDED.modstamp), updated_at = now()`,
		system, object, t)
	return translate("AdvanceCRMCursor", err)
}

// CRMCursors returns every cursor of system, by object (for sync lag and `crm check`).
func (s *Store) CRMCursors(ctx context.Context, system string) (map[string]time.Time, error) {
	var rows []struct {
		Object   string    `db:"object"`
		Modstamp time.Time `db:"modstamp"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT object, modstamp FROM crm_cursors WHERE system = $1`, system)
	out := map[string]time.Time{}
	for _, r := range rows {
		out[r.Object] = r.Modstamp
	}
	return out, translate("CRMCursors", err)
}

// LinkCRM records which lead each CRM record (crm id → lead external id) tells the outcome of.
func (s *Store) LinkCRM(ctx context.Context, system, object string, links map[string]string) error {
	if len(links) == 0 {
		return nil
	}
	ids, leads := make([]string, 0, len(links)), make([]string, 0, len(links))
	for id, lead := range links {
		ids, leads = append(ids, id), append(leads, lead)
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO crm_links (system, object, crm_id, lead_external_id)
		SELECT $1, $2, u.id, u.lead FROM unnest($3::text[], $4::text[]) AS u (id, lead)
		ON CONFLICT (system, object, crm_id) DO UPDATE SET lead_external_id = EXCLUDED.lead_external_id`,
		system, object, pq.Array(ids), pq.Array(leads))
	return translate("LinkCRM", err)
}

// CRMLinks returns the lead external id linked to each of crmIDs that has one.
func (s *Store) CRMLinks(ctx context.Context, system, object string, crmIDs []string) (map[string]string, error) {
	var rows []struct {
		ID   string `db:"crm_id"`
		Lead string `db:"lead_external_id"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT crm_id, lead_external_id FROM crm_links WHERE system = $1 AND object = $2 AND crm_id = ANY($3)`,
		system, object, pq.Array(crmIDs))
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Lead
	}
	return out, translate("CRMLinks", err)
}

// LeadOutcomesByExternalID returns the stored outcome of each lead of externalIDs that has one,
// and "" for a lead stored without one; leads not stored are absent.
func (s *Store) LeadOutcomesByExternalID(ctx context.Context, externalIDs []string) (map[string]string, error) {
	var rows []struct {
		ID      string `db:"external_id"`
		Outcome string `db:"outcome"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT l.external_id, COALESCE(o.outcome, '') AS outcome
		FROM leads l LEFT JOIN outcomes o ON o.lead_id = l.id
		WHERE l.external_id = ANY($1)`, pq.Array(externalIDs))
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Outcome
	}
	return out, translate("LeadOutcomesByExternalID", err)
}

// TakeCRMCall counts one API call of system against today's share (UTC day) and reports whether
// it was allowed: at most share × the allowance the CRM last reported; every call is allowed
// until the CRM has reported one. Replicas share the count.
func (s *Store) TakeCRMCall(ctx context.Context, system string, day time.Time, share float64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		WITH up AS (
			INSERT INTO crm_budget AS b (system, day, calls, max_calls)
			VALUES ($1, $2, 1, COALESCE((SELECT max_calls FROM crm_budget WHERE system = $1 ORDER BY day DESC LIMIT 1), 0))
			ON CONFLICT (system, day) DO UPDATE SET calls = b.calls + 1
			WHERE b.max_calls = 0 OR b.calls < floor(b.max_calls * $3::float8)
			RETURNING 1)
		SELECT count(*) FROM up`, system, day, share)
	return n == 1, translate("TakeCRMCall", err)
}

// ObserveCRMAllowance records the daily allowance the CRM reported.
func (s *Store) ObserveCRMAllowance(ctx context.Context, system string, day time.Time, max int) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO crm_budget (system, day, max_calls) VALUES ($1, $2, $3)
		ON CONFLICT (system, day) DO UPDATE SET max_calls = EXCLUDED.max_calls`, system, day, max)
	return translate("ObserveCRMAllowance", err)
}

// CRMBudget returns today's calls and the allowance last reported.
func (s *Store) CRMBudget(ctx context.Context, system string, day time.Time) (calls, max int, err error) {
	err = s.db.QueryRowxContext(ctx, `SELECT calls, max_calls FROM crm_budget WHERE system = $1 AND day = $2`, system, day).Scan(&calls, &max)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return calls, max, translate("CRMBudget", err)
}

// WritebackLead is a lead whose values may need writing back: its current score, the factors of
// that score, the latest active verdict, and what was last written.
type WritebackLead struct {
	LeadID     int64           `db:"id"`
	ExternalID string          `db:"external_id"`
	Score      float64         `db:"score"`
	Model      *int            `db:"score_model"`
	ScoredAt   time.Time       `db:"scored_at"`
	Factors    json.RawMessage `db:"factors"`
	Verdict    *int            `db:"verdict"`
	Reason     *string         `db:"reason_code"`
	Written    json.RawMessage `db:"fields"`
}

// FactorsOf decodes the score's factors.
func (w WritebackLead) FactorsOf() leadbot.Factors {
	var f leadbot.Factors
	_ = json.Unmarshal(w.Factors, &f)
	return f
}

// WritebackCandidates returns the scored leads whose external id starts with prefix (the CRM's
// key prefix, 00Q for Salesforce leads) and that may have changed since their last write-back:
// never written, scored since, judged or undone since, or failed last time.
func (s *Store) WritebackCandidates(ctx context.Context, system, prefix string) ([]WritebackLead, error) {
	var out []WritebackLead
	err := s.db.SelectContext(ctx, &out, `
		SELECT l.id, l.external_id, l.score, l.score_model, l.scored_at, COALESCE(sc.factors, '{}') AS factors,
			f.verdict, f.reason_code, COALESCE(w.fields, '{}') AS fields
		FROM leads l
		LEFT JOIN crm_writeback w ON w.system = $1 AND w.lead_id = l.id
		LEFT JOIN LATERAL (SELECT factors FROM scores s WHERE s.lead_id = l.id ORDER BY s.scored_at DESC, s.id DESC LIMIT 1) sc ON true
		LEFT JOIN LATERAL (SELECT verdict, reason_code FROM feedback fb WHERE fb.lead_id = l.id AND fb.undone_at IS NULL
			ORDER BY fb.created_at DESC, fb.id DESC LIMIT 1) f ON true
		WHERE l.score IS NOT NULL AND l.scored_at IS NOT NULL AND starts_with(l.external_id, $2)
		  AND (w.lead_id IS NULL OR w.written_at IS NULL OR w.last_error <> '' OR l.scored_at > w.written_at
		       OR EXISTS (SELECT 1 FROM feedback fb WHERE fb.lead_id = l.id AND (fb.created_at > w.written_at OR fb.undone_at > w.written_at)))
		ORDER BY l.id`, system, prefix)
	return out, translate("WritebackCandidates", err)
}

// Written is one lead's write-back result: the fields now in the CRM, or the error.
type Written struct {
	LeadID int64
	Fields json.RawMessage // all the values the CRM now holds (on success)
	Error  string          // "" on success
}

// RecordWriteback stores a batch's results in one statement: a success replaces the fields
// written; a failure keeps them and records the error, so the next run sends the lead again.
// The time written is the database's, as the scores' scored_at is, so that "scored since" compares
// one clock.
func (s *Store) RecordWriteback(ctx context.Context, system string, rs []Written) error {
	ids, fields, errs := make([]int64, len(rs)), make([]string, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		ids[i], errs[i] = r.LeadID, r.Error
		fields[i] = string(r.Fields)
		if r.Error != "" || len(r.Fields) == 0 {
			fields[i] = "{}"
		}
	}
	return translate("RecordWriteback", s.Tx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO crm_writeback AS w (system, lead_id, fields, written_at, attempts, last_error)
			SELECT $1, u.id, CASE WHEN u.err = '' THEN u.fields::jsonb ELSE '{}' END, CASE WHEN u.err = '' THEN now() END,
				CASE WHEN u.err = '' THEN 0 ELSE 1 END, u.err
			FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u (id, fields, err)
			ON CONFLICT (system, lead_id) DO UPDATE SET
				fields = CASE WHEN EXCLUDED.last_error = '' THEN EXCLUDED.fields ELSE w.fields END,
				written_at = CASE WHEN EXCLUDED.last_error = '' THEN EXCLUDED.written_at ELSE w.written_at END,
				attempts = CASE WHEN EXCLUDED.last_error = '' THEN 0 ELSE w.attempts + 1 END,
				last_error = EXCLUDED.last_error`,
			system, pq.Array(ids), pq.Array(fields), pq.Array(errs))
		return err
	}))
}

// HotCandidates returns the open leads, owned by a rep, that arrived or changed within window
// and were scored at least hot since: those a "hot now" DM is for. Leads already alerted,
// judged, or with an outcome are left out.
func (s *Store) HotCandidates(ctx context.Context, window time.Duration, hot float64) ([]leadbot.Lead, error) {
	var ls []leadbot.Lead
	err := s.db.SelectContext(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
			l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM leads l
		WHERE l.owner_id IS NOT NULL AND l.status = 'open' AND l.score >= $2
		  AND l.updated_at >= now() - make_interval(secs => $1::float8) AND l.scored_at >= l.updated_at
		  AND NOT EXISTS (SELECT 1 FROM hot_alerts h WHERE h.lead_id = l.id AND h.status <> 'failed')
		  AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.lead_id = l.id)
		  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = l.id AND f.undone_at IS NULL)
		ORDER BY l.score DESC, l.id`, window.Seconds(), hot)
	return ls, translate("HotCandidates", err)
}

// ReserveHotAlert records that lead is to be sent hot to rep on the rep's local day, before it
// is sent; it refuses (false) a lead already reserved and a rep who has had perDay today. An alert
// that failed to send is reserved again.
func (s *Store) ReserveHotAlert(ctx context.Context, leadID, repID int64, day time.Time, perDay int) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		WITH ins AS (
			INSERT INTO hot_alerts (lead_id, rep_id, day)
			SELECT $1, $2, $3 WHERE (SELECT count(*) FROM hot_alerts WHERE rep_id = $2 AND day = $3 AND status <> 'failed') < $4
			ON CONFLICT (lead_id) DO UPDATE SET status = 'pending', last_error = '', day = EXCLUDED.day
			WHERE hot_alerts.status = 'failed'
			RETURNING 1)
		SELECT count(*) FROM ins`, leadID, repID, day, perDay)
	return n == 1, translate("ReserveHotAlert", err)
}

// HotAlert is a "hot now" DM that was sent.
type HotAlert struct {
	LeadID    int64  `db:"lead_id"`
	RepID     int64  `db:"rep_id"`
	Channel   string `db:"channel"`
	MessageTS string `db:"message_ts"`
}

// HotAlertByMessage finds the "hot now" DM posted as message ts in channel (ErrNotFound: none).
func (s *Store) HotAlertByMessage(ctx context.Context, channel, ts string) (HotAlert, error) {
	var a HotAlert
	err := s.db.GetContext(ctx, &a, `
		SELECT lead_id, rep_id, channel, message_ts FROM hot_alerts
		WHERE channel = $1 AND message_ts = $2 AND status = 'sent'`, channel, ts)
	return a, translate("HotAlertByMessage", err)
}

// MarkHotAlert records how a reserved alert went: sent (with its message) or failed.
func (s *Store) MarkHotAlert(ctx context.Context, leadID int64, channel, ts, errText string) error {
	status := "sent"
	if errText != "" {
		status = "failed"
	}
	_, err := s.db.ExecContext(ctx, `
		UPDATE hot_alerts SET status = $2, channel = $3, message_ts = $4, last_error = $5,
			sent_at = CASE WHEN $2 = 'sent' THEN now() END
		WHERE lead_id = $1`, leadID, status, channel, ts, errText)
	return translate("MarkHotAlert", err)
}
