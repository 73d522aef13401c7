// Package leadbot is the domain at the centre of leadbot: the types every adapter shares (a
// lead, a rep, an outcome, a rep's verdict and its reason code, a score and its factors, a
// record read from a CRM), the rules about them written once (who may see or judge a lead, when
// a rep is due a digest), and the one error type every layer returns.
//
// It imports nothing of leadbot's: store (PostgreSQL), crm (CSV exports), handlers (Slack),
// httpapi (webhooks), training and scoring are adapters around it, and cmd/leadbot wires them.
// The db tags on the types are the one concession to storage: sqlx scans rows into them
// directly, which saves a copy of every type in store.
package leadbot
