package store

import "context"

// ReasonCode is something a rep can say about a lead.
type ReasonCode struct {
	Code        string `db:"code"`
	Label       string `db:"label"`
	Polarity    int    `db:"polarity"`
	Category    string `db:"category"`
	DataQuality bool   `db:"data_quality"`
}

// ReasonCodes returns the active reason codes in display order.
func (s *Store) ReasonCodes(ctx context.Context) ([]ReasonCode, error) {
	var rs []ReasonCode
	err := s.db.SelectContext(ctx, &rs, `
		SELECT code, label, polarity, category, data_quality FROM reason_codes
		WHERE active ORDER BY position, code`)
	return rs, translate(err)
}

// ReasonCode returns one reason code (active or not).
func (s *Store) ReasonCode(ctx context.Context, code string) (ReasonCode, error) {
	var r ReasonCode
	err := s.db.GetContext(ctx, &r, `
		SELECT code, label, polarity, category, data_quality FROM reason_codes WHERE code = $1`, code)
	return r, translate(err)
}
