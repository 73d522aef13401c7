package leadbot

import (
	"fmt"
	"time"
)

// LeadRecord is one lead as a CRM export states it, parsed and validated, before it is stored.
type LeadRecord struct {
	Line       int // where the record starts in the file
	ExternalID string
	Name       string
	Company    string
	Email      string // lower-cased
	OwnerEmail string // lower-cased; "" is unassigned
	Source     string
	Status     string    // "open" or "closed"
	CreatedAt  time.Time // zero when missing
	// Attributes is a JSON object of every other column: values are kept as the strings the
	// file holds (trimmed), because the scoring engine types columns itself over the whole
	// data set; missing values are left out, so that "missing" stays visible as absence.
	Attributes string
}

// OutcomeRecord is one outcome as a CRM export states it.
type OutcomeRecord struct {
	Line       int
	LeadID     string // the lead's external id
	Outcome    string // won, lost, converted or disqualified
	OccurredAt time.Time
	Amount     string // canonical decimal, "" when missing
}

// RepRecord is one rep as a reps file states it.
type RepRecord struct {
	Line         int
	Email        string // lower-cased
	Name         string
	ManagerEmail string // lower-cased; "" is none
	SlackUserID  string
	Timezone     string // an IANA zone name, "" when missing
	DeliveryHour int    // local hour of the daily digest, 0–23; -1 when missing
	LeadsPerDay  int    // leads in the daily digest, 1–20; 0 when missing
}

// RowError is a bad record of an import: the physical line where it starts, and why.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }
