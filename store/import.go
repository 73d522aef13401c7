package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/leadbot/leadbot"
	"github.com/lib/pq"
)

// Columns is what an import needs to know of a file's columns (satisfied by *crm.Columns).
type Columns interface {
	Has(field string) bool    // whether the file has one of leadbot's fields
	AttributeNames() []string // the columns it keeps as attributes
}

// ImportOptions say how an import writes.
type ImportOptions struct {
	// Columns are the file's columns: on update, only the fields the file has are written, and
	// only the attributes it has a column for are replaced, so a partial export never blanks
	// what it does not carry.
	Columns Columns
	// SkipBad writes the good rows when some are bad; without it a single bad row means nothing
	// is written.
	SkipBad bool
	// DryRun checks and counts everything, then rolls back.
	DryRun bool
}

// ImportResult counts what an import did (or, for a dry run or a rejected file, would have done).
type ImportResult struct {
	New, Updated, Unchanged int
	// Rejects are the bad rows, by line: those the file reader found and those that fail against
	// the database (unknown owner, unknown lead, unknown manager).
	Rejects []leadbot.RowError
	// Written is true when the transaction was committed.
	Written bool
	// Good is how many rows are fine: those imported, or, when bad rows stopped the import,
	// those --skip-bad would import.
	Good int

	loaded int // the rows that reached the database, before its checks
}

// Imported is the number of good rows.
func (r ImportResult) Imported() int { return r.New + r.Updated + r.Unchanged }

// errHold rolls the import transaction back without it being an error.
var errHold = errors.New("hold")

// importTx runs the shape every import shares: load the rows into a temporary table through
// COPY, find the rows that are bad against the database, then either stop (bad rows and no
// SkipBad) or drop them and upsert; commit unless it is a dry run.
func (s *Store) importTx(ctx context.Context, opt ImportOptions, res *ImportResult,
	load func(tx *sqlx.Tx) error, check func(tx *sqlx.Tx) ([]leadbot.RowError, error), upsert func(tx *sqlx.Tx) error) error {
	err := s.Tx(ctx, func(tx *sqlx.Tx) error {
		if err := load(tx); err != nil {
			return err
		}
		bad, err := check(tx)
		if err != nil {
			return err
		}
		res.Rejects = append(res.Rejects, bad...)
		res.Good = res.loaded - len(bad)
		slices.SortFunc(res.Rejects, func(a, b leadbot.RowError) int { return a.Line - b.Line })
		if len(res.Rejects) > 0 && !opt.SkipBad {
			return errHold
		}
		if err := upsert(tx); err != nil {
			return err
		}
		if opt.DryRun {
			return errHold
		}
		return nil
	})
	if errors.Is(err, errHold) {
		return nil
	}
	res.Written = err == nil
	return translate("importTx", err)
}

// copyBatch is how many rows travel together from the reader goroutine to COPY.
const copyBatch = 512

// item is a row or a reason it is bad.
type item[T any] struct {
	row T
	err error
}

// copyRows streams rows into table through COPY. Bad rows (*leadbot.RowError) are collected into
// res.Rejects and the others counted; any other error stops the import. The rows are read and parsed on a second
// goroutine, so that parsing the CSV and encoding COPY data overlap (the two halves cost about
// the same).
func copyRows[T any](ctx context.Context, tx *sqlx.Tx, table string, cols []string, rows iter.Seq2[T, error],
	res *ImportResult, values func(T, []any)) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	defer stmt.Close()

	batches := make(chan []item[T], 4)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(batches)
		batch := make([]item[T], 0, copyBatch)
		for row, err := range rows {
			batch = append(batch, item[T]{row, err})
			if len(batch) < copyBatch {
				continue
			}
			select {
			case batches <- batch:
				batch = make([]item[T], 0, copyBatch)
			case <-stop:
				return
			}
		}
		select {
		case batches <- batch:
		case <-stop:
		}
	}()
	// However this returns, the reader goroutine is stopped and waited for.
	defer func() { close(stop); wg.Wait() }()

	args := make([]any, len(cols))
	for batch := range batches {
		for _, it := range batch {
			if it.err != nil {
				var re *leadbot.RowError
				if !errors.As(it.err, &re) {
					return it.err
				}
				res.Rejects = append(res.Rejects, *re)
				continue
			}
			res.loaded++
			values(it.row, args)
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("copy into %s: %w", table, err)
			}
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	return stmt.Close()
}

// rejectWhere returns the rows of a check query (line, reason), and with skip deletes them from
// table so that the upsert never sees them.
func rejectWhere(ctx context.Context, tx *sqlx.Tx, skip bool, table, query string, args ...any) ([]leadbot.RowError, error) {
	var bad []leadbot.RowError
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e leadbot.RowError
		if err := rows.Scan(&e.Line, &e.Reason); err != nil {
			return nil, err
		}
		bad = append(bad, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if skip && len(bad) > 0 {
		lines := make([]int64, len(bad))
		for i, e := range bad {
			lines[i] = int64(e.Line)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE line = ANY($1)`, pq.Array(lines)); err != nil {
			return nil, err
		}
	}
	return bad, nil
}

// nullTime passes a zero time as NULL.
func nullTime(t interface{ IsZero() bool }) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// nullInt passes n, or NULL when it is not present.
func nullInt(n int, present bool) any {
	if !present {
		return nil
	}
	return n
}

// nullStr passes "" as NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// has reports whether the file has field; without Columns every field counts as present.
func (o ImportOptions) has(field string) bool { return o.Columns == nil || o.Columns.Has(field) }

// setList builds "col = expr" assignments and the matching IS DISTINCT FROM test for the fields
// the file has. The names come from the fixed tables below, never from the file.
func setList(opt ImportOptions, target string, cols [][3]string) (set, changed string) {
	var sets, old, neu []string
	for _, c := range cols { // field, column, new value expression
		if !opt.has(c[0]) {
			continue
		}
		sets = append(sets, c[1]+" = "+c[2])
		old = append(old, target+"."+c[1])
		neu = append(neu, c[2])
	}
	if len(sets) == 0 {
		return "", "false"
	}
	return strings.Join(sets, ", "), "(" + strings.Join(old, ", ") + ",true) IS DISTINCT FROM (" + strings.Join(neu, ", ") + ",true)"
}

// count reads (new, updated, total) from q into res.
func (res *ImportResult) count(ctx context.Context, tx *sqlx.Tx, q string, args ...any) error {
	var total int
	if err := tx.QueryRowxContext(ctx, q, args...).Scan(&res.New, &res.Updated, &total); err != nil {
		return err
	}
	res.Unchanged = total - res.New - res.Updated
	return nil
}

// ImportOutcomes upserts outcomes, one per lead (a later import replaces it), found by the
// lead's external id; an outcome for a lead that is not stored is a bad row.
func (s *Store) ImportOutcomes(ctx context.Context, rows iter.Seq2[leadbot.OutcomeRecord, error], opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	err := s.importTx(ctx, opt, &res,
		func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_outcomes (
				line int, lead_id text, outcome text, occurred_at timestamptz, amount numeric(16, 2)) ON COMMIT DROP`); err != nil {
				return err
			}
			return copyRows(ctx, tx, "import_outcomes", []string{"line", "lead_id", "outcome", "occurred_at", "amount"},
				rows, &res, func(o leadbot.OutcomeRecord, a []any) {
					a[0], a[1], a[2], a[3], a[4] = o.Line, o.LeadID, o.Outcome, o.OccurredAt, nullStr(o.Amount)
				})
		},
		func(tx *sqlx.Tx) ([]leadbot.RowError, error) {
			return rejectWhere(ctx, tx, opt.SkipBad, "import_outcomes", `
				SELECT line, 'unknown lead ' || to_json(lead_id)::text || ' (import the leads first)'
				FROM import_outcomes i
				WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.external_id = i.lead_id)
				ORDER BY line`)
		},
		func(tx *sqlx.Tx) error {
			set, changed := setList(opt, "o", [][3]string{
				{"outcome", "outcome", "EXCLUDED.outcome"},
				{"occurred_at", "occurred_at", "EXCLUDED.occurred_at"},
				{"amount", "amount", "EXCLUDED.amount"},
			})
			q := `WITH up AS (
				INSERT INTO outcomes AS o (lead_id, outcome, occurred_at, amount, source)
				SELECT l.id, i.outcome, i.occurred_at, i.amount, 'import'
				FROM import_outcomes i JOIN leads l ON l.external_id = i.lead_id
				ON CONFLICT (lead_id) DO UPDATE SET ` + set + `, source = 'import', recorded_at = now()
				WHERE ` + changed + `
				RETURNING xmax = 0 AS inserted)
			SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
				(SELECT count(*) FROM import_outcomes) FROM up`
			return res.count(ctx, tx, q)
		})
	return res, err
}
