package store

import (
	"context"
	"encoding/json"
	"time"
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
