package sffake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// query is the SOQL subset leadbot sends:
//
//	SELECT f1, f2, Owner.Email FROM Object [WHERE SystemModstamp >= t [AND SystemModstamp < t]]
//	[ORDER BY SystemModstamp[, Id]] [LIMIT n]
type query struct {
	fields []string
	object string
	from   time.Time // inclusive, zero: none
	until  time.Time // exclusive, zero: none
	limit  int
}

// parseSOQL parses q, or says what is wrong as Salesforce's MALFORMED_QUERY would.
func parseSOQL(q string) (query, error) {
	var out query
	toks := strings.Fields(strings.ReplaceAll(q, ",", " , "))
	i := 0
	next := func() string {
		if i >= len(toks) {
			return ""
		}
		i++
		return toks[i-1]
	}
	if !strings.EqualFold(next(), "SELECT") {
		return out, fmt.Errorf("unexpected token: expecting SELECT")
	}
	for {
		f := next()
		if f == "" {
			return out, fmt.Errorf("unexpected end of query: expecting FROM")
		}
		out.fields = append(out.fields, f)
		if t := next(); strings.EqualFold(t, "FROM") {
			break
		} else if t != "," {
			return out, fmt.Errorf("unexpected token: '%s'", t)
		}
	}
	out.object = next()
	for i < len(toks) {
		switch kw := strings.ToUpper(next()); kw {
		case "WHERE", "AND":
			field, op, val := next(), next(), next()
			if !strings.EqualFold(field, "SystemModstamp") {
				return out, fmt.Errorf("the fake filters on SystemModstamp only, not %s", field)
			}
			t, err := time.Parse(time.RFC3339, val)
			if err != nil {
				return out, fmt.Errorf("line 1:%d no viable alternative at character '%s' (a dateTime is YYYY-MM-DDThh:mm:ssZ)", i, val)
			}
			switch op {
			case ">=":
				out.from = t
			case ">":
				out.from = t.Add(time.Millisecond)
			case "<":
				out.until = t
			default:
				return out, fmt.Errorf("unexpected operator %s", op)
			}
		case "ORDER":
			if !strings.EqualFold(next(), "BY") || !strings.EqualFold(next(), "SystemModstamp") {
				return out, fmt.Errorf("the fake orders by SystemModstamp only")
			}
			if i < len(toks) && toks[i] == "," {
				i++
				if !strings.EqualFold(next(), "Id") {
					return out, fmt.Errorf("the fake orders by SystemModstamp, Id only")
				}
			}
		case "LIMIT":
			n, err := strconv.Atoi(next())
			if err != nil || n < 1 {
				return out, fmt.Errorf("LIMIT needs a positive number")
			}
			out.limit = n
		default:
			return out, fmt.Errorf("unexpected token: '%s'", kw)
		}
	}
	return out, nil
}

// match reports whether r is in the query's window.
func (q query) match(r Record) bool {
	if q.from.IsZero() && q.until.IsZero() {
		return true
	}
	t, err := time.Parse(sfTime, r["SystemModstamp"].(string))
	if err != nil {
		return false
	}
	return (q.from.IsZero() || !t.Before(q.from)) && (q.until.IsZero() || t.Before(q.until))
}
