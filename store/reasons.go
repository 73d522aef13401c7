package store

import (
	"context"

	"github.com/leadbot/leadbot"
)

// ReasonCodes returns the active reason codes in display order.
func (s *Store) ReasonCodes(ctx context.Context) ([]leadbot.ReasonCode, error) {
	var rs []leadbot.ReasonCode
	err := s.db.SelectContext(ctx, &rs, `
		SELECT code, label, polarity, category, data_quality FROM reason_codes
		WHERE active ORDER BY position, code`)
	return rs, translate("ReasonCodes", err)
}

// ReasonCode returns one reason code (active or not).
func (s *Store) ReasonCode(ctx context.Context, code string) (leadbot.ReasonCode, error) {
	var r leadbot.ReasonCode
	err := s.db.GetContext(ctx, &r, `
		SELECT code, label, polarity, category, data_quality FROM reason_codes WHERE code = $1`, code)
	return r, translate("ReasonCode", err)
}
