package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
)

// Model is a stored model version (without its artifact, which ModelArtifact loads).
type Model struct {
	Version       int             `db:"version"`
	Kind          string          `db:"kind"`
	Status        string          `db:"status"`
	Params        json.RawMessage `db:"params"`
	FeatureSchema json.RawMessage `db:"feature_schema"`
	Metrics       json.RawMessage `db:"metrics"`
	TrainingRows  int             `db:"training_rows"`
	FeedbackRows  int             `db:"feedback_rows"`
	Notes         string          `db:"notes"`
	TrainedAt     time.Time       `db:"trained_at"`
	PromotedAt    *time.Time      `db:"promoted_at"`
}

// MetricsMap decodes the model's metrics.
func (m Model) MetricsMap() map[string]float64 {
	out := map[string]float64{}
	_ = json.Unmarshal(m.Metrics, &out)
	return out
}

// NewModel is a trained model to store.
type NewModel struct {
	Kind          string
	Params        any
	FeatureSchema any
	Metrics       any
	Artifact      []byte
	TrainingRows  int
	FeedbackRows  int
	Notes         string
}

func jsonOr(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(v)
}

// encode returns the model's JSON columns: params, feature_schema and metrics.
func (m NewModel) encode() (params, schema, metrics []byte, err error) {
	if params, err = jsonOr(m.Params); err != nil {
		return nil, nil, nil, err
	}
	if schema, err = jsonOr(m.FeatureSchema); err != nil {
		return nil, nil, nil, err
	}
	if metrics, err = jsonOr(m.Metrics); err != nil {
		return nil, nil, nil, err
	}
	return params, schema, metrics, nil
}

// InsertModel stores a new version as a challenger.
func (s *Store) InsertModel(ctx context.Context, m NewModel) (Model, error) {
	p, fs, mt, err := m.encode()
	if err != nil {
		return Model{}, err
	}
	var out Model
	err = s.db.QueryRowxContext(ctx, `
		INSERT INTO models (kind, status, params, feature_schema, metrics, artifact, training_rows, feedback_rows, notes)
		VALUES ($1, 'challenger', $2, $3, $4, $5, $6, $7, $8) RETURNING version, kind, status, params, feature_schema, metrics, training_rows, feedback_rows, notes, trained_at, promoted_at`,
		m.Kind, p, fs, mt, m.Artifact, m.TrainingRows, m.FeedbackRows, m.Notes).StructScan(&out)
	return out, translate("InsertModel", err)
}

// InsertModelPromoted stores a new version as the champion and retires the champion before it, in
// one transaction: either the new version is stored and champion, or nothing changed (no new
// version, the old champion still champion). InsertModel followed by Promote would leave, after a
// crash between them, a stored challenger that was meant to be champion. m.Notes says why it was
// promoted; promoted_at is the transaction's time, like trained_at.
//
// A concurrent promotion makes the insert break models_one_champion: ErrConflict, nothing changed.
func (s *Store) InsertModelPromoted(ctx context.Context, m NewModel) (Model, error) {
	p, fs, mt, err := m.encode()
	if err != nil {
		return Model{}, err
	}
	var out Model
	err = s.Tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE models SET status = 'retired'
			WHERE status = 'champion'`); err != nil {
			return err
		}
		return tx.QueryRowxContext(ctx, `
			INSERT INTO models (kind, status, params, feature_schema, metrics, artifact,
			                    training_rows, feedback_rows, notes, promoted_at)
			VALUES ($1, 'champion', $2, $3, $4, $5, $6, $7, $8, now())
			RETURNING version, kind, status, params, feature_schema, metrics,
			          training_rows, feedback_rows, notes, trained_at, promoted_at`,
			m.Kind, p, fs, mt, m.Artifact, m.TrainingRows, m.FeedbackRows, m.Notes).StructScan(&out)
	})
	if err != nil {
		return Model{}, translate("InsertModelPromoted", err)
	}
	return out, nil
}

// Champion returns the model in use, or ErrNotFound.
func (s *Store) Champion(ctx context.Context) (Model, error) {
	var m Model
	err := s.db.GetContext(ctx, &m, `SELECT version, kind, status, params, feature_schema, metrics, training_rows, feedback_rows, notes, trained_at, promoted_at FROM models WHERE status = 'champion'`)
	return m, translate("Champion", err)
}

// ModelByVersion returns one version.
func (s *Store) ModelByVersion(ctx context.Context, version int) (Model, error) {
	var m Model
	err := s.db.GetContext(ctx, &m, `SELECT version, kind, status, params, feature_schema, metrics, training_rows, feedback_rows, notes, trained_at, promoted_at FROM models WHERE version = $1`, version)
	return m, translate("ModelByVersion", err)
}

// Models lists every version, newest first.
func (s *Store) Models(ctx context.Context) ([]Model, error) {
	var ms []Model
	err := s.db.SelectContext(ctx, &ms, `SELECT version, kind, status, params, feature_schema, metrics, training_rows, feedback_rows, notes, trained_at, promoted_at FROM models ORDER BY version DESC`)
	return ms, translate("Models", err)
}

// ModelArtifact returns a version's serialised model.
func (s *Store) ModelArtifact(ctx context.Context, version int) ([]byte, error) {
	var b []byte
	err := s.db.GetContext(ctx, &b, `SELECT artifact FROM models WHERE version = $1`, version)
	return b, translate("ModelArtifact", err)
}

// Promote makes version the champion and retires the previous one, in one transaction.
func (s *Store) Promote(ctx context.Context, version int, notes string) error {
	return s.Tx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM models WHERE version = $1)`, version); err != nil {
			return err
		}
		if !exists {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `UPDATE models SET status = 'retired' WHERE status = 'champion' AND version <> $1`, version); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE models SET status = 'champion', promoted_at = now(),
			       notes = CASE WHEN $2 = '' THEN notes ELSE $2 END
			WHERE version = $1`, version, notes)
		return err
	})
}

// Retire marks a challenger that was not promoted.
func (s *Store) Retire(ctx context.Context, version int, notes string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE models SET status = 'retired', notes = $2 WHERE version = $1 AND status <> 'champion'`, version, notes)
	return translate("Retire", err)
}
