package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Arm is the side of the experiment a lead is on.
type Arm string

const (
	// Treated leads may be sent: digests, "hot now" alerts and /leads lists.
	Treated Arm = "treated"
	// HeldOut leads are never pushed to a rep while the experiment runs. A rep can still look
	// one up by name.
	HeldOut Arm = "held_out"
)

// MaxShare is the largest held-out share leadbot accepts: past a half, the holdout costs more
// good leads than the list it is measuring.
const MaxShare = 0.5

// CheckShare says whether share is a usable held-out share (0 turns the holdout off).
func CheckShare(share float64) error {
	if share < 0 || share > MaxShare || share != share {
		return fmt.Errorf("digest.holdout is %v: give a share between 0 (off) and %v, such as 0.10", share, MaxShare)
	}
	return nil
}

// Assign puts a lead on its arm of one experiment. The draw is a hash of (experiment, lead), so
// it is the same on every replica, after every restart and re-import, and independent between
// experiments; the store records it the first time a lead is eligible and never draws again.
//
// Every band gets the same share, so the arms are balanced within each band (a stratified
// design in expectation); the report compares arms band by band for that reason.
func Assign(experimentID, leadID int64, share float64) Arm {
	if Uniform(experimentID, leadID) < share {
		return HeldOut
	}
	return Treated
}

// Uniform is the lead's draw in [0, 1) for one experiment.
func Uniform(experimentID, leadID int64) float64 {
	var b [24]byte
	copy(b[:8], "leadbot\x00")
	binary.BigEndian.PutUint64(b[8:16], uint64(experimentID))
	binary.BigEndian.PutUint64(b[16:], uint64(leadID))
	sum := sha256.Sum256(b[:])
	return float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
}
