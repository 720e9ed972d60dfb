package delim

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

var sinkI int

func BenchmarkAblateParse(b *testing.B) {
	lines := syntheticLineitem(4096)
	var prices, aheads, dates []string
	for _, l := range lines {
		f := strings.Split(l, "|")
		prices = append(prices, f[5])
		i := strings.Index(l, "|"+f[5]+"|") + 1
		aheads = append(aheads, l[i:])
		dates = append(dates, f[10])
	}
	c, _ := newDecimalCol(&arrow.Decimal128Type{Precision: 15, Scale: 2})
	b.Run("parseFast", func(b *testing.B) {
		for b.Loop() {
			for _, p := range prices {
				v, _ := c.parseFast(p)
				sinkI += int(v)
			}
		}
	})
	b.Run("parse8", func(b *testing.B) {
		for b.Loop() {
			for i, p := range prices {
				v, _ := c.parse8(load64(aheads[i], 0), len(p))
				sinkI += int(v)
			}
		}
	})
	b.Run("parse8local", func(b *testing.B) {
		acc := 0
		for b.Loop() {
			for i, p := range prices {
				v, _ := c.parse8(load64(aheads[i], 0), len(p))
				acc += int(v)
			}
		}
		sinkI = acc
	})
	b.Run("empty", func(b *testing.B) {
		acc := 0
		for b.Loop() {
			for i, p := range prices {
				acc += int(load64(aheads[i], 0)) + len(p)
			}
		}
		sinkI = acc
	})
	b.Run("date", func(b *testing.B) {
		for b.Loop() {
			for _, p := range dates {
				v, _ := parseDate(p)
				sinkI += int(v)
			}
		}
	})
}
