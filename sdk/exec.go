package sdk

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	"spindle/dataflow"
	"spindle/internal/executor"
	"spindle/internal/proto"
	"spindle/shuffle"
)

// taskCtx is one running task attempt.
type taskCtx struct {
	ctx     context.Context
	env     *executor.Env
	plan    *dataflow.Plan
	spec    *proto.TaskSpec
	res     proto.TaskResult
	writers []writerHandle // the stage's shuffle writers
	sinks   int            // the stage's sinks
	ckpt    *checkpointer  // nil: this task takes no checkpoints
	err     error          // first error of an operator that cannot return one
}

// memory is the task's memory plan.
func (tc *taskCtx) memory() memoryPlan {
	parts := 0
	for _, o := range tc.spec.Outputs {
		parts += o.Partitions
	}
	return planMemory(tc.env.MemoryBytes, parts)
}

func (tc *taskCtx) count(name string, n int64) {
	if tc.res.Counters == nil {
		tc.res.Counters = make(map[string]int64)
	}
	tc.res.Counters[name] += n
}

// job is a built pipeline and its plan, ready to run tasks.
type job struct {
	p      *Pipeline
	plan   *dataflow.Plan
	stream bool // a streaming job
}

// runTask runs one attempt; a panic in user code fails the attempt with
// the panic value and stack instead of killing the executor.
func (j *job) runTask(ctx context.Context, spec *proto.TaskSpec, env *executor.Env) (res proto.TaskResult) {
	tc := &taskCtx{ctx: ctx, env: env, plan: j.plan, spec: spec, res: proto.TaskResult{AttemptID: spec.AttemptID}}
	defer func() {
		if r := recover(); r != nil {
			tc.res.Error = fmt.Sprintf("panic: %v\n%s", r, debug.Stack())
			tc.res.Staged = nil
			res = tc.res
		}
	}()
	if err := j.run(tc); err != nil {
		tc.res.Error = err.Error()
		tc.res.Staged = nil
		var lost *shuffle.MissingError
		if errors.As(err, &lost) { // the producers must run again, not this task
			tc.res.LostInputs = lost.Attempts
		}
	}
	return tc.res
}

func (j *job) run(tc *taskCtx) error {
	if tc.spec.Fingerprint != j.plan.Fingerprint {
		tc.res.Fatal = true
		return j.p.g.CheckFingerprint(tc.spec.Fingerprint)
	}
	if tc.spec.Stage < 0 || tc.spec.Stage >= len(j.plan.Stages) {
		return fmt.Errorf("sdk: no stage %d in this job", tc.spec.Stage)
	}
	st := j.plan.Stages[tc.spec.Stage]
	emit, closers, err := j.chain(tc, st)
	if err != nil {
		return err
	}
	if err := j.drive(tc, st, emit); err != nil {
		return err
	}
	for _, c := range closers {
		if err := c(); err != nil {
			return err
		}
	}
	if tc.ckpt != nil {
		tc.res.Prefixes = tc.ckpt.inherited
	}
	return nil
}

// chain builds the stage's operators from the leaves up and returns the
// emitter of the root's output and the closers of its sinks and shuffle
// writers, in stage order.
func (j *job) chain(tc *taskCtx, st dataflow.Stage) (any, []func() error, error) {
	emitters := make(map[int]any, len(st.Nodes))
	sides := make(map[[2]int][]any) // {shuffle, input} → the side writers that input feeds
	var closers []func() error
	for _, id := range slices.Backward(st.Nodes) {
		n := j.p.g.Node(id)
		var closeFn func() error
		var err error
		switch op := n.Impl.(type) {
		case sideShuffleOp:
			if !slices.Contains(st.Writes, id) {
				return nil, nil, fmt.Errorf("sdk: step %q is not written by stage %s", n.Name, st.Name)
			}
			var fs []func() error
			for side, in := range n.Inputs {
				if j.plan.StageOf[in] != st.ID {
					continue
				}
				w := op.sideWriter(tc, outputOf(tc.spec, id), side)
				sides[[2]int{id, in}] = append(sides[[2]int{id, in}], w.emit)
				tc.writers = append(tc.writers, w)
				fs = append(fs, w.close)
			}
			closeFn = func() error {
				for _, f := range fs {
					if err := f(); err != nil {
						return err
					}
				}
				return nil
			}
		case taskOp:
			if n.Kind == dataflow.KindSink || slices.Contains(st.Writes, id) {
				return nil, nil, fmt.Errorf("sdk: step %q cannot open as a task step", n.Name)
			}
			emitters[id], closeFn, err = op.openTask(tc, j.fan(st, id, emitters, sides))
		default:
			switch {
			case slices.Contains(st.Writes, id):
				w := n.Impl.(shuffleOp).writer(tc, outputOf(tc.spec, id))
				emitters[id], closeFn = w.emit, w.close
				tc.writers = append(tc.writers, w)
			case n.Kind == dataflow.KindSink:
				emitters[id], closeFn, err = n.Impl.(sinkOp).open(tc)
				tc.sinks++
			default:
				emitters[id] = n.Impl.(narrowOp).wrap(j.fan(st, id, emitters, sides))
			}
		}
		if err != nil {
			return nil, nil, err
		}
		if closeFn != nil {
			closers = append(closers, closeFn)
		}
	}
	slices.Reverse(closers)
	return j.fan(st, st.Root, emitters, sides), closers, nil
}

// fan returns the emitter feeding every consumer of id inside the stage.
func (j *job) fan(st dataflow.Stage, id int, emitters map[int]any, sides map[[2]int][]any) any {
	var nexts []any
	for _, c := range j.p.g.Consumers(id) {
		if !slices.Contains(st.Nodes, c) {
			continue
		}
		if ws, ok := sides[[2]int{c, id}]; ok {
			nexts = append(nexts, ws...)
		} else if e, ok := emitters[c]; ok {
			for _, in := range j.p.g.Node(c).Inputs { // once per input it is: Union(t, t) reads t twice
				if in == id {
					nexts = append(nexts, e)
				}
			}
		}
	}
	return j.p.fans[id](nexts)
}

// taskOp is the Impl of steps that need their task: to read a broadcast
// before the first row, or to flush rows they batch once the input ends
// (flush runs before the closers of the steps downstream).
type taskOp interface {
	openTask(tc *taskCtx, next any) (emit any, flush func() error, err error)
}

// sideShuffleOp is a shuffle whose inputs are told apart, such as the two
// sides of a join: each input writes its own side.
type sideShuffleOp interface {
	shuffleOp
	sideWriter(tc *taskCtx, out proto.ShuffleOutput, side int) writerHandle
}

func outputOf(spec *proto.TaskSpec, shuffle int) proto.ShuffleOutput {
	for _, o := range spec.Outputs {
		if o.Shuffle == shuffle {
			return o
		}
	}
	panic(fmt.Sprintf("sdk: task %s has no partition count for shuffle %d", spec.AttemptID, shuffle))
}

// drive pushes the stage's input through the chain.
func (j *job) drive(tc *taskCtx, st dataflow.Stage, emit any) error {
	root := j.p.g.Node(st.Root)
	switch op := root.Impl.(type) {
	case sourceOp:
		if tc.spec.Split == nil {
			return fmt.Errorf("sdk: task %s of source %q has no split", tc.spec.AttemptID, root.Name)
		}
		split, err := tc.restore(op, *tc.spec.Split)
		if err != nil {
			return err
		}
		return op.read(tc, split, emit)
	case shuffleOp:
		return op.read(tc, tc.spec.Inputs, emit)
	}
	return fmt.Errorf("sdk: step %q cannot start a stage", root.Name)
}
