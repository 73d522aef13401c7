package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadbot/leadbot/crm"
)

// LeadPatch is one lead as a CRM webhook sends it. A nil field was not in the payload: on update
// it keeps what is stored, the way a CSV import without that column does, so a CRM that sends
// only what changed never blanks the rest. On insert a nil field takes the column's default.
type LeadPatch struct {
	ExternalID string
	Name       *string
	Company    *string
	Email      *string // lower-cased by the caller
	OwnerEmail *string // lower-cased; "" is unassigned
	Source     *string
	Status     *string // "open" or "closed"
	// CreatedAt is written when SetCreatedAt is true; nil then clears it.
	CreatedAt    *time.Time
	SetCreatedAt bool
	// Attributes is a JSON object of string values that replace the stored attributes of the
	// same names (nil: none); Named lists every name the patch has, those without a value too:
	// a stored attribute named but not set is removed (missing is information, kept as
	// absence). Attributes not named are kept.
	Attributes []byte
	Named      []string
}

// OutcomePatch is one outcome as a CRM webhook sends it, for the lead with that external id.
type OutcomePatch struct {
	LeadExternalID string
	Outcome        string // won, lost, converted or disqualified
	OccurredAt     time.Time
	// Amount is a canonical decimal ("1234.5"), written when SetAmount is true; nil then clears it.
	Amount    *string
	SetAmount bool
}

// BatchReject is an item of a batch that cannot be written, by its index in the batch.
type BatchReject struct {
	Index   int
	Field   string
	Message string
}

// BatchResult counts what a webhook batch did. When Rejects is not empty nothing was written.
type BatchResult struct {
	Created, Updated, Unchanged int
	Rejects                     []BatchReject
}

// UpsertLeadBatch creates or updates leads by external id in one transaction, resolving owners by
// email among the reps. An unknown owner rejects the item and, like a CSV import, the whole batch:
// nothing is written. A lead whose stored fields already equal the patch is not written at all, so
// a replayed webhook changes nothing, not even updated_at.
func (s *Store) UpsertLeadBatch(ctx context.Context, leads []LeadPatch) (BatchResult, error) {
	var res BatchResult
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		var emails []string
		for _, l := range leads {
			if l.OwnerEmail != nil && *l.OwnerEmail != "" {
				emails = append(emails, *l.OwnerEmail)
			}
		}
		owners, err := idsBy(ctx, tx, `SELECT email, id FROM reps WHERE email = ANY($1)`, emails)
		if err != nil {
			return err
		}
		for i, l := range leads {
			if l.OwnerEmail != nil && *l.OwnerEmail != "" && owners[*l.OwnerEmail] == 0 {
				res.Rejects = append(res.Rejects, BatchReject{Index: i, Field: "owner_email",
					Message: fmt.Sprintf("unknown owner %q: not among the reps (import reps first, or send \"\" for unassigned)", *l.OwnerEmail)})
			}
		}
		if len(res.Rejects) > 0 {
			return errHold
		}
		for i, l := range leads {
			if err := upsertLeadPatch(ctx, tx, i, l, owners, &res); err != nil {
				return fmt.Errorf("lead %q: %w", l.ExternalID, err)
			}
		}
		if len(res.Rejects) > 0 {
			return errHold // a lead grew past the bound: nothing of the batch is written
		}
		return nil
	})
	if errors.Is(err, errHold) {
		return res, nil
	}
	if err != nil {
		return BatchResult{}, translate("UpsertLeadBatch", err)
	}
	return res, nil
}

// leadPatchSQL is the upsert of one patch. Each updated column is "the new value when the patch
// has it, else the stored one"; the WHERE repeats those expressions so that an unchanged lead is
// not written. Parameters: $1 external id, $2–$6 name, company, email, source, status (NULL:
// absent), $7 owner id, $8 has owner, $9 created_at, $10 has created_at, $11 the attributes
// set, $12 every attribute name the patch names.
const leadPatchSQL = `
	INSERT INTO leads AS l (external_id, name, company, email, source, status, owner_id, created_at, attributes, updated_at)
	VALUES ($1, COALESCE($2::text, ''), COALESCE($3::text, ''), COALESCE($4::text, ''), COALESCE($5::text, ''),
	        COALESCE($6::text, 'open'), $7::bigint, $9::timestamptz, $11::jsonb,
	        CASE WHEN $9::timestamptz < now() - ` + historyAge + ` THEN $9::timestamptz ELSE now() END)
	ON CONFLICT (external_id) DO UPDATE SET
	    name       = COALESCE($2::text, l.name),
	    company    = COALESCE($3::text, l.company),
	    email      = COALESCE($4::text, l.email),
	    source     = COALESCE($5::text, l.source),
	    status     = COALESCE($6::text, l.status),
	    owner_id   = CASE WHEN $8 THEN $7::bigint ELSE l.owner_id END,
	    created_at = CASE WHEN $10 THEN $9::timestamptz ELSE l.created_at END,
	    attributes = (l.attributes - $12::text[]) || $11::jsonb,
	    imported_at = now(), updated_at = now()
	WHERE (l.name, l.company, l.email, l.source, l.status, l.owner_id, l.created_at, l.attributes)
	      IS DISTINCT FROM
	      (COALESCE($2::text, l.name), COALESCE($3::text, l.company), COALESCE($4::text, l.email),
	       COALESCE($5::text, l.source), COALESCE($6::text, l.status),
	       CASE WHEN $8 THEN $7::bigint ELSE l.owner_id END,
	       CASE WHEN $10 THEN $9::timestamptz ELSE l.created_at END,
	       (l.attributes - $12::text[]) || $11::jsonb)
	RETURNING xmax = 0, (SELECT count(*) FROM jsonb_object_keys(l.attributes))`

// upsertLeadPatch writes patch i. A lead whose attributes, merged with those stored, pass
// crm.MaxAttributes is a reject: each request is bounded, and so is what requests add up to.
func upsertLeadPatch(ctx context.Context, tx *sqlx.Tx, i int, l LeadPatch, owners map[string]int64, res *BatchResult) error {
	attrs := l.Attributes
	if attrs == nil {
		attrs = []byte("{}")
	}
	named := l.Named
	if named == nil {
		named = []string{}
	}
	var owner *int64
	if l.OwnerEmail != nil && *l.OwnerEmail != "" {
		id := owners[*l.OwnerEmail]
		owner = &id
	}
	var inserted bool
	var n int
	err := tx.QueryRowxContext(ctx, leadPatchSQL, l.ExternalID, l.Name, l.Company, l.Email, l.Source, l.Status,
		owner, l.OwnerEmail != nil, l.CreatedAt, l.SetCreatedAt, attrs, pq.Array(named)).Scan(&inserted, &n)
	if err == nil && n > crm.MaxAttributes {
		res.Rejects = append(res.Rejects, BatchReject{Index: i, Field: "attributes", Message: fmt.Sprintf(
			"with the attributes already stored the lead would have %d; a lead may have at most %d: send null for those it no longer has",
			n, crm.MaxAttributes)})
		return nil
	}
	return countUpsert(err, inserted, res)
}

// UpsertOutcomeBatch records outcomes (one per lead; a later one replaces it) in one transaction.
// An outcome for a lead that is not stored rejects the item and the whole batch. An outcome equal
// to the stored one is not written, so a replayed webhook changes nothing.
func (s *Store) UpsertOutcomeBatch(ctx context.Context, outcomes []OutcomePatch) (BatchResult, error) {
	var res BatchResult
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		ext := make([]string, len(outcomes))
		for i, o := range outcomes {
			ext[i] = o.LeadExternalID
		}
		leads, err := idsBy(ctx, tx, `SELECT external_id, id FROM leads WHERE external_id = ANY($1)`, ext)
		if err != nil {
			return err
		}
		for i, o := range outcomes {
			if leads[o.LeadExternalID] == 0 {
				res.Rejects = append(res.Rejects, BatchReject{Index: i, Field: "lead_id",
					Message: fmt.Sprintf("unknown lead %q: send the lead first (POST /api/v1/leads or leadbot import leads)", o.LeadExternalID)})
			}
		}
		if len(res.Rejects) > 0 {
			return errHold
		}
		for _, o := range outcomes {
			var inserted bool
			err := tx.QueryRowxContext(ctx, `
				INSERT INTO outcomes AS o (lead_id, outcome, occurred_at, amount, source)
				VALUES ($1, $2, $3, $4::numeric, 'webhook')
				ON CONFLICT (lead_id) DO UPDATE SET outcome = EXCLUDED.outcome, occurred_at = EXCLUDED.occurred_at,
				    amount = CASE WHEN $5 THEN EXCLUDED.amount ELSE o.amount END, source = 'webhook', recorded_at = now()
				WHERE (o.outcome, o.occurred_at, o.amount) IS DISTINCT FROM
				      (EXCLUDED.outcome, EXCLUDED.occurred_at, CASE WHEN $5 THEN EXCLUDED.amount ELSE o.amount END)
				RETURNING xmax = 0`,
				leads[o.LeadExternalID], o.Outcome, o.OccurredAt, o.Amount, o.SetAmount).Scan(&inserted)
			if err := countUpsert(err, inserted, &res); err != nil {
				return fmt.Errorf("outcome of lead %q: %w", o.LeadExternalID, err)
			}
		}
		return nil
	})
	if errors.Is(err, errHold) {
		return res, nil
	}
	if err != nil {
		return BatchResult{}, translate("UpsertOutcomeBatch", err)
	}
	return res, nil
}

// countUpsert adds one upsert's effect to res: no row back means the stored row was already equal.
func countUpsert(err error, inserted bool, res *BatchResult) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res.Unchanged++
	case err != nil:
		return err
	case inserted:
		res.Created++
	default:
		res.Updated++
	}
	return nil
}

// idsBy runs q (selecting key, id for keys = ANY($1)) and returns the ids by key.
func idsBy(ctx context.Context, tx *sqlx.Tx, q string, keys []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, q, pq.Array(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rows.Err()
}
