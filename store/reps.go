package store

import (
	"context"
	"strings"
	"time"

	"github.com/leadbot/leadbot"
)

// NewRep describes a rep to create or update by email.
type NewRep struct {
	Email        string
	Name         string
	SlackUserID  string
	ManagerEmail string
	IsManager    bool
	Team         string
	Timezone     string
}

// UpsertRep creates the rep, or updates name, Slack id, team and timezone of the one with that
// email. The manager, when given, must exist already.
func (s *Store) UpsertRep(ctx context.Context, r NewRep) (leadbot.Rep, error) {
	var out leadbot.Rep
	err := s.db.QueryRowxContext(ctx, `
		INSERT INTO reps (email, name, slack_user_id, manager_id, is_manager, team, timezone)
		VALUES (lower(btrim($1)), $2, NULLIF($3, ''),
		        (SELECT id FROM reps WHERE email = lower(btrim($4))), $5, $6, $7)
		ON CONFLICT (email) DO UPDATE SET
		    name = EXCLUDED.name,
		    slack_user_id = COALESCE(EXCLUDED.slack_user_id, reps.slack_user_id),
		    manager_id = COALESCE(EXCLUDED.manager_id, reps.manager_id),
		    is_manager = reps.is_manager OR EXCLUDED.is_manager,
		    team = EXCLUDED.team,
		    timezone = CASE WHEN EXCLUDED.timezone <> '' THEN EXCLUDED.timezone ELSE reps.timezone END,
		    updated_at = now()
		RETURNING id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error`,
		r.Email, r.Name, r.SlackUserID, r.ManagerEmail, r.IsManager, r.Team, r.Timezone).StructScan(&out)
	return out, translate("UpsertRep", err)
}

// RepByID returns one rep.
func (s *Store) RepByID(ctx context.Context, id int64) (leadbot.Rep, error) {
	var r leadbot.Rep
	err := s.getPrepared(ctx, &r, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps WHERE id = $1`, id)
	return r, translate("RepByID", err)
}

// RepBySlackID returns the rep matched to a Slack user.
func (s *Store) RepBySlackID(ctx context.Context, slackID string) (leadbot.Rep, error) {
	var r leadbot.Rep
	err := s.getPrepared(ctx, &r, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps WHERE slack_user_id = $1`, slackID)
	return r, translate("RepBySlackID", err)
}

// RepByEmail returns the rep with that email.
func (s *Store) RepByEmail(ctx context.Context, email string) (leadbot.Rep, error) {
	var r leadbot.Rep
	err := s.db.GetContext(ctx, &r, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps WHERE email = $1`, strings.ToLower(strings.TrimSpace(email)))
	return r, translate("RepByEmail", err)
}

// Reps returns every rep, ordered by email.
func (s *Store) Reps(ctx context.Context) ([]leadbot.Rep, error) {
	var rs []leadbot.Rep
	err := s.db.SelectContext(ctx, &rs, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps ORDER BY email`)
	return rs, translate("Reps", err)
}

// TeamOf returns the reps whose manager is managerID.
func (s *Store) TeamOf(ctx context.Context, managerID int64) ([]leadbot.Rep, error) {
	var rs []leadbot.Rep
	err := s.db.SelectContext(ctx, &rs, `SELECT id, email, name, slack_user_id, manager_id, is_manager, team, timezone, delivery_hour,
	leads_per_day, paused_until, slack_lookup_at, slack_lookup_error FROM reps WHERE manager_id = $1 ORDER BY name, email`, managerID)
	return rs, translate("TeamOf", err)
}

// SetSlackMatch records the result of looking a rep up in Slack by email: the user id and
// timezone when found, the error otherwise. Either way the attempt time is kept, so that the
// lookup is cached and not repeated on every tick.
func (s *Store) SetSlackMatch(ctx context.Context, repID int64, slackID, tz, lookupErr string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE reps SET slack_user_id = COALESCE(NULLIF($2, ''), slack_user_id),
		                timezone = CASE WHEN $3 <> '' THEN $3 ELSE timezone END,
		                slack_lookup_at = now(), slack_lookup_error = $4, updated_at = now()
		WHERE id = $1`, repID, slackID, tz, lookupErr)
	return translate("SetSlackMatch", err)
}

// RepSettings are the settings a rep changes from Slack; nil hour or count follows the configured
// default.
type RepSettings struct {
	DeliveryHour *int
	LeadsPerDay  *int
	PausedUntil  *time.Time
}

// UpdateRepSettings stores a rep's settings.
func (s *Store) UpdateRepSettings(ctx context.Context, repID int64, st RepSettings) error {
	res, err := s.db.ExecContext(ctx, `
		UPDATE reps SET delivery_hour = $2, leads_per_day = $3, paused_until = $4, updated_at = now()
		WHERE id = $1`, repID, st.DeliveryHour, st.LeadsPerDay, st.PausedUntil)
	if err != nil {
		return translate("UpdateRepSettings", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
