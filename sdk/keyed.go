package sdk

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"spindle/dataflow"
	"spindle/internal/codec"
)

// Number is the constraint of SumPerKey's values.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// CombinePerKey merges all values of each key with combine, which must be
// associative and commutative: it runs on each map task's output before
// the shuffle (the combiner) and again on the reduce side. The result
// holds one element per key, in key order within each partition.
func CombinePerKey[K comparable, V any](p *Pipeline, name string, in Dataset[KV[K, V]], combine func(V, V) V, opts ...Option) Dataset[KV[K, V]] {
	check(p, in, name)
	s, err := newKeyed[K, V](collect(opts), combine)
	if err != nil {
		p.fail(fmt.Errorf("sdk: step %q: %w", name, err))
	}
	return add[KV[K, V]](p, name, "CombinePerKey", dataflow.KindShuffle, &combineOp[K, V]{s}, in.node)
}

// SumPerKey adds up the values of each key.
func SumPerKey[K comparable, V Number](p *Pipeline, name string, in Dataset[KV[K, V]], opts ...Option) Dataset[KV[K, V]] {
	return CombinePerKey(p, name, in, func(a, b V) V { return a + b }, opts...)
}

// CountPerKey counts the occurrences of each element. It is SumPerKey of
// each element paired with 1, but counts in place on the map side.
func CountPerKey[K comparable](p *Pipeline, name string, in Dataset[K], opts ...Option) Dataset[KV[K, int64]] {
	check(p, in, name)
	s, err := newKeyed[K, int64](collect(opts), func(a, b int64) int64 { return a + b })
	if err != nil {
		p.fail(fmt.Errorf("sdk: step %q: %w", name, err))
	}
	return add[KV[K, int64]](p, name, "CountPerKey", dataflow.KindShuffle, &countOp[K]{combineOp[K, int64]{s}}, in.node)
}

// GroupByKey gathers all values of each key into one slice, in key order
// within each partition. Values of a key are in no particular order.
func GroupByKey[K comparable, V any](p *Pipeline, name string, in Dataset[KV[K, V]], opts ...Option) Dataset[KV[K, []V]] {
	check(p, in, name)
	s, err := newKeyed[K, V](collect(opts), nil)
	if err != nil {
		p.fail(fmt.Errorf("sdk: step %q: %w", name, err))
	}
	return add[KV[K, []V]](p, name, "GroupByKey", dataflow.KindShuffle, &groupOp[K, V]{s}, in.node)
}

// keyed is what both keyed shuffles share: the plan of their key and
// value columns and the partition count.
type keyed[K comparable, V any] struct {
	parts   int
	key     codec.Key[K]
	kcol    codec.Column[K]
	vcol    codec.Column[V]
	schema  *arrow.Schema
	combine func(V, V) V // nil: no map-side combine
}

func newKeyed[K comparable, V any](o options, combine func(V, V) V) (*keyed[K, V], error) {
	key, err := codec.KeyFor[K]()
	if err != nil {
		return nil, err
	}
	kcol, err := codec.For[K]()
	if err != nil {
		return nil, err
	}
	vcol, err := codec.For[V]()
	if err != nil {
		return nil, err
	}
	if o.partitions < 0 {
		return nil, fmt.Errorf("partitions must be positive, got %d", o.partitions)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "key", Type: kcol.Type},
		{Name: "value", Type: vcol.Type},
	}, nil)
	return &keyed[K, V]{o.partitions, key, kcol, vcol, schema, combine}, nil
}

// Partitions implements dataflow.Partitioner.
func (s *keyed[K, V]) Partitions() int { return s.parts }

// decode calls fn for every row of a shuffle batch.
func (s *keyed[K, V]) decode(rec arrow.RecordBatch, fn func(K, V)) {
	keys := s.kcol.Getter(rec.Column(0))
	vals := s.vcol.Getter(rec.Column(1))
	for i := range int(rec.NumRows()) {
		fn(keys(i), vals(i))
	}
}
