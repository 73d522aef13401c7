package scoring

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// DefaultMissingTokens are the raw values that mean "no value" in CRM exports unless the caller
// says otherwise. The empty string is always missing.
var DefaultMissingTokens = []string{"NA", "N/A", "n/a", "null", "NULL", "None", "nan", "NaN"}

// Frame is a columnar table of raw CRM values, appended one lead at a time. It keeps a column as
// float64 while every value is a number that prints back identically (so nothing is lost), and
// switches it to a dictionary of distinct strings otherwise: 1M leads × 50 columns then cost
// 4–8 bytes a cell instead of a 16-byte string header plus its text.
//
// A Frame is not safe for concurrent appends; reading a finished Frame from many goroutines is.
type Frame struct {
	names   []string
	index   map[string]int
	cols    []*column
	n       int
	missing map[string]bool
	// Now is the reference time for date columns ("days since"); zero means the reference the
	// model was trained with, which keeps scoring reproducible.
	Now int64
}

// column stores one column either as numbers (numeric) or as dictionary codes; code 0 is missing.
type column struct {
	numeric bool
	nums    []float64
	codes   []uint32
	dict    []string
	lookup  map[string]uint32
}

// NewFrame returns an empty frame with the given columns. Values equal to one of missingTokens
// (or DefaultMissingTokens when none are given) or to "" are stored as missing.
func NewFrame(columns []string, missingTokens ...string) *Frame {
	if missingTokens == nil {
		missingTokens = DefaultMissingTokens
	}
	f := &Frame{index: map[string]int{}, missing: map[string]bool{"": true}}
	for _, t := range missingTokens {
		f.missing[t] = true
	}
	for _, c := range columns {
		f.addColumn(c)
	}
	return f
}

// addColumn adds a column filled with missing values for the rows already present; it returns
// the existing index when the name is taken, so CRM exports with repeated headers still load.
func (f *Frame) addColumn(name string) int {
	if i, ok := f.index[name]; ok {
		return i
	}
	c := &column{numeric: true, nums: make([]float64, f.n, max(f.n, 16))}
	for i := range c.nums {
		c.nums[i] = math.NaN()
	}
	f.names = append(f.names, name)
	f.cols = append(f.cols, c)
	f.index[name] = len(f.cols) - 1
	return len(f.cols) - 1
}

// Len is the number of rows.
func (f *Frame) Len() int { return f.n }

// Columns returns the column names in order; the slice must not be modified.
func (f *Frame) Columns() []string { return f.names }

// AppendRow appends one row whose values follow Columns().
func (f *Frame) AppendRow(values []string) error {
	if len(values) != len(f.cols) {
		return fmt.Errorf("scoring: row %d has %d values but the frame has %d columns", f.n+1, len(values), len(f.cols))
	}
	for j, v := range values {
		f.cols[j].append(v, f.missing[v])
	}
	f.n++
	return nil
}

// AppendRecord appends one row given as column → value, the shape of a lead's standard fields
// plus its flattened JSONB attributes. Unknown keys become new columns (missing for earlier rows);
// columns absent from the record are missing for this row.
func (f *Frame) AppendRecord(rec map[string]string) {
	// New columns are added in name order, not the map's (random) order: the same records must
	// make the same frame, or two fits on the same data differ (column order changes sums, ties
	// and the model chosen).
	var fresh []string
	for k := range rec {
		if _, ok := f.index[k]; !ok {
			fresh = append(fresh, k)
		}
	}
	slices.Sort(fresh)
	for _, k := range fresh {
		f.addColumn(k)
	}
	for j, name := range f.names {
		v, ok := rec[name]
		f.cols[j].append(v, !ok || f.missing[v])
	}
	f.n++
}

// Value returns the raw value of row i in column name, and false when it is missing or the column
// does not exist.
func (f *Frame) Value(i int, name string) (string, bool) {
	j, ok := f.index[name]
	if !ok {
		return "", false
	}
	c := f.cols[j]
	if c.numeric {
		v := c.nums[i]
		if math.IsNaN(v) {
			return "", false
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	code := c.codes[i]
	return c.dict[code], code != 0
}

// Select returns a new frame holding the given rows in that order, sharing dictionaries with f.
func (f *Frame) Select(rows []int) *Frame {
	g := &Frame{names: f.names, index: f.index, missing: f.missing, n: len(rows), Now: f.Now}
	g.cols = make([]*column, len(f.cols))
	for j, c := range f.cols {
		d := &column{numeric: c.numeric, dict: c.dict}
		if c.numeric {
			d.nums = make([]float64, len(rows))
			for k, r := range rows {
				d.nums[k] = c.nums[r]
			}
		} else {
			d.codes = make([]uint32, len(rows))
			for k, r := range rows {
				d.codes[k] = c.codes[r]
			}
		}
		g.cols[j] = d
	}
	// The selection must not grow the parent's names or dictionaries: copy them on first append.
	g.names = append([]string(nil), f.names...)
	g.index = make(map[string]int, len(f.index))
	for k, v := range f.index {
		g.index[k] = v
	}
	return g
}

// Drop returns a frame without the named columns (sharing storage with f).
func (f *Frame) Drop(names ...string) *Frame {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	g := &Frame{index: map[string]int{}, missing: f.missing, n: f.n, Now: f.Now}
	for j, name := range f.names {
		if drop[name] {
			continue
		}
		g.names = append(g.names, name)
		g.cols = append(g.cols, f.cols[j])
		g.index[name] = len(g.cols) - 1
	}
	return g
}

func (c *column) append(v string, missing bool) {
	if c.numeric {
		if missing {
			c.nums = append(c.nums, math.NaN())
			return
		}
		if x, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(x) && strconv.FormatFloat(x, 'g', -1, 64) == v {
			c.nums = append(c.nums, x)
			return
		}
		c.toDict()
	}
	if missing {
		c.codes = append(c.codes, 0)
		return
	}
	c.codes = append(c.codes, c.intern(v))
}

// toDict converts a numeric column to dictionary form; the numbers print back to their exact text.
func (c *column) toDict() {
	c.numeric = false
	c.codes = make([]uint32, len(c.nums), cap(c.nums))
	for i, x := range c.nums {
		if !math.IsNaN(x) {
			c.codes[i] = c.intern(strconv.FormatFloat(x, 'g', -1, 64))
		}
	}
	c.nums = nil
}

func (c *column) intern(v string) uint32 {
	if c.lookup == nil {
		// Copy-on-write: a selected frame shares its parent's dictionary until it grows.
		old := c.dict
		c.dict = make([]string, len(old), len(old)+16)
		copy(c.dict, old)
		if len(c.dict) == 0 {
			c.dict = append(c.dict, "")
		}
		c.lookup = make(map[string]uint32, len(c.dict))
		for i, s := range c.dict[1:] {
			c.lookup[s] = uint32(i + 1)
		}
	}
	if code, ok := c.lookup[v]; ok {
		return code
	}
	c.dict = append(c.dict, v)
	code := uint32(len(c.dict) - 1)
	c.lookup[v] = code
	return code
}
