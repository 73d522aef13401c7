package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// Digest is one digest message to one rep (or manager) on one of their local days.
type Digest struct {
	ID        int64      `db:"id"`
	RepID     int64      `db:"rep_id"`
	Day       time.Time  `db:"day"`
	Kind      string     `db:"kind"`
	Channel   string     `db:"channel"`
	MessageTS string     `db:"message_ts"`
	Status    string     `db:"status"`
	Attempts  int        `db:"attempts"`
	LastError string     `db:"last_error"`
	CreatedAt time.Time  `db:"created_at"`
	SentAt    *time.Time `db:"sent_at"`
	// LeadsFrom, on a channel digest of a team delivered both ways, is the DM digest whose leads
	// it shows.
	LeadsFrom *int64 `db:"leads_from"`
	// SendingAt is when the last attempt to post began, while its outcome is unknown: the message
	// may be in Slack already, so the next attempt looks for it before posting (nil: not posted).
	SendingAt *time.Time `db:"sending_at"`
}

// Delivery is one lead in one digest.
type Delivery struct {
	ID          int64     `db:"id"`
	RepID       int64     `db:"rep_id"`
	LeadID      int64     `db:"lead_id"`
	Day         time.Time `db:"day"`
	DigestID    int64     `db:"digest_id"`
	Position    int       `db:"position"`
	Probability *float64  `db:"probability"`
	CreatedAt   time.Time `db:"created_at"`
}

// ReserveDigest records the rep's digest for day with these leads, in order, before anything is
// sent. When the digest already exists (another replica, a retry, a restart) nothing changes and
// the existing digest is returned with created false: the caller sends only what it created or
// what is still unsent, which is what makes delivery idempotent.
func (s *Store) ReserveDigest(ctx context.Context, repID int64, day time.Time, kind string, leads []leadbot.Lead) (d Digest, created bool, err error) {
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		var ids []Digest
		if err := tx.SelectContext(ctx, &ids, `
			INSERT INTO digests (rep_id, day, kind) VALUES ($1, $2, $3)
			ON CONFLICT (rep_id, day, kind) DO NOTHING RETURNING id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at`, repID, day, kind); err != nil {
			return err
		}
		if len(ids) == 0 {
			return tx.GetContext(ctx, &d, `SELECT id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at FROM digests WHERE rep_id = $1 AND day = $2 AND kind = $3`, repID, day, kind)
		}
		d, created = ids[0], true
		for i, l := range leads {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO deliveries (rep_id, lead_id, day, digest_id, position, probability)
				VALUES ($1, $2, $3, $4, $5, $6)`, repID, l.ID, day, d.ID, i, l.Score); err != nil {
				var pqErr *pq.Error
				if errors.As(err, &pqErr) && pqErr.Code == "23505" {
					// The lead went out today in another digest (a /leads or manual run): skip it.
					continue
				}
				return err
			}
		}
		return nil
	})
	return d, created, translate("ReserveDigest", err)
}

// MarkDigestSending records that an attempt to post digest id begins now, and is the last check
// of the right to send before the post: under a lease (LeaseFrom(ctx)) it is refused with
// ErrLeaseLost unless that lease is still held and valid for at least Lease.Margin more, on the
// database's clock (Lease.Margin). ok is false when the digest is already sent (nothing to post).
func (s *Store) MarkDigestSending(ctx context.Context, id int64) (ok bool, err error) {
	var res sql.Result
	if l, leased := LeaseFrom(ctx); leased {
		res, err = s.db.ExecContext(ctx, `
			UPDATE digests SET sending_at = now()
			WHERE id = $1 AND status <> 'sent'
			  AND EXISTS (SELECT 1 FROM job_leases
			              WHERE job = $2 AND token = $3 AND expires_at > now() + $4 * interval '1 millisecond')`,
			id, l.Job, l.Token, l.Margin.Milliseconds())
	} else {
		res, err = s.db.ExecContext(ctx, `UPDATE digests SET sending_at = now() WHERE id = $1 AND status <> 'sent'`, id)
	}
	if err != nil {
		return false, translate("MarkDigestSending", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	d, err := s.DigestByID(ctx, id)
	if err != nil || d.Status == "sent" {
		return false, err
	}
	return false, &leadbot.Error{Code: leadbot.ECONFLICT, Op: "store.MarkDigestSending", Err: ErrLeaseLost}
}

// MarkDigestSent records where the digest was posted.
func (s *Store) MarkDigestSent(ctx context.Context, id int64, channel, ts string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE digests SET status = 'sent', channel = $2, message_ts = $3, sent_at = now(),
		                   attempts = attempts + 1, last_error = '', sending_at = NULL
		WHERE id = $1`, id, channel, ts)
	return translate("MarkDigestSent", err)
}

// MarkDigestFailed records a failed attempt that Slack refused for certain; the digest stays due
// and is retried.
func (s *Store) MarkDigestFailed(ctx context.Context, id int64, errText string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE digests SET status = 'failed', attempts = attempts + 1, last_error = $2, sending_at = NULL
		WHERE id = $1 AND status <> 'sent'`, id, errText)
	return translate("MarkDigestFailed", err)
}

// MarkDigestUnknown records an attempt whose outcome is unknown (a timeout, a connection lost
// after the request was sent): sending_at stays set, so the retry looks for the message in Slack
// before it posts again.
func (s *Store) MarkDigestUnknown(ctx context.Context, id int64, errText string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE digests SET status = 'failed', attempts = attempts + 1, last_error = $2
		WHERE id = $1 AND status <> 'sent'`, id, errText)
	return translate("MarkDigestUnknown", err)
}

// DigestByID returns one digest.
func (s *Store) DigestByID(ctx context.Context, id int64) (Digest, error) {
	var d Digest
	err := s.db.GetContext(ctx, &d, `SELECT id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at FROM digests WHERE id = $1`, id)
	return d, translate("DigestByID", err)
}

// DigestFor returns the rep's digest of a kind for a day, or ErrNotFound.
func (s *Store) DigestFor(ctx context.Context, repID int64, day time.Time, kind string) (Digest, error) {
	var d Digest
	err := s.db.GetContext(ctx, &d, `SELECT id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at FROM digests WHERE rep_id = $1 AND day = $2 AND kind = $3`, repID, day, kind)
	return d, translate("DigestFor", err)
}

// DigestLeads returns the leads of a digest in their order.
func (s *Store) DigestLeads(ctx context.Context, digestID int64) ([]leadbot.Lead, error) {
	var ls []leadbot.Lead
	err := s.selectPrepared(ctx, &ls, `
		SELECT l.id, l.external_id, l.name, l.company, l.account, l.email, l.owner_id, l.source, l.status,
	l.created_at, l.attributes, l.score, l.score_model, l.scored_at, l.imported_at, l.updated_at FROM deliveries d JOIN leads l ON l.id = d.lead_id
		WHERE d.digest_id = (SELECT COALESCE(leads_from, id) FROM digests WHERE id = $1) ORDER BY d.position`, digestID)
	return ls, translate("DigestLeads", err)
}

// DigestByMessage returns the digest posted as message ts in channel, or ErrNotFound.
func (s *Store) DigestByMessage(ctx context.Context, channel, ts string) (Digest, error) {
	var d Digest
	err := s.getPrepared(ctx, &d, digestByMessageQuery, channel, ts)
	return d, translate("DigestByMessage", err)
}

// digestByMessageQuery runs on every click. Its condition that message_ts is not empty repeats
// the predicate of the partial index digests_message_idx: without it, the generic plan
// PostgreSQL settles on for a prepared statement could not use that index (it cannot know that
// $2 is not empty), and would scan every digest ever sent.
const digestByMessageQuery = `SELECT id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at FROM digests WHERE channel = $1 AND message_ts = $2 AND message_ts <> ''`

// LastSentDigest returns the rep's latest sent digest of a kind, or ErrNotFound.
func (s *Store) LastSentDigest(ctx context.Context, repID int64, kind string) (Digest, error) {
	var d Digest
	err := s.db.GetContext(ctx, &d, `SELECT id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at FROM digests
		WHERE rep_id = $1 AND kind = $2 AND status = 'sent' ORDER BY day DESC LIMIT 1`, repID, kind)
	return d, translate("LastSentDigest", err)
}

// ReserveLinkedDigest records a digest that shows the leads of another digest (a team channel
// copy of a rep's DM digest), or returns the existing one with created false.
func (s *Store) ReserveLinkedDigest(ctx context.Context, repID int64, day time.Time, kind string, from int64) (d Digest, created bool, err error) {
	var rows []Digest
	err = s.db.SelectContext(ctx, &rows, `
		INSERT INTO digests (rep_id, day, kind, leads_from) VALUES ($1, $2, $3, $4)
		ON CONFLICT (rep_id, day, kind) DO NOTHING RETURNING id, rep_id, day, kind, channel, message_ts, status, attempts, last_error, created_at, sent_at, leads_from, sending_at`, repID, day, kind, from)
	if err != nil {
		return d, false, translate("ReserveLinkedDigest", err)
	}
	if len(rows) == 1 {
		return rows[0], true, nil
	}
	d, err = s.DigestFor(ctx, repID, day, kind)
	return d, false, err
}

// TeamPost is the parent message of a team's channel digest on one day.
type TeamPost struct {
	ID        int64     `db:"id"`
	ManagerID int64     `db:"manager_id"`
	Day       time.Time `db:"day"`
	Channel   string    `db:"channel"`
	MessageTS string    `db:"message_ts"`
	Status    string    `db:"status"`
	LastError string    `db:"last_error"`
}

// ReserveTeamPost records the team's parent post for day, or returns the existing one.
func (s *Store) ReserveTeamPost(ctx context.Context, managerID int64, day time.Time, channel string) (TeamPost, error) {
	var p TeamPost
	err := s.db.GetContext(ctx, &p, `
		INSERT INTO team_posts (manager_id, day, channel) VALUES ($1, $2, $3)
		ON CONFLICT (manager_id, day) DO UPDATE SET channel = team_posts.channel
		RETURNING id, manager_id, day, channel, message_ts, status, last_error`, managerID, day, channel)
	return p, translate("ReserveTeamPost", err)
}

// MarkTeamPost records the outcome of posting a team's parent message.
func (s *Store) MarkTeamPost(ctx context.Context, id int64, ts, status, errText string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE team_posts SET message_ts = $2, status = $3, last_error = $4 WHERE id = $1`, id, ts, status, errText)
	return translate("MarkTeamPost", err)
}

// NoticeOnce reports whether key is new, and remembers it: for telling people something once.
func (s *Store) NoticeOnce(ctx context.Context, key string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO app_state (key, value) VALUES ($1, 'true') ON CONFLICT (key) DO NOTHING`, "notice:"+key)
	if err != nil {
		return false, translate("NoticeOnce", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ForgetDigestsSince deletes the digests (and their deliveries and team posts) of day and after.
// Only for the sandbox: its messages live in memory, so after a restart these records point at
// messages nobody can see, and keeping them would stop today's digests from being sent again.
func (s *Store) ForgetDigestsSince(ctx context.Context, day time.Time) (int, error) {
	var n int64
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_posts WHERE day >= $1`, day); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM digests WHERE day >= $1`, day)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), translate("ForgetDigestsSince", err)
}
