package sdk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"spindle/internal/codec"
)

// strIndex must agree with a Go map on any mix of keys: the empty key,
// short keys packed into their slot (1–16 bytes, those differing in one
// middle byte among them), and long keys compared through the table.
func TestStrIndexAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "ab\x00\xff"
	var pool []string
	for n := 0; n <= 40; n++ {
		for range 30 {
			var b strings.Builder
			for range n {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
			pool = append(pool, b.String())
		}
	}
	x := newStrIndex()
	var keys []string
	want := map[string]int32{}
	for step := range 200000 {
		k := pool[rng.IntN(len(pool))]
		got, found := x.find(k, int32(len(keys)), keys)
		w, ok := want[k]
		if !ok {
			w = int32(len(keys))
			want[k] = w
			keys = append(keys, k)
		}
		if found != ok || got != w {
			t.Fatalf("step %d: find(%q) = %d, %v; want %d, %v", step, k, got, found, w, ok)
		}
	}
	x.reset()
	if _, found := x.find(keys[0], 0, nil); found {
		t.Errorf("a key found after reset")
	}
}

func BenchmarkStrIndex(b *testing.B) {
	keys := make([]string, 100000)
	for i := range keys {
		keys[i] = fmt.Sprintf("w%d", i*7919%100000)
	}
	b.ResetTimer()
	for range b.N {
		t := newTable[string, int64](func(a, b int64) int64 { return a + b }, stringKey)
		for _, k := range keys {
			count(t, k)
		}
	}
}

var stringKey, _ = codec.KeyFor[string]()

// Tables sort string keys by prefix first; the order must be the strings'
// own, whatever their lengths and bytes.
func TestTableSortsStringKeys(t *testing.T) {
	keys := []string{"", "\x00", "a", "a\x00", "ab", "abcdefgh", "abcdefgh\x00", "abcdefghi", "abcdefgg\xff", "\xff", "b"}
	tab := newTable[string, int64](func(a, b int64) int64 { return a + b }, stringKey)
	for i := len(keys) - 1; i >= 0; i-- {
		count(tab, keys[i])
	}
	var got []string
	tab.each(true, func(k string, n int64) { got = append(got, k) })
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("sorted keys %q, want %q", got, want)
	}
}
