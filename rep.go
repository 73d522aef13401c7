package leadbot

import "time"

// Rep is a sales rep or a manager (a rep whom others report to).
type Rep struct {
	ID           int64      `db:"id"`
	Email        string     `db:"email"`
	Name         string     `db:"name"`
	SlackUserID  *string    `db:"slack_user_id"`
	ManagerID    *int64     `db:"manager_id"`
	IsManager    bool       `db:"is_manager"`
	Team         string     `db:"team"`
	Timezone     string     `db:"timezone"`
	DeliveryHour *int       `db:"delivery_hour"` // nil: the configured default (digest.delivery_hour)
	LeadsPerDay  *int       `db:"leads_per_day"` // nil: the configured default (digest.leads_per_day)
	PausedUntil  *time.Time `db:"paused_until"`
	LookupAt     *time.Time `db:"slack_lookup_at"`
	LookupError  string     `db:"slack_lookup_error"`
}

// SlackID returns the rep's Slack user id, or "" when not matched yet.
func (r Rep) SlackID() string {
	if r.SlackUserID == nil {
		return ""
	}
	return *r.SlackUserID
}

// DisplayName is the rep's name, or their email when the CRM gave no name.
func (r Rep) DisplayName() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Email
}

// Paused reports whether the rep asked for no digests on day.
func (r Rep) Paused(day time.Time) bool {
	return r.PausedUntil != nil && !day.After(*r.PausedUntil)
}
