package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/leadbot/leadbot"
)

// translate gives each database error the code its callers act on: a lost connection (even a
// bare io.EOF from lib/pq) is EUNAVAILABLE, which the click spool waits out, not EINTERNAL.
func TestTranslateCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{sql.ErrNoRows, leadbot.ENOTFOUND},
		{&pq.Error{Code: "23505"}, leadbot.ECONFLICT},
		{io.EOF, leadbot.EUNAVAILABLE},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), leadbot.EUNAVAILABLE},
		{driver.ErrBadConn, leadbot.EUNAVAILABLE},
		{context.DeadlineExceeded, leadbot.EUNAVAILABLE},
		{&pq.Error{Code: "57P01"}, leadbot.EUNAVAILABLE},
		{syscall.ECONNREFUSED, leadbot.EUNAVAILABLE},
		{&pq.Error{Code: "22P02"}, leadbot.EINTERNAL},
		{errors.New("boom"), leadbot.EINTERNAL},
	} {
		if got := leadbot.ErrorCode(translate("Op", tc.err)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}
