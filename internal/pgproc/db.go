package pgproc

import (
	"database/sql"

	_ "github.com/lib/pq" // the database/sql driver for PostgreSQL
)

func openDB(dsn string) (*sql.DB, error) { return sql.Open("postgres", dsn) }
