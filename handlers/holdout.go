package handlers

import (
	"context"

	"github.com/leadbot/leadbot"
	"github.com/leadbot/leadbot/experiment"
	"github.com/leadbot/leadbot/store"
)

// experiment returns the running experiment for the configured held-out share, starting or
// stopping one when the share changed (nil: the holdout is off).
func (s *Service) experiment(ctx context.Context) (*store.Experiment, error) {
	return s.st.EnsureExperiment(ctx, s.cfg.Holdout)
}

// floorBand is the band a probability is in by the floors alone (no capacity bound): the band
// an experiment records at assignment, the same for every rep.
func (s *Service) floorBand(p float64) string { return string(s.cfg.Bands.Floors().Of(p)) }

// assignRep draws the rep's open scored leads that no experiment has drawn yet: their first
// time eligible for a digest. The digest's candidates then leave the held-out ones out.
func (s *Service) assignRep(ctx context.Context, repID int64) error {
	e, err := s.experiment(ctx)
	if err != nil || e == nil {
		return err
	}
	_, err = s.st.AssignOpenLeads(ctx, *e, repID, s.floorBand)
	return err
}

// heldOut draws one lead (a "hot now" candidate) if the experiment runs, and says whether it is
// held out, in this experiment or an earlier one.
func (s *Service) heldOut(ctx context.Context, l leadbot.Lead) (bool, error) {
	e, err := s.experiment(ctx)
	if err != nil {
		return false, err
	}
	if e != nil && l.Score != nil {
		arms, err := s.st.Assign(ctx, *e, []store.Candidate{{LeadID: l.ID, Band: s.floorBand(*l.Score), Score: *l.Score}})
		if err != nil {
			return false, err
		}
		return arms[l.ID] == experiment.HeldOut, nil
	}
	held, err := s.st.HeldOut(ctx, []int64{l.ID})
	return held[l.ID], err
}
