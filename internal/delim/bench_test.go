package delim

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// q1Project is the projection of TPC-H query 1: l_quantity,
// l_extendedprice, l_discount, l_tax, l_returnflag, l_linestatus,
// l_shipdate.
var q1Project = []int{4, 5, 6, 7, 8, 9, 10}

// benchBatch is the batch size of the benchmarks, in records.
const benchBatch = 1 << 16

// syntheticLineitem returns n lines shaped like dbgen's lineitem.tbl
// (about 125 bytes each), from a fixed seed. Like the lines textio hands
// out, they are substrings of one text, in order.
func syntheticLineitem(n int) []string {
	rng := rand.New(rand.NewPCG(1, 2))
	instruct := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	words := strings.Fields("furiously regular deposits sleep carefully final packages " +
		"haggle slyly ironic accounts wake quickly express pinto beans among the")
	date := func() string {
		return fmt.Sprintf("199%d-%02d-%02d", 2+rng.IntN(7), 1+rng.IntN(12), 1+rng.IntN(28))
	}
	var b strings.Builder
	ends := make([]int, n)
	for i := range ends {
		qty := 1 + rng.IntN(50)
		fmt.Fprintf(&b, "%d|%d|%d|%d|%d|%d.%02d|0.%02d|0.%02d|%c|%c|%s|%s|%s|%s|%s|",
			1+i/4, 1+rng.IntN(200000), 1+rng.IntN(10000), 1+i%7, qty,
			qty*(900+rng.IntN(100000))/100, rng.IntN(100), rng.IntN(11), rng.IntN(9),
			"RAN"[rng.IntN(3)], "OF"[rng.IntN(2)], date(), date(), date(),
			instruct[rng.IntN(len(instruct))], modes[rng.IntN(len(modes))])
		for w := 0; w < 2+rng.IntN(5); w++ {
			if w > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		b.WriteByte('|')
		ends[i] = b.Len()
		b.WriteByte('\n')
	}
	text, start := b.String(), 0
	lines := make([]string, n)
	for i, end := range ends {
		lines[i], start = text[start:end], end+1
	}
	return lines
}

// scanAll adds lines to s, flushing a batch every benchBatch records, and
// fails on the first reject.
func scanAll(b *testing.B, s *Scanner, lines []string) {
	for _, l := range lines {
		if r := s.Add(l); r != nil {
			b.Fatalf("Add(%q) = %v", l, r)
		}
		if s.Len() == benchBatch {
			s.Flush().Release()
		}
	}
	if rec := s.Flush(); rec != nil {
		rec.Release()
	}
}

// benchLines benchmarks scanning lines with each projection; bytes count
// the lines with their '\n'.
func benchLines(b *testing.B, lines []string) {
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	for _, p := range []struct {
		name    string
		project []int
	}{
		{"q1", q1Project},
		{"all", nil},
		{"none", []int{}},
	} {
		b.Run(p.name, func(b *testing.B) {
			s := mustScanner(b, lineitemSchema(), p.project, tblOptions)
			scanAll(b, s, lines) // warm up the batch sizes
			b.SetBytes(int64(size))
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				scanAll(b, s, lines)
			}
			reportCPU(b, cpuTime()-cpu, size, len(lines))
		})
	}
}

// reportCPU reports the CPU time spent per record and the throughput per
// CPU second (the figure per core, which wall time on a busy machine
// understates), for b.N passes over records lines of size bytes.
func reportCPU(b *testing.B, cpu time.Duration, size, records int) {
	if cpu <= 0 {
		return
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*records), "cpu-ns/record")
	b.ReportMetric(float64(b.N*size)/cpu.Seconds()/1e6, "cpu-MB/s")
}

// BenchmarkScanLineitem scans 200,000 synthetic lineitem lines.
func BenchmarkScanLineitem(b *testing.B) {
	benchLines(b, syntheticLineitem(200000))
}

// BenchmarkScanCSV scans the synthetic lines as CSV whose text fields are
// all quoted, so that every record takes the quote-aware path.
func BenchmarkScanCSV(b *testing.B) {
	lines := syntheticLineitem(200000)
	size := 0
	for i, l := range lines {
		f := strings.Split(strings.TrimSuffix(l, "|"), "|")
		for _, j := range []int{8, 9, 13, 14, 15} {
			f[j] = `"` + f[j] + `"`
		}
		lines[i] = strings.Join(f, ",")
		size += len(lines[i]) + 1
	}
	s := mustScanner(b, lineitemSchema(), q1Project, Options{Delim: ',', Quote: '"'})
	scanAll(b, s, lines)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		scanAll(b, s, lines)
	}
	reportCPU(b, cpuTime()-cpu, size, len(lines))
}

// tpchLineitem is TPC-H SF 0.01 lineitem.tbl where the project keeps it;
// BenchmarkScanLineitemFile skips without it.
const tpchLineitem = "/work/shared/data/tpch-sf0.01/lineitem.tbl"

// BenchmarkScanLineitemFile scans the real SF 0.01 lineitem table
// (60,175 lines), held in memory.
func BenchmarkScanLineitemFile(b *testing.B) {
	f, err := os.Open(tpchLineitem)
	if err != nil {
		b.Skipf("no TPC-H data: %v", err)
	}
	defer f.Close()
	text, err := io.ReadAll(f)
	if err != nil {
		b.Fatal(err)
	}
	benchLines(b, strings.Split(strings.TrimSuffix(string(text), "\n"), "\n"))
}

// BenchmarkFindDelims compares the two ways of finding the 11 delimiters
// up to l_shipdate of a lineitem line: SWAR (findDelims) and a call of
// strings.IndexByte per field.
func BenchmarkFindDelims(b *testing.B) {
	line := lineitemLines[0]
	ends := make([]int, 11)
	b.Run("swar", func(b *testing.B) {
		for b.Loop() {
			if findDelims(ends, line, '|') != len(ends) {
				b.Fatal("too few delimiters")
			}
		}
	})
	b.Run("indexbyte", func(b *testing.B) {
		for b.Loop() {
			pos := 0
			for k := range ends {
				j := strings.IndexByte(line[pos:], '|')
				if j < 0 {
					b.Fatal("too few delimiters")
				}
				ends[k], pos = pos+j, pos+j+1
			}
		}
	})
}
