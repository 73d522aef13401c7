package store

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/leadbot/leadbot"
)

// RecordFeedback records a verdict with the lead's current score and model. A rep has at most one
// active verdict per lead: when one exists already (a double click, a retried envelope, a stale
// message) it is returned unchanged with created false.
func (s *Store) RecordFeedback(ctx context.Context, f leadbot.NewFeedback) (fb leadbot.Feedback, created bool, err error) {
	rows, err := s.insertFeedback(ctx, recordFeedbackQuery, f.RepID, f)
	if err != nil {
		return fb, false, err
	}
	if len(rows) == 1 {
		return rows[0], true, nil
	}
	fb, err = s.ActiveFeedback(ctx, f.RepID, f.LeadID)
	return fb, false, err
}

// RecordFeedbackBy records, in one statement, the verdict of the rep matched to the Slack user
// slackID if they may judge the lead: they own it or manage its owner (f.RepID is not used). It is
// the common click made cheap. recorded is false when nothing was written: they may not, the lead
// is gone, or their verdict is there already; the caller finds out which with the lookups it
// makes for its answer.
func (s *Store) RecordFeedbackBy(ctx context.Context, slackID string, f leadbot.NewFeedback) (fb leadbot.Feedback, recorded bool, err error) {
	rows, err := s.insertFeedback(ctx, recordFeedbackByQuery, slackID, f)
	if err != nil || len(rows) == 0 {
		return fb, false, err
	}
	return rows[0], true, nil
}

// The two inserts of a verdict, with the lead's current score and model (a backdated verdict,
// $9: the score the lead had then, when one was recorded), unless the rep has an active verdict
// on the lead already. $1 is the lead, $3… the verdict's fields; they differ in $2
// and in who is checked.
const (
	// $2 is the rep's id; the caller has checked the rep may judge the lead.
	recordFeedbackQuery = `
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
		                      probability, model_version, created_at)
		SELECT l.id, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, COALESCE(past.probability, l.score),
		       CASE WHEN past.probability IS NULL THEN l.score_model ELSE past.model_version END, COALESCE($9, now())
		FROM leads l
		LEFT JOIN LATERAL (SELECT sc.probability, sc.model_version FROM scores sc
		                   WHERE sc.lead_id = l.id AND sc.scored_at <= $9
		                   ORDER BY sc.scored_at DESC LIMIT 1) past ON true
		WHERE l.id = $1
		ON CONFLICT (rep_id, lead_id) WHERE undone_at IS NULL DO NOTHING
		RETURNING id, lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
		          probability, model_version, created_at, undone_at`

	// $2 is the rep's Slack user id; nothing is inserted unless they may judge the lead (the
	// access rule, may_judge).
	recordFeedbackByQuery = `
		INSERT INTO feedback (lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
		                      probability, model_version, created_at)
		SELECT l.id, r.id, $3, NULLIF($4, ''), $5, $6, $7, $8, COALESCE(past.probability, l.score),
		       CASE WHEN past.probability IS NULL THEN l.score_model ELSE past.model_version END, COALESCE($9, now())
		FROM leads l
		JOIN reps r ON r.slack_user_id = $2
		LEFT JOIN LATERAL (SELECT sc.probability, sc.model_version FROM scores sc
		                   WHERE sc.lead_id = l.id AND sc.scored_at <= $9
		                   ORDER BY sc.scored_at DESC LIMIT 1) past ON true
		LEFT JOIN reps o ON o.id = l.owner_id
		WHERE l.id = $1 AND may_judge(r.id, l.owner_id, o.manager_id)
		ON CONFLICT (rep_id, lead_id) WHERE undone_at IS NULL DO NOTHING
		RETURNING id, lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
		          probability, model_version, created_at, undone_at`
)

// insertFeedback runs one of the feedback inserts with who as $2 and returns the row it wrote,
// if any.
func (s *Store) insertFeedback(ctx context.Context, query string, who any, f leadbot.NewFeedback) ([]leadbot.Feedback, error) {
	var rows []leadbot.Feedback
	err := s.selectPrepared(ctx, &rows, query,
		f.LeadID, who, f.Verdict, f.ReasonCode, f.Note, f.AccountWide, f.Channel, f.MessageTS, nullTime(f.CreatedAt))
	return rows, translate("insertFeedback", err)
}

// ActiveFeedback returns the rep's active verdict on a lead, or ErrNotFound.
func (s *Store) ActiveFeedback(ctx context.Context, repID, leadID int64) (leadbot.Feedback, error) {
	var fb leadbot.Feedback
	err := s.db.GetContext(ctx, &fb, `SELECT id, lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
	probability, model_version, created_at, undone_at FROM feedback
		WHERE rep_id = $1 AND lead_id = $2 AND undone_at IS NULL`, repID, leadID)
	return fb, translate("ActiveFeedback", err)
}

// UndoFeedback withdraws the rep's active verdict on a lead, keeping it in the history. It
// reports whether there was one.
func (s *Store) UndoFeedback(ctx context.Context, repID, leadID int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE feedback SET undone_at = now()
		WHERE rep_id = $1 AND lead_id = $2 AND undone_at IS NULL`, repID, leadID)
	if err != nil {
		return false, translate("UndoFeedback", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// FeedbackOnLead returns every verdict on a lead, undone ones included, newest first.
func (s *Store) FeedbackOnLead(ctx context.Context, leadID int64) ([]leadbot.Feedback, error) {
	var fs []leadbot.Feedback
	err := s.db.SelectContext(ctx, &fs, `SELECT id, lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
	probability, model_version, created_at, undone_at FROM feedback
		WHERE lead_id = $1 ORDER BY created_at DESC, id DESC`, leadID)
	return fs, translate("FeedbackOnLead", err)
}

// AllFeedback returns every active verdict (for training), oldest first.
func (s *Store) AllFeedback(ctx context.Context) ([]leadbot.Feedback, error) {
	var fs []leadbot.Feedback
	err := s.db.SelectContext(ctx, &fs, `SELECT id, lead_id, rep_id, verdict, reason_code, note, account_wide, channel, message_ts,
	probability, model_version, created_at, undone_at FROM feedback
		WHERE undone_at IS NULL ORDER BY created_at, id`)
	return fs, translate("AllFeedback", err)
}

// SpooledClick is a click that could not be written when it was made (the database down) and is
// written late, from the click spool (package spool). Key is unique to the click.
type SpooledClick struct {
	Key string `json:"key"`
	// Kind is "verdict", "undo", "snooze" or "settings" for a rep the handler has read already
	// (RepID), or the same with "_by" for one known only by their Slack id (SlackID): during an
	// outage the handler cannot read the rep, so the rep is found, and the access rule applied,
	// as the click is written.
	Kind string `json:"kind"`
	// Feedback is the verdict ("verdict": Feedback.RepID; "verdict_by": SlackID).
	Feedback leadbot.NewFeedback `json:"feedback"`
	SlackID  string              `json:"slack_id,omitempty"`
	RepID    int64               `json:"rep_id,omitempty"` // undo, snooze, settings
	LeadID   int64               `json:"lead_id,omitempty"`
	Until    time.Time           `json:"until"`    // snooze
	Settings RepSettings         `json:"settings"` // settings
}

// ApplySpooled writes a spooled click once: its key and its write commit together, so a click
// applied already (replayed after a crash) is skipped with applied false. An unknown kind is an
// EINVALID error (a spool file from a newer leadbot).
func (s *Store) ApplySpooled(ctx context.Context, c SpooledClick) (applied bool, err error) {
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO spool_applied (key) VALUES ($1) ON CONFLICT (key) DO NOTHING`, c.Key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		applied = true
		return applySpooled(ctx, tx, c)
	})
	if err != nil {
		var le *leadbot.Error
		if errors.As(err, &le) {
			return false, err
		}
		return false, translate("ApplySpooled", err)
	}
	return applied, nil
}

func applySpooled(ctx context.Context, tx *sqlx.Tx, c SpooledClick) error {
	f := c.Feedback
	var err error
	switch c.Kind {
	case "verdict":
		_, err = tx.ExecContext(ctx, recordFeedbackQuery, f.LeadID, f.RepID, f.Verdict, f.ReasonCode, f.Note, f.AccountWide,
			f.Channel, f.MessageTS, nullTime(f.CreatedAt))
	case "verdict_by":
		_, err = tx.ExecContext(ctx, recordFeedbackByQuery, f.LeadID, c.SlackID, f.Verdict, f.ReasonCode, f.Note, f.AccountWide,
			f.Channel, f.MessageTS, nullTime(f.CreatedAt))
	case "undo":
		_, err = tx.ExecContext(ctx, `UPDATE feedback SET undone_at = now()
			WHERE rep_id = $1 AND lead_id = $2 AND undone_at IS NULL`, c.RepID, c.LeadID)
	case "undo_by":
		_, err = tx.ExecContext(ctx, `
			UPDATE feedback f SET undone_at = now() FROM reps r
			WHERE r.slack_user_id = $1 AND f.rep_id = r.id AND f.lead_id = $2 AND f.undone_at IS NULL`, c.SlackID, c.LeadID)
	case "snooze_by":
		_, err = tx.ExecContext(ctx, `
			INSERT INTO snoozes (rep_id, lead_id, until)
			SELECT r.id, l.id, $3 FROM leads l JOIN reps r ON r.slack_user_id = $1 LEFT JOIN reps o ON o.id = l.owner_id
			WHERE l.id = $2 AND may_judge(r.id, l.owner_id, o.manager_id)
			ON CONFLICT (rep_id, lead_id) DO UPDATE SET until = EXCLUDED.until, created_at = now()`, c.SlackID, c.LeadID, c.Until)
	case "settings_by":
		_, err = tx.ExecContext(ctx, `
			UPDATE reps SET delivery_hour = $2, leads_per_day = $3, paused_until = $4, updated_at = now()
			WHERE slack_user_id = $1`, c.SlackID, c.Settings.DeliveryHour, c.Settings.LeadsPerDay, c.Settings.PausedUntil)
	case "snooze":
		_, err = tx.ExecContext(ctx, `
			INSERT INTO snoozes (rep_id, lead_id, until) VALUES ($1, $2, $3)
			ON CONFLICT (rep_id, lead_id) DO UPDATE SET until = EXCLUDED.until, created_at = now()`, c.RepID, c.LeadID, c.Until)
	case "settings":
		_, err = tx.ExecContext(ctx, `
			UPDATE reps SET delivery_hour = $2, leads_per_day = $3, paused_until = $4, updated_at = now()
			WHERE id = $1`, c.RepID, c.Settings.DeliveryHour, c.Settings.LeadsPerDay, c.Settings.PausedUntil)
	default:
		return leadbot.Errorf(leadbot.EINVALID, "spooled click %s has an unknown kind %q: this leadbot is older than the spool file", c.Key, c.Kind)
	}
	return err
}
