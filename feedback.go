package leadbot

import "time"

// Verdict is a rep's judgement of a lead: 👍 or 👎.
type Verdict int

// The two verdicts. They are stored as +1 and -1, which is also their sign as a training label.
const (
	Up   Verdict = 1
	Down Verdict = -1
)

// String is the verdict as people and exports name it.
func (v Verdict) String() string {
	switch v {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return "none"
}

// Emoji is the verdict as Slack shows it.
func (v Verdict) Emoji() string {
	if v == Up {
		return ":+1:"
	}
	return ":-1:"
}

// Feedback is a rep's verdict on a lead, with the reason code a 👎 carries.
type Feedback struct {
	ID           int64      `db:"id"`
	LeadID       int64      `db:"lead_id"`
	RepID        int64      `db:"rep_id"`
	Verdict      Verdict    `db:"verdict"`
	ReasonCode   *string    `db:"reason_code"`
	Note         string     `db:"note"`
	AccountWide  bool       `db:"account_wide"`
	Channel      string     `db:"channel"`
	MessageTS    string     `db:"message_ts"`
	Probability  *float64   `db:"probability"`
	ModelVersion *int       `db:"model_version"`
	CreatedAt    time.Time  `db:"created_at"`
	UndoneAt     *time.Time `db:"undone_at"`
}

// Reason returns the reason code or "".
func (f Feedback) Reason() string {
	if f.ReasonCode == nil {
		return ""
	}
	return *f.ReasonCode
}

// NewFeedback is a verdict to record.
type NewFeedback struct {
	LeadID      int64
	RepID       int64
	Verdict     Verdict
	ReasonCode  string
	Note        string
	AccountWide bool
	Channel     string
	MessageTS   string
	// CreatedAt backdates a verdict (history brought in from elsewhere, the demo); zero is now.
	CreatedAt time.Time
}

// ReasonCode is something a rep can say about a lead.
type ReasonCode struct {
	Code     string `db:"code"`
	Label    string `db:"label"`
	Polarity int    `db:"polarity"`
	Category string `db:"category"`
	// DataQuality marks a report about the data ("wrong contact", "bad data") rather than a
	// judgement of the lead: it goes to the data-quality report and never becomes a label.
	DataQuality bool `db:"data_quality"`
}
