package nexmark

import "testing"

// BenchmarkEvent generates events in sequence; the sub-benchmarks of one
// kind generate only events of that kind.
func BenchmarkEvent(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchEvents(b, 1, 0) })
	b.Run("person", func(b *testing.B) { benchEvents(b, proportionDenominator, 0) })
	b.Run("auction", func(b *testing.B) { benchEvents(b, proportionDenominator, 1) })
	b.Run("bid", func(b *testing.B) { benchEvents(b, proportionDenominator, 10) })
}

func benchEvents(b *testing.B, stride, offset int64) {
	c := DefaultConfig()
	var e Event
	bytes := 0
	b.ReportAllocs()
	for n := offset; b.Loop(); n += stride {
		c.Event(n, &e)
		bytes += e.Size()
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "B/event")
}

// benchEventsPerOp is how many events one op of the reference benchmarks
// runs through.
const benchEventsPerOp = 1_000_000

func BenchmarkReferenceQ5(b *testing.B) { benchReference(b, "q5", false) }

// BenchmarkReference runs every query through Reference (a string per
// line) and ReferenceBytes (no allocation per line).
func BenchmarkReference(b *testing.B) {
	for _, q := range Queries {
		b.Run(q, func(b *testing.B) { benchReference(b, q, false) })
		b.Run(q+"/bytes", func(b *testing.B) { benchReference(b, q, true) })
	}
}

func benchReference(b *testing.B, query string, bytes bool) {
	c := DefaultConfig()
	c.Events = benchEventsPerOp
	lines := 0
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if bytes {
			err = ReferenceBytes(query, c, func([]byte) { lines++ })
		} else {
			err = Reference(query, c, func(string) { lines++ })
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchEventsPerOp)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(lines)/float64(b.N), "lines/op")
}
