package handlers

import (
	"context"
	"errors"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/store"
)

// ownerOf returns the rep who owns lead l: nil when the lead is unassigned or its owner is no
// longer a rep. A failed lookup is an error, never an owner of nil: an outage must not read as
// "not yours".
func (s *Service) ownerOf(ctx context.Context, l leadbot.Lead) (*leadbot.Rep, error) {
	if l.OwnerID == nil {
		return nil, nil
	}
	o, err := s.st.RepByID(ctx, *l.OwnerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// access applies the access rule (leadbot.CanSee, leadbot.CanJudge) to viewer and l.
func (s *Service) access(ctx context.Context, viewer leadbot.Rep, l leadbot.Lead) (see, judge bool, err error) {
	if l.OwnerID != nil && *l.OwnerID == viewer.ID { // the common case needs no lookup
		return true, true, nil
	}
	owner, err := s.ownerOf(ctx, l)
	if err != nil {
		return false, false, err
	}
	return leadbot.CanSee(viewer, l, owner), leadbot.CanJudge(viewer, l, owner), nil
}
