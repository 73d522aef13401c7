package store

import (
	"context"
	"iter"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/crm"
)

// ImportLeads upserts leads by external id. Owners are resolved by email among the reps
// (import reps first); a lead whose owner is not a rep is a bad row, an empty owner is
// unassigned. A lead that is already stored and has not changed is not written at all, so
// importing the same file twice changes nothing, not even updated_at.
func (s *Store) ImportLeads(ctx context.Context, rows iter.Seq2[leadbot.LeadRecord, error], opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	var attrs []string
	if opt.Columns != nil {
		attrs = opt.Columns.AttributeNames()
	}
	err := s.importTx(ctx, opt, &res,
		func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_leads (
				line int, external_id text, name text, company text, email text, owner_email text,
				source text, status text, created_at timestamptz, attributes jsonb) ON COMMIT DROP`); err != nil {
				return err
			}
			return copyRows(ctx, tx, "import_leads",
				[]string{"line", "external_id", "name", "company", "email", "owner_email", "source", "status", "created_at", "attributes"},
				rows, &res, func(l leadbot.LeadRecord, a []any) {
					a[0], a[1], a[2], a[3], a[4], a[5] = l.Line, l.ExternalID, l.Name, l.Company, l.Email, l.OwnerEmail
					a[6], a[7], a[8], a[9] = l.Source, l.Status, nullTime(l.CreatedAt), l.Attributes
				})
		},
		func(tx *sqlx.Tx) ([]leadbot.RowError, error) {
			bad, err := rejectWhere(ctx, tx, opt.SkipBad, "import_leads", `
				SELECT line, 'unknown owner ' || to_json(owner_email)::text || ' (not among the reps: import reps first, or leave it empty for unassigned)'
				FROM import_leads i
				WHERE owner_email <> '' AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.email = i.owner_email)
				ORDER BY line`)
			if err != nil || len(attrs) == 0 {
				return bad, err // without attribute columns, no stored lead gains any
			}
			grown, err := rejectWhere(ctx, tx, opt.SkipBad, "import_leads", leadsGrownSQL, pq.Array(attrs), crm.MaxAttributes)
			return append(bad, grown...), err
		},
		func(tx *sqlx.Tx) error {
			set, changed := setList(opt, "l", [][3]string{
				{"name", "name", "i.name"},
				{"company", "company", "i.company"},
				{"email", "email", "i.email"},
				{"owner_email", "owner_id", "r.id"},
				{"source", "source", "i.source"},
				{"status", "status", "i.status"},
				{"created_at", "created_at", "i.created_at"},
			})
			if set != "" {
				set += ", "
			}
			// The attributes this file has a column for are replaced (a value that became
			// missing goes away); the others are kept.
			const newAttrs = `(l.attributes - $1::text[]) || i.attributes`
			// Two statements rather than one INSERT … ON CONFLICT: the first import of a CRM is
			// all new rows, and a plain INSERT skips the speculative insertion ON CONFLICT pays
			// on every row. A lead inserted by someone else between the two (a webhook) makes
			// this import fail whole, with nothing written; rerunning it then updates that lead.
			upd := `WITH up AS (
				UPDATE leads l SET ` + set + `attributes = ` + newAttrs + `, imported_at = now(), updated_at = now()
				FROM import_leads i LEFT JOIN reps r ON r.email = i.owner_email AND i.owner_email <> ''
				WHERE l.external_id = i.external_id AND (` + changed + ` OR ` + newAttrs + ` IS DISTINCT FROM l.attributes)
				RETURNING 1)
			SELECT count(*) FROM up`
			if err := tx.QueryRowxContext(ctx, upd, pq.Array(attrs)).Scan(&res.Updated); err != nil {
				return err
			}
			ins, err := tx.ExecContext(ctx, `
				INSERT INTO leads (external_id, name, company, email, owner_id, source, status, created_at, attributes, updated_at)
				SELECT i.external_id, i.name, i.company, i.email, r.id, i.source, i.status, i.created_at, i.attributes,
				       CASE WHEN i.created_at < now() - `+historyAge+` THEN i.created_at ELSE now() END
				FROM import_leads i LEFT JOIN reps r ON r.email = i.owner_email AND i.owner_email <> ''
				WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.external_id = i.external_id)`)
			if err != nil {
				return err
			}
			n, _ := ins.RowsAffected()
			res.New = int(n)
			var total int
			if err := tx.GetContext(ctx, &total, `SELECT count(*) FROM import_leads`); err != nil {
				return err
			}
			res.Unchanged = total - res.New - res.Updated
			return nil
		})
	return res, err
}

// historyAge is how long before leadbot first sees a lead the CRM may have created it for the
// lead to count as arriving. A new lead's updated_at, which "hot now" reads as when it arrived,
// is now; for a lead created longer ago it is its created_at: such a lead is history (a first
// import, a first sync, a backfill) that did not change today, and the digests carry it. Any
// later change to it is an arrival.
const historyAge = `interval '1 day'`

// leadsGrownSQL finds the rows whose lead, with the attributes already stored that the file has
// no column for, would have more than $2 attributes: each file is bounded (crm.MaxAttributes
// columns), and so is what files with different columns add up to. $1 is the file's attribute
// names. Its rows are (line, reason).
const leadsGrownSQL = `
	SELECT i.line, 'with the attributes already stored the lead would have ' || c.n || '; a lead may have at most '
		|| $2::int || ': include the columns it no longer has, empty, to remove them'
	FROM import_leads i JOIN leads l ON l.external_id = i.external_id
	CROSS JOIN LATERAL (SELECT (SELECT count(*) FROM jsonb_object_keys(l.attributes) k WHERE k <> ALL ($1::text[]))
		+ (SELECT count(*) FROM jsonb_object_keys(i.attributes)) AS n) c
	WHERE c.n > $2::int
	ORDER BY i.line`
