package delim

import (
	"slices"
	"testing"
)

// lineitemLines are the first two lines of TPC-H lineitem.tbl.
var lineitemLines = []string{
	"1|1552|93|1|17|24710.35|0.04|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|DELIVER IN PERSON|TRUCK|egular courts above the|",
	"1|674|75|2|36|56688.12|0.09|0.06|N|O|1996-04-12|1996-02-28|1996-04-20|TAKE BACK RETURN|MAIL|ly final dependencies: slyly bold |",
}

func TestLineitemLines(t *testing.T) {
	tests := []struct {
		name    string
		project []int
		want    []string
	}{
		{"all", nil, []string{
			"1|1552|93|1|17.00|24710.35|0.04|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|DELIVER IN PERSON|TRUCK|egular courts above the",
			"1|674|75|2|36.00|56688.12|0.09|0.06|N|O|1996-04-12|1996-02-28|1996-04-20|TAKE BACK RETURN|MAIL|ly final dependencies: slyly bold ",
		}},
		{"q1 columns", []int{4, 5, 6, 7, 8, 9, 10}, []string{
			"17.00|24710.35|0.04|0.02|N|O|1996-03-13",
			"36.00|56688.12|0.09|0.06|N|O|1996-04-12",
		}},
		{"reordered", []int{15, 0, 12}, []string{
			"egular courts above the|1|1996-03-22",
			"ly final dependencies: slyly bold |1|1996-04-20",
		}},
		{"none", []int{}, []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustScanner(t, lineitemSchema(), tt.project, tblOptions)
			for _, l := range lineitemLines {
				if r := s.Add(l); r != nil {
					t.Fatalf("Add(%q) = %v", l, r)
				}
			}
			rec := s.Flush()
			defer rec.Release()
			if got := rows(t, rec); !slices.Equal(got, tt.want) {
				t.Errorf("rows:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
