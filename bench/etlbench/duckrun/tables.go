package main

import (
	_ "embed"
	"strings"
)

// viewsSQL defines the views lineitem, orders, customer and nation over
// the .tbl files of the directory {{DIR}}.
//
//go:embed sql/views.sql
var viewsSQL string

// views returns viewsSQL for the .tbl files in dir.
func views(dir string) string {
	return strings.ReplaceAll(viewsSQL, "{{DIR}}", strings.ReplaceAll(dir, "'", "''"))
}
