package handlers

import (
	"context"
	"math"
	"time"

	"github.com/leadbot/leadbot"
)

// bandRule is the configured rule with its defaults, for rep.
func (s *Service) bandRule(rep leadbot.Rep) leadbot.BandRule {
	return s.cfg.Bands.WithDefaults(s.leadsPerDayOf(rep))
}

// bandsFor computes a rep's bands (leadbot.BandRule.For) from their open leads on day. It
// reads only as many of the best leads as the bounds need: HotMost+1 when no share is set,
// else enough to know whether the share or HotMost binds (a rep with more open leads than
// that has a share bound above HotMost, so HotMost does).
func (s *Service) bandsFor(ctx context.Context, rep leadbot.Rep, day time.Time) (leadbot.Bands, error) {
	rule := s.bandRule(rep)
	limit := rule.HotMost + 1
	if rule.HotShare > 0 {
		limit = max(limit, int(math.Ceil(float64(rule.HotMost)/rule.HotShare))+1)
	}
	leads, err := s.st.TopLeads(ctx, rep.ID, day, limit)
	if err != nil {
		return leadbot.Bands{}, err
	}
	var scores []float64
	for _, l := range leads {
		if l.Score != nil {
			scores = append(scores, *l.Score)
		}
	}
	open := len(leads)
	if open == limit {
		open = math.MaxInt32 // at least this many: the share bound no longer binds
	}
	return rule.For(scores, open), nil
}

// enrich gives cards what the database adds to them beyond Service.cards: their owners' bands
// and the reasons teammates gave.
func (s *Service) enrich(ctx context.Context, cards []Card, day time.Time) ([]Card, error) {
	cards, err := s.banded(ctx, cards, day)
	if err != nil {
		return nil, err
	}
	return s.withSaid(ctx, cards)
}

// banded gives cards the bands of the rep whose leads they show: the owner's capacity, not
// the viewer's (a manager sees each rep's hot leads as that rep does).
func (s *Service) banded(ctx context.Context, cards []Card, day time.Time) ([]Card, error) {
	byOwner := map[int64]leadbot.Bands{}
	for i, c := range cards {
		if c.Lead.OwnerID == nil {
			continue
		}
		b, ok := byOwner[*c.Lead.OwnerID]
		if !ok {
			owner, err := s.st.RepByID(ctx, *c.Lead.OwnerID)
			if err != nil {
				return nil, err
			}
			if b, err = s.bandsFor(ctx, owner, day); err != nil {
				return nil, err
			}
			byOwner[*c.Lead.OwnerID] = b
		}
		cards[i].Bands = &b
	}
	return cards, nil
}
