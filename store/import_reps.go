package store

import (
	"context"
	"iter"

	"github.com/jmoiron/sqlx"

	"github.com/leadbot/leadbot"
)

// ImportReps upserts reps by email, then points each at its manager (a rep stored before or in
// the same file; an empty manager_email clears it) and marks those pointed at as managers.
// Empty names, Slack user ids and time zones keep what is stored: the bot fills Slack ids in
// by itself.
func (s *Store) ImportReps(ctx context.Context, rows iter.Seq2[leadbot.RepRecord, error], opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	err := s.importTx(ctx, opt, &res,
		func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE import_reps (
				line int, email text, name text, manager_email text, slack_user_id text, timezone text,
				delivery_hour smallint, leads_per_day smallint) ON COMMIT DROP`); err != nil {
				return err
			}
			return copyRows(ctx, tx, "import_reps", []string{"line", "email", "name", "manager_email", "slack_user_id", "timezone",
				"delivery_hour", "leads_per_day"},
				rows, &res, func(r leadbot.RepRecord, a []any) {
					a[0], a[1], a[2], a[3], a[4], a[5] = r.Line, r.Email, r.Name, r.ManagerEmail, r.SlackUserID, r.Timezone
					a[6], a[7] = nullInt(r.DeliveryHour, r.DeliveryHour >= 0), nullInt(r.LeadsPerDay, r.LeadsPerDay > 0)
				})
		},
		func(tx *sqlx.Tx) ([]leadbot.RowError, error) { return checkReps(ctx, tx, opt) },
		func(tx *sqlx.Tx) error { return upsertReps(ctx, tx, opt, &res) })
	return res, err
}

// checkReps finds Slack user ids that belong to someone else, managers who would manage
// themselves through others (a cycle), and unknown managers. With SkipBad it repeats the last
// until nothing more is dropped: a rep whose manager's row was bad is bad too.
func checkReps(ctx context.Context, tx *sqlx.Tx, opt ImportOptions) ([]leadbot.RowError, error) {
	skip := opt.SkipBad
	var all []leadbot.RowError
	bad, err := rejectWhere(ctx, tx, skip, "import_reps", `
		SELECT line, reason FROM (
			SELECT line, row_number() OVER (PARTITION BY slack_user_id ORDER BY line) > 1 AS dup,
				'slack_user_id ' || to_json(slack_user_id)::text || ' is also given to another rep in this file' AS reason
			FROM import_reps WHERE slack_user_id <> '') d WHERE dup
		UNION ALL
		SELECT i.line, 'slack_user_id ' || to_json(i.slack_user_id)::text || ' belongs to ' || r.email
		FROM import_reps i JOIN reps r ON r.slack_user_id = i.slack_user_id AND r.email <> i.email
		ORDER BY line`)
	if err != nil {
		return nil, err
	}
	all = append(all, bad...)
	if opt.has("manager_email") {
		cycles, err := rejectWhere(ctx, tx, skip, "import_reps", managerCyclesSQL)
		if err != nil {
			return nil, err
		}
		all = append(all, cycles...)
	}
	for {
		bad, err := rejectWhere(ctx, tx, skip, "import_reps", `
			SELECT line, 'unknown manager ' || to_json(manager_email)::text || ' (neither a rep already nor in this file)'
			FROM import_reps i
			WHERE manager_email <> ''
			  AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.email = i.manager_email)
			  AND NOT EXISTS (SELECT 1 FROM import_reps j WHERE j.email = i.manager_email)
			ORDER BY line`)
		if err != nil {
			return nil, err
		}
		all = append(all, bad...)
		if !skip || len(bad) == 0 {
			return all, nil
		}
	}
}

// managerCyclesSQL finds the reps of the file who would be their own manager through others once
// it is imported (A manages B, B manages A), naming the cycle. The chain is the file's manager
// for the reps it has and the stored one for the others; a walk stops at a rep it has seen, so
// it ends on any chain. Its rows are (line, reason).
const managerCyclesSQL = `
	WITH RECURSIVE edges AS (
		SELECT email, NULLIF(manager_email, '') AS manager FROM import_reps
		UNION ALL
		SELECT r.email, m.email FROM reps r JOIN reps m ON m.id = r.manager_id
		WHERE NOT EXISTS (SELECT 1 FROM import_reps i WHERE i.email = r.email)
	), walk AS (
		SELECT e.email AS start, e.manager AS at, ARRAY[e.email] AS path
		FROM edges e WHERE e.manager IS NOT NULL
		UNION ALL
		SELECT w.start, e.manager, w.path || e.email
		FROM walk w JOIN edges e ON e.email = w.at
		WHERE e.manager IS NOT NULL AND w.at <> w.start AND NOT e.email = ANY(w.path)
	)
	SELECT i.line, 'manager cycle ' || array_to_string(w.path || w.at, ' → ')
		|| ': nobody can manage, directly or through others, their own manager; fix manager_email on one of these rows'
	FROM walk w JOIN import_reps i ON i.email = w.start
	WHERE w.at = w.start
	ORDER BY i.line`

func upsertReps(ctx context.Context, tx *sqlx.Tx, opt ImportOptions, res *ImportResult) error {
	set, changed := setList(opt, "r", [][3]string{
		{"name", "name", "COALESCE(NULLIF(EXCLUDED.name, ''), r.name)"},
		{"slack_user_id", "slack_user_id", "COALESCE(EXCLUDED.slack_user_id, r.slack_user_id)"},
		{"timezone", "timezone", "COALESCE(NULLIF(EXCLUDED.timezone, ''), r.timezone)"},
	})
	inserted := map[int64]bool{} // id → new
	collect := func(q string) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var isNew bool
			if err := rows.Scan(&id, &isNew); err != nil {
				return err
			}
			inserted[id] = inserted[id] || isNew
		}
		return rows.Err()
	}
	// A missing setting stays NULL: the rep follows the configured default.
	q := `INSERT INTO reps AS r (email, name, slack_user_id, timezone, delivery_hour, leads_per_day)
		SELECT email, name, NULLIF(slack_user_id, ''), timezone, delivery_hour, leads_per_day
		FROM import_reps
		ON CONFLICT (email) DO `
	if set == "" {
		q += `NOTHING RETURNING r.id, true`
	} else {
		q += `UPDATE SET ` + set + `, updated_at = now() WHERE ` + changed + ` RETURNING r.id, xmax = 0`
	}
	if err := collect(q); err != nil {
		return err
	}
	// Digest settings of reps already there: an empty cell (NULL here) keeps what the rep set in
	// Slack. Not in the upsert above, whose update runs only when the columns it maps changed.
	if err := collect(`UPDATE reps r SET delivery_hour = COALESCE(i.delivery_hour, r.delivery_hour),
			leads_per_day = COALESCE(i.leads_per_day, r.leads_per_day), updated_at = now()
		FROM import_reps i
		WHERE r.email = i.email AND (r.delivery_hour, r.leads_per_day) IS DISTINCT FROM
			(COALESCE(i.delivery_hour, r.delivery_hour), COALESCE(i.leads_per_day, r.leads_per_day))
		RETURNING r.id, false`); err != nil {
		return err
	}
	if opt.has("manager_email") {
		// Managers in the same file now exist, so every manager email resolves.
		if err := collect(`UPDATE reps r SET manager_id = m.id, updated_at = now()
			FROM import_reps i LEFT JOIN reps m ON m.email = i.manager_email
			WHERE r.email = i.email AND r.manager_id IS DISTINCT FROM m.id
			RETURNING r.id, false`); err != nil {
			return err
		}
		// Only file rows are counted; a manager stored before is marked too but not counted.
		if _, err := tx.ExecContext(ctx, `UPDATE reps SET is_manager = true, updated_at = now()
			WHERE NOT is_manager AND email IN (SELECT manager_email FROM import_reps) AND email NOT IN (SELECT email FROM import_reps)`); err != nil {
			return err
		}
		if err := collect(`UPDATE reps SET is_manager = true, updated_at = now()
			WHERE NOT is_manager AND email IN (SELECT manager_email FROM import_reps) AND email IN (SELECT email FROM import_reps)
			RETURNING id, false`); err != nil {
			return err
		}
	}
	var total int
	if err := tx.QueryRowxContext(ctx, `SELECT count(*) FROM import_reps`).Scan(&total); err != nil {
		return err
	}
	for _, isNew := range inserted {
		if isNew {
			res.New++
		} else {
			res.Updated++
		}
	}
	res.Unchanged = total - res.New - res.Updated
	return nil
}
