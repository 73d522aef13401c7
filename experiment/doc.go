// Package experiment is the arithmetic of leadbot's proof of value: the randomized holdout that
// keeps some eligible leads out of every digest, the uplift of sending the list (treated against
// held out, band by band, with 95 % intervals), and the test that tells a real rise in what reps
// report from noise.
//
// It is pure: no database, no clock, no Slack. The store keeps the assignments and counts the
// outcomes; this package decides the arm of a lead and what the counts say.
package experiment
