package ingest

import "strings"

// CSVHeader maps a CSV file's column names (trimmed, lower case, a
// byte-order mark dropped) to their positions; of two columns with one
// name the first counts, so a stray duplicate at the end of a row cannot
// replace a value.
type CSVHeader map[string]int

// ParseCSVHeader reads the header row fields.
func ParseCSVHeader(fields []string) CSVHeader {
	h := CSVHeader{}
	for i, f := range fields {
		f = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff")))
		if _, dup := h[f]; !dup {
			h[f] = i
		}
	}
	return h
}

// Missing returns the first of names the header lacks, "" when it has all.
func (h CSVHeader) Missing(names ...string) string {
	for _, n := range names {
		if _, ok := h[n]; !ok {
			return n
		}
	}
	return ""
}

// Name returns the name of column i, for an error naming the field; ""
// when the header has none there.
func (h CSVHeader) Name(i int) string {
	for name, j := range h {
		if i == j {
			return name
		}
	}
	return ""
}

// Get returns row fields' trimmed value in column name, "" when the header
// or the row lacks it.
func (h CSVHeader) Get(fields []string, name string) string {
	i, ok := h[name]
	if !ok || i >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[i])
}
