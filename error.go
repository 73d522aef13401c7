package leadbot

import (
	"errors"
	"fmt"
)

// Error codes: what kind of failure an error is, for the code that decides what to do with it.
// A person never sees the code; they see the Message.
const (
	ENOTFOUND    = "not_found"   // the thing asked for does not exist (or no longer)
	EFORBIDDEN   = "forbidden"   // it exists, and this person may not see or change it
	EINVALID     = "invalid"     // the input is wrong; the message says how to fix it
	ECONFLICT    = "conflict"    // the write would break a uniqueness rule
	EUNAVAILABLE = "unavailable" // a dependency (the database, Slack) did not answer: try later
	EINTERNAL    = "internal"    // a bug or an unexpected failure: logged for the admin
)

// Error is leadbot's one error type. Message is written for the person who reads it (a rep in
// Slack, an admin at the command line) and says what to do; Op and Err are for the log: which
// operation failed, and the underlying cause.
type Error struct {
	Code    string
	Message string
	Op      string // "store.RecordFeedback"
	Err     error
}

func (e *Error) Error() string {
	var s string
	if e.Op != "" {
		s = e.Op + ": "
	}
	switch {
	case e.Err != nil && e.Message != "":
		return s + e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return s + e.Err.Error()
	}
	return s + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a message for people.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the outermost *Error in err's chain: EINTERNAL for an error that
// is not one, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		for e.Code == "" && e.Err != nil && errors.As(e.Err, &e) {
		}
		if e.Code != "" {
			return e.Code
		}
	}
	return EINTERNAL
}

// ErrorMessage returns the message for people of the first *Error in err's chain that has one,
// or a generic apology: the cause of an internal error belongs in the log, not in front of a rep.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if le, ok := e.(*Error); ok && le.Message != "" {
			return le.Message
		}
	}
	switch ErrorCode(err) {
	case EUNAVAILABLE:
		return "leadbot cannot reach its database right now. Please try again in a minute."
	}
	return "Sorry, something went wrong on leadbot's side (logged for the admin). Please try again in a minute."
}
