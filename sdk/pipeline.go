package sdk

import (
	"errors"
	"fmt"
	"reflect"

	"spindle/dataflow"
)

// Pipeline is the graph a job builds. It is created by Main and handed to
// the job's build function; it is not safe for concurrent use.
type Pipeline struct {
	g    dataflow.Graph
	fans map[int]func([]any) any // node → how to fan its output to several consumers
	err  error                   // first construction error
	// needs are the columns each table step must produce, resolved once
	// the graph is complete.
	needs columnNeeds
	// stream is a streaming job's configuration.
	stream StreamConfig
}

// Dataset is a distributed collection of T produced by one step of a
// Pipeline. It is a handle: cheap to copy, meaningful only within its
// Pipeline.
type Dataset[T any] struct {
	p    *Pipeline
	node int
}

// KV is a key and a value, the element type of keyed datasets.
type KV[K comparable, V any] struct {
	Key   K
	Value V
}

func newPipeline() *Pipeline {
	return &Pipeline{fans: make(map[int]func([]any) any)}
}

// fail records the first error found while building; Main reports it.
func (p *Pipeline) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// add appends a node producing T and returns its dataset.
func add[T any](p *Pipeline, name, op string, kind dataflow.Kind, impl any, inputs ...int) Dataset[T] {
	if name == "" {
		p.fail(fmt.Errorf("sdk: %s step needs a name", op))
	}
	id := p.g.Add(&dataflow.Node{
		Name:   name,
		Kind:   kind,
		Op:     op,
		Type:   reflect.TypeFor[T]().String(),
		Inputs: inputs,
		Impl:   impl,
	})
	p.fans[id] = fanout[T]
	return Dataset[T]{p: p, node: id}
}

// check records an error if d does not belong to p.
func check[T any](p *Pipeline, d Dataset[T], step string) {
	if d.p != p {
		p.fail(fmt.Errorf("sdk: step %q reads a dataset of another pipeline (or a zero Dataset)", step))
	}
}

// fanout returns an emitter that passes each element to every one of
// nexts, which are all func(T).
func fanout[T any](nexts []any) any {
	switch len(nexts) {
	case 0:
		return func(T) {}
	case 1:
		return nexts[0].(func(T))
	}
	fs := make([]func(T), len(nexts))
	for i, n := range nexts {
		fs[i] = n.(func(T))
	}
	return func(v T) {
		for _, f := range fs {
			f(v)
		}
	}
}

// ErrUsage marks an error in the job's arguments (errors.Is); Main exits
// with code 2.
var ErrUsage = errors.New("sdk: bad job arguments")

// Usagef returns an error for bad job arguments, such as a missing flag.
// A build function returns it to have the job refused at submit time with
// the message and exit code 2.
func Usagef(format string, args ...any) error {
	return usageError(fmt.Sprintf(format, args...))
}

type usageError string

func (e usageError) Error() string        { return string(e) }
func (e usageError) Is(target error) bool { return target == ErrUsage }
