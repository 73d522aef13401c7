package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/leadbot/leadbot"
)

// JobRun is one recorded run of a job.
type JobRun struct {
	ID         int64           `db:"id"`
	Job        string          `db:"job"`
	StartedAt  time.Time       `db:"started_at"`
	FinishedAt *time.Time      `db:"finished_at"`
	Outcome    string          `db:"outcome"`
	Error      string          `db:"error"`
	Details    json.RawMessage `db:"details"`
	Host       string          `db:"host"`
}

// StartJobRun records that job started on host.
func (s *Store) StartJobRun(ctx context.Context, job, host string) (int64, error) {
	var id int64
	err := s.db.QueryRowxContext(ctx, `INSERT INTO job_runs (job, host) VALUES ($1, $2) RETURNING id`, job, host).Scan(&id)
	return id, translate("StartJobRun", err)
}

// FinishJobRun records how a run ended: outcome is ok, failed or skipped.
func (s *Store) FinishJobRun(ctx context.Context, id int64, outcome, errText string, details any) error {
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `
		UPDATE job_runs SET finished_at = now(), outcome = $2, error = $3, details = $4 WHERE id = $1`,
		id, outcome, errText, b)
	return translate("FinishJobRun", err)
}

// JobRuns returns the latest runs of job (all jobs when job is ""), newest first.
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error) {
	var rs []JobRun
	err := s.db.SelectContext(ctx, &rs, `
		SELECT id, job, started_at, finished_at, outcome, error, details, host FROM job_runs
		WHERE $1 = '' OR job = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, job, limit)
	return rs, translate("JobRuns", err)
}

// Lease is the right to run a job (and to send what it sends) until Expires. Token grows on every
// claim of the job's lease, so a write fenced by a token that was claimed since is refused.
type Lease struct {
	Job     string    `db:"job"`
	Holder  string    `db:"holder"`
	Token   int64     `db:"token"`
	Expires time.Time `db:"expires_at"` // on the database's clock
	// Margin is how long the lease must still last for a fenced write to pass: the time one send
	// may take (the scheduler sets it to a third of the lease's term).
	Margin time.Duration `db:"-"`
}

// ErrLeaseLost is returned by a write fenced by a lease that has expired or been claimed since.
var ErrLeaseLost = errors.New("the job's lease was lost (expired, or claimed by another replica)")

// ClaimLease claims job's lease for holder for ttl, if it is free (never claimed, released, or
// expired). ok is false when another holder has it. A claim in progress elsewhere is skipped
// (FOR UPDATE SKIP LOCKED), never waited for: two replicas ticking at once do not queue up, one
// claims and the other finds nothing free.
func (s *Store) ClaimLease(ctx context.Context, job, holder string, ttl time.Duration) (l Lease, ok bool, err error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO job_leases (job) VALUES ($1) ON CONFLICT (job) DO NOTHING`, job); err != nil {
		return l, false, translate("ClaimLease", err)
	}
	var ls []Lease
	err = s.db.SelectContext(ctx, &ls, `
		WITH free AS (
			SELECT job FROM job_leases WHERE job = $1 AND expires_at < now() FOR UPDATE SKIP LOCKED
		)
		UPDATE job_leases l SET holder = $2, token = l.token + 1, expires_at = now() + $3 * interval '1 millisecond'
		FROM free WHERE l.job = free.job
		RETURNING l.job, l.holder, l.token, l.expires_at`, job, holder, ttl.Milliseconds())
	if err != nil || len(ls) == 0 {
		return l, false, translate("ClaimLease", err)
	}
	return ls[0], true, nil
}

// RenewLease extends a lease that is still held by ttl from now. It returns ErrLeaseLost when the
// lease expired or was claimed since: the holder must stop.
func (s *Store) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	var ls []Lease
	err := s.db.SelectContext(ctx, &ls, `
		UPDATE job_leases SET expires_at = now() + $3 * interval '1 millisecond'
		WHERE job = $1 AND token = $2 AND expires_at > now()
		RETURNING job, holder, token, expires_at`, l.Job, l.Token, ttl.Milliseconds())
	if err != nil {
		return l, translate("RenewLease", err)
	}
	if len(ls) == 0 {
		return l, &leadbot.Error{Code: leadbot.ECONFLICT, Op: "store.RenewLease", Err: ErrLeaseLost}
	}
	return ls[0], nil
}

// ReleaseLease frees a lease at once (the run is over), if it is still the holder's.
func (s *Store) ReleaseLease(ctx context.Context, l Lease) error {
	_, err := s.db.ExecContext(ctx, `UPDATE job_leases SET expires_at = '-infinity' WHERE job = $1 AND token = $2`, l.Job, l.Token)
	return translate("ReleaseLease", err)
}

// StartLeasedRun records that a run of l.Job started under lease l.
func (s *Store) StartLeasedRun(ctx context.Context, l Lease) (int64, error) {
	var id int64
	err := s.db.QueryRowxContext(ctx, `INSERT INTO job_runs (job, host, lease_token) VALUES ($1, $2, $3) RETURNING id`,
		l.Job, l.Holder, l.Token).Scan(&id)
	return id, translate("StartLeasedRun", err)
}

// CloseDeadRuns closes the runs of job ("" for all jobs) still marked running whose lease is
// gone: their process died (kill -9, a crash, a lost host) or lost the lease. It returns how many.
func (s *Store) CloseDeadRuns(ctx context.Context, job string) (int, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE job_runs r SET outcome = 'failed', finished_at = now(),
		       error = 'the run stopped without finishing: its process died or lost the job''s lease'
		WHERE r.outcome = 'running' AND ($1 = '' OR r.job = $1)
		  AND NOT EXISTS (SELECT 1 FROM job_leases l
		                  WHERE l.job = r.job AND l.token = r.lease_token AND l.expires_at > now())`, job)
	if err != nil {
		return 0, translate("CloseDeadRuns", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

type leaseKey struct{}

// WithLease returns ctx carrying the lease its job runs under; the scheduler sets it, and writes
// that must be fenced (MarkDigestSending) read it back with LeaseFrom.
func WithLease(ctx context.Context, l Lease) context.Context {
	return context.WithValue(ctx, leaseKey{}, l)
}

// LeaseFrom returns the lease ctx's job runs under; ok is false outside a scheduled run.
func LeaseFrom(ctx context.Context) (l Lease, ok bool) {
	l, ok = ctx.Value(leaseKey{}).(Lease)
	return l, ok
}
