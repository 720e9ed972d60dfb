package sdk

import "spindle/dataflow"

// narrowOp is the Impl of element-wise steps: wrap turns the emitter of
// the step's output (func(Out)) into the emitter of its input (func(In)).
type narrowOp interface {
	wrap(next any) any
}

type opFunc func(next any) any

func (f opFunc) wrap(next any) any { return f(next) }

// Map applies fn to every element.
func Map[T, U any](p *Pipeline, name string, in Dataset[T], fn func(T) U) Dataset[U] {
	check(p, in, name)
	return add[U](p, name, "Map", dataflow.KindNarrow, opFunc(func(next any) any {
		emit := next.(func(U))
		return func(v T) { emit(fn(v)) }
	}), in.node)
}

// FlatMap calls fn for every element; fn emits any number of outputs.
// The emit function is valid only during the call.
func FlatMap[T, U any](p *Pipeline, name string, in Dataset[T], fn func(v T, emit func(U))) Dataset[U] {
	check(p, in, name)
	return add[U](p, name, "FlatMap", dataflow.KindNarrow, opFunc(func(next any) any {
		emit := next.(func(U))
		return func(v T) { fn(v, emit) }
	}), in.node)
}

// Filter keeps the elements for which keep returns true.
func Filter[T any](p *Pipeline, name string, in Dataset[T], keep func(T) bool) Dataset[T] {
	check(p, in, name)
	return add[T](p, name, "Filter", dataflow.KindNarrow, opFunc(func(next any) any {
		emit := next.(func(T))
		return func(v T) {
			if keep(v) {
				emit(v)
			}
		}
	}), in.node)
}

// KeyBy pairs every element with the key fn computes.
func KeyBy[T any, K comparable](p *Pipeline, name string, in Dataset[T], fn func(T) K) Dataset[KV[K, T]] {
	return Map(p, name, in, func(v T) KV[K, T] { return KV[K, T]{fn(v), v} })
}
