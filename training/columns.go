package training

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/leadbot/leadbot/store"
)

// ColumnLimits bound the columns training builds from CRM attributes, so that one lead with
// 100,000 attributes cannot turn every lead into a 100,000-column row. An attribute becomes a
// column only when enough leads carry it to learn anything from (MinSupport), and at most
// MaxColumns attributes are kept, the most common first. The zero value uses the defaults.
type ColumnLimits struct {
	MinSupport int // leads that must carry an attribute (0: max(10, 0.1 % of leads), at most 5 % of them)
	MaxColumns int // attribute columns kept at most (0: 500)
}

// DefaultMaxColumns is the most attribute columns a model is trained on unless configured: real
// CRM exports carry tens to a few hundred fields.
const DefaultMaxColumns = 500

func (c ColumnLimits) resolve(leads int) (minSupport, maxColumns int) {
	minSupport, maxColumns = c.MinSupport, c.MaxColumns
	if minSupport <= 0 {
		minSupport = min(max(10, leads/1000), max(1, leads/20))
	}
	if maxColumns <= 0 {
		maxColumns = DefaultMaxColumns
	}
	return minSupport, maxColumns
}

// keptColumns is the set of attribute columns to build and how many distinct attributes were
// left out. When scoring, they are the columns the model reads; when training, the attributes
// that at least minSupport leads carry with a value, the most common maxColumns of them.
func keptColumns(leads []store.TrainingLead, opt frameOptions) (map[string]bool, int) {
	if opt.columns != nil {
		keep := make(map[string]bool, len(opt.columns))
		for _, c := range opt.columns {
			keep[c] = true
		}
		return keep, 0
	}
	support := map[string]int{}
	for _, l := range leads {
		var raw map[string]json.RawMessage
		_ = json.Unmarshal(l.Attributes, &raw)
		for k, v := range raw {
			if string(v) != "null" && string(v) != `""` {
				support[attrColumn(k)]++
			}
		}
	}
	minSupport, maxColumns := opt.limits.resolve(len(leads))
	var names []string
	for k, n := range support {
		if n >= minSupport {
			names = append(names, k)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(support[b], support[a]), cmp.Compare(a, b)) })
	names = names[:min(len(names), maxColumns)]
	keep := make(map[string]bool, len(names)+len(opt.extra))
	for _, k := range slices.Concat(names, opt.extra) {
		keep[k] = true
	}
	return keep, len(support) - len(names)
}
