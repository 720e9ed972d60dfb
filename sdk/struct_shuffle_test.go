package sdk

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// saleKey is a struct key: a string, a small int and a bool.
type saleKey struct {
	Region string
	Year   int16
	Online bool
}

type place struct {
	City string
	Zip  uint32
}

// sale is a struct value with a field of most kinds the codec plans: a
// nested struct, a time, a pointer that is often nil, bytes.
type sale struct {
	Units   int64
	Revenue float64 // quarters: sums of them are exact in any order
	Best    string
	Last    time.Time
	Where   place
	Note    *string
	Code    []byte
	local   int `spindle:"-"`
}

// saleOf is the i-th input record, a pure function of i.
func saleOf(i int) KV[saleKey, sale] {
	k := saleKey{Region: fmt.Sprintf("r%03d", i%997), Year: int16(2020 + i%3), Online: i%5 == 0}
	v := sale{Units: int64(i%4 + 1), Revenue: float64(i%8) * 0.25, Best: "item" + strconv.Itoa(i%101),
		Last:  time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1001 * time.Microsecond),
		Where: place{"city" + strconv.Itoa(i%11), uint32(i % 13)}, Code: []byte{byte(i), byte(i >> 8)}}
	if i%3 == 0 {
		note := "n" + strconv.Itoa(i%17)
		v.Note = &note
	}
	return KV[saleKey, sale]{k, v}
}

// mergeSales is associative and commutative, as CombinePerKey needs.
func mergeSales(a, b sale) sale {
	a.Units += b.Units
	a.Revenue += b.Revenue
	a.Best = max(a.Best, b.Best)
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	if b.Where.City < a.Where.City || b.Where.City == a.Where.City && b.Where.Zip < a.Where.Zip {
		a.Where = b.Where
	}
	if b.Note != nil && (a.Note == nil || *b.Note < *a.Note) {
		a.Note = b.Note
	}
	if bytes.Compare(b.Code, a.Code) > 0 {
		a.Code = b.Code
	}
	return a
}

func (k saleKey) String() string { return fmt.Sprintf("%s/%d/%v", k.Region, k.Year, k.Online) }

func (s sale) String() string {
	note := "-"
	if s.Note != nil {
		note = *s.Note
	}
	return fmt.Sprintf("%d|%g|%s|%s|%s/%d|%s|%x", s.Units, s.Revenue, s.Best, s.Last.Format(time.RFC3339Nano),
		s.Where.City, s.Where.Zip, note, s.Code)
}

// Struct keys and values cross a shuffle whole: CombinePerKey and
// GroupByKey give what plain Go code gives, in memory and when the reduce
// side spills sorted runs of struct columns to disk.
func TestStructShuffle(t *testing.T) {
	const n = 30000
	wantCombined, wantGroups := referenceSales(n)
	for _, mem := range []int64{0, 256 << 10} { // the default, and a 32 KiB aggregation budget
		t.Run(fmt.Sprintf("memory=%d", mem), func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.txt")
			var text strings.Builder
			for i := range n {
				fmt.Fprintln(&text, i)
			}
			os.WriteFile(in, []byte(text.String()), 0o644)
			p := newPipeline()
			sales := Map(p, "parse", ReadText(p, "read", in, SplitSize(64<<10)), func(l string) KV[saleKey, sale] {
				i, err := strconv.Atoi(l)
				if err != nil {
					panic(err)
				}
				return saleOf(i)
			})
			combined := CombinePerKey(p, "combine", sales, mergeSales, Partitions(3))
			WriteText(p, "write-combined", Map(p, "fmt", combined, func(kv KV[saleKey, sale]) string {
				return kv.Key.String() + "=" + kv.Value.String()
			}), filepath.Join(dir, "combined"))
			groups := GroupByKey(p, "group", sales, Partitions(2))
			WriteText(p, "write-groups", Map(p, "fmt2", groups, func(kv KV[saleKey, []sale]) string {
				return kv.Key.String() + "=" + formatGroup(kv.Value)
			}), filepath.Join(dir, "groups"))
			if p.err != nil {
				t.Fatal(p.err)
			}
			results := runLocalMem(t, p, 2, mem)

			if got := readParts(t, filepath.Join(dir, "combined")); !slices.Equal(got, wantCombined) {
				t.Errorf("combined: %d lines, first %q; want %d, first %q", len(got), got[:min(2, len(got))], len(wantCombined), wantCombined[:2])
			}
			if got := readParts(t, filepath.Join(dir, "groups")); !slices.Equal(got, wantGroups) {
				t.Errorf("groups: %d lines, first %.200q; want %d, first %.200q", len(got), got[:min(1, len(got))], len(wantGroups), wantGroups[0])
			}
			runs := int64(0)
			for _, r := range results {
				runs += r.Counters["spilled_runs"]
			}
			if mem > 0 && runs == 0 {
				t.Errorf("no reduce task spilled in %d bytes of memory", mem)
			}
		})
	}
}

// referenceSales is what the pipeline must write, computed with a map.
func referenceSales(n int) (combined, groups []string) {
	sums := map[saleKey]sale{}
	lists := map[saleKey][]sale{}
	for i := range n {
		kv := saleOf(i)
		if s, ok := sums[kv.Key]; ok {
			sums[kv.Key] = mergeSales(s, kv.Value)
		} else {
			sums[kv.Key] = kv.Value
		}
		lists[kv.Key] = append(lists[kv.Key], kv.Value)
	}
	for k, s := range sums {
		combined = append(combined, k.String()+"="+s.String())
	}
	for k, vs := range lists {
		groups = append(groups, k.String()+"="+formatGroup(vs))
	}
	slices.Sort(combined)
	slices.Sort(groups)
	return combined, groups
}

// formatGroup formats a key's values, which come in no particular order.
func formatGroup(vs []sale) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	slices.Sort(lines)
	return strings.Join(lines, ";")
}
