package sdk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"spindle/dataflow"
	"spindle/internal/columnar"
	"spindle/internal/proto"
)

// JoinType is how a join treats rows without a match.
type JoinType = columnar.JoinType

// Join types: the left table is the one Join is called on.
const (
	InnerJoin = columnar.Inner // pairs of matching rows
	LeftJoin  = columnar.Left  // every left row; right columns null without a match
	SemiJoin  = columnar.Semi  // left rows with a match (left columns only)
	AntiJoin  = columnar.Anti  // left rows without a match (left columns only)
)

// JoinOption configures Join.
type JoinOption func(*joinOptions)

type joinOptions struct {
	how      JoinType
	strategy string // "broadcast", "shuffle" or "" (by size)
	parts    int
}

// How sets the join type (InnerJoin by default).
func How(t JoinType) JoinOption { return func(o *joinOptions) { o.how = t } }

// Broadcast makes the join send the whole right table to every task of
// the left one, which then is not shuffled at all. The right table must
// fit in a third of a task's memory.
func Broadcast() JoinOption { return func(o *joinOptions) { o.strategy = "broadcast" } }

// Shuffled makes the join shuffle both tables by key (the default unless
// the right table's input files are under BroadcastLimit).
func Shuffled() JoinOption { return func(o *joinOptions) { o.strategy = "shuffle" } }

// JoinPartitions sets the partition count of a shuffled join.
func JoinPartitions(n int) JoinOption { return func(o *joinOptions) { o.parts = n } }

// BroadcastLimit is the total size of the input files below which the
// right side of a Join is broadcast when no strategy is given (Spark's
// autoBroadcastJoinThreshold reckons on the same estimate).
const BroadcastLimit = 16 << 20

// Join joins the rows of t (left) and right where leftKeys[i] equals
// rightKeys[i]; null keys match nothing. The right table is the one held
// in memory (the build side): make it the smaller. The result has t's
// columns, then right's except its keys named like t's.
func (t *Table) Join(name string, right *Table, leftKeys, rightKeys []string, opts ...JoinOption) *Table {
	if t.broken() || !t.same(name, right) {
		return t
	}
	o := joinOptions{how: InnerJoin}
	for _, f := range opts {
		f(&o)
	}
	plan, err := columnar.PlanJoin(o.how, t.schema, right.schema, leftKeys, rightKeys)
	if err != nil {
		return t.fail(name, err)
	}
	if o.strategy == "" {
		o.strategy = "shuffle"
		if size, ok := t.p.inputSize(right.node); ok && size < BroadcastLimit {
			o.strategy = "broadcast"
		}
	}
	need := joinNeeds{plan: plan, left: t.schema, right: right.schema, lkeys: leftKeys, rkeys: rightKeys}
	if o.strategy == "broadcast" {
		b := t.p.addTable(name+".broadcast", "Broadcast", dataflow.KindBroadcast, &broadcastOp{}, right.schema, right.node)
		return t.p.addTable(name, "BroadcastJoin", dataflow.KindNarrow, &probeOp{joinNeeds: need, broadcast: b.node}, plan.Schema(), t.node, b.node)
	}
	op := &joinOp{joinNeeds: need, partitions: partitions(o.parts), left: t.node, right: right.node}
	return t.p.addTable(name, "ShuffleJoin", dataflow.KindShuffle, op, plan.Schema(), t.node, right.node)
}

// inputSize is the total size of the files the sources under node read,
// if every one of them can tell.
func (p *Pipeline) inputSize(node int) (int64, bool) {
	n := p.g.Node(node)
	if s, ok := n.Impl.(interface{ inputBytes() (int64, bool) }); ok {
		return s.inputBytes()
	}
	var total int64
	for _, in := range n.Inputs {
		s, ok := p.inputSize(in)
		if !ok {
			return 0, false
		}
		total += s
	}
	return total, len(n.Inputs) > 0
}

// joinNeeds is what both join strategies read of their inputs.
type joinNeeds struct {
	plan         *columnar.Join
	left, right  *arrow.Schema
	lkeys, rkeys []string
}

func (j joinNeeds) needs(out []string) [][]string {
	if out == nil {
		return [][]string{nil, nil}
	}
	l, r := slices.Clone(j.lkeys), slices.Clone(j.rkeys)
	for _, c := range out {
		switch {
		case j.left.HasField(c):
			l = union(l, c)
		case j.right.HasField(c):
			r = union(r, c)
		}
	}
	return [][]string{l, r}
}

// broadcastOp writes its input whole to the one partition of a broadcast.
type broadcastOp struct{}

func (o *broadcastOp) Partitions() int { return 1 }

func (o *broadcastOp) needs(out []string) [][]string { return [][]string{out} }

func (o *broadcastOp) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	w := newTableWriter(tc, out.Shuffle, 1)
	return w.handle(out.Shuffle, func(rec arrow.RecordBatch) { w.add(0, rec) }, nil)
}

func (o *broadcastOp) read(*taskCtx, []proto.ShuffleInput, any) error {
	return errors.New("sdk: a broadcast is read by the steps that join with it")
}

// probeOp is a broadcast join: each task loads the broadcast into a hash
// table, then probes it with its rows.
type probeOp struct {
	joinNeeds
	broadcast int
}

func (o *probeOp) openTask(tc *taskCtx, next any) (any, func() error, error) {
	emit := next.(func(arrow.RecordBatch))
	ht, err := o.table(tc)
	if err != nil {
		return nil, nil, err
	}
	return func(rec arrow.RecordBatch) {
		if tc.err != nil {
			return
		}
		out, err := ht.Probe(rec)
		if err != nil {
			tc.err = err
			return
		}
		if out != nil {
			emit(out)
			out.Release()
		}
	}, nil, nil
}

// broadcasts keeps, per broadcast join, the hash table an executor built
// last: its next tasks of the same stage probe it again instead of
// reading and hashing the broadcast once more (as Spark keeps a broadcast
// per executor). The table is read-only once built.
var broadcasts = struct {
	sync.Mutex
	by map[*probeOp]*builtBroadcast
}{by: map[*probeOp]*builtBroadcast{}}

type builtBroadcast struct {
	key string // the producers the table was built from
	ht  *columnar.HashTable
}

// table returns the hash table of the task's broadcast input.
func (o *probeOp) table(tc *taskCtx) (*columnar.HashTable, error) {
	var in proto.ShuffleInput
	for _, i := range mergeInputs(tc.spec.Inputs) {
		if i.Broadcast && i.Shuffle == o.broadcast {
			in = i
		}
	}
	key := fmt.Sprint(tc.spec.AppID, in.Producers, in.Prefixes)
	broadcasts.Lock()
	defer broadcasts.Unlock()
	if b := broadcasts.by[o]; b != nil && b.key == key {
		tc.count("broadcast_reused", 1)
		return b.ht, nil
	}
	ht := o.plan.NewHashTable()
	limit := tc.memory().aggregate
	err := readTable(tc, in.Shuffle, 0, in, func(rec arrow.RecordBatch) error {
		ht.Add(rec)
		if limit > 0 && ht.Bytes() > limit {
			return fmt.Errorf("the broadcast side of this join holds more than %d MiB, a third of the task's memory: join with Shuffled() or raise --task-memory", limit>>20)
		}
		return nil
	})
	if err == nil {
		err = ht.Finish()
	}
	if err != nil {
		ht.Release()
		return nil, err
	}
	tc.count("broadcast_rows", int64(ht.Rows()))
	if old := broadcasts.by[o]; old != nil {
		old.ht.Release()
	}
	broadcasts.by[o] = &builtBroadcast{key: key, ht: ht}
	return ht, nil
}

// joinOp is a shuffle join: both sides are partitioned by key; each
// partition's task builds a hash table of its right rows and streams its
// left rows through it. A right side larger than the task's memory is
// spilled and joined piece by piece (a grace hash join).
type joinOp struct {
	joinNeeds
	partitions
	left, right int // input nodes
}

// sideShuffle is the shuffle ID that one side of join node id is written
// under: each side has its own subjects, so the build side is read first.
func sideShuffle(id, side int) int { return 1_000_000*(side+1) + id }

func (o *joinOp) writer(tc *taskCtx, out proto.ShuffleOutput) writerHandle {
	panic("sdk: a join is written by side")
}

func (o *joinOp) sideWriter(tc *taskCtx, out proto.ShuffleOutput, side int) writerHandle {
	w := newTableWriter(tc, sideShuffle(out.Shuffle, side), out.Partitions)
	keys := o.plan.ProbeKeys()
	if side == 1 {
		keys = o.plan.BuildKeys()
	}
	return w.handle(out.Shuffle, func(rec arrow.RecordBatch) { w.byKey(rec, keys) }, nil)
}

// sideInput gathers the producers of one side among the stage's inputs.
func (o *joinOp) sideInput(tc *taskCtx, ins []proto.ShuffleInput, side int) proto.ShuffleInput {
	node := o.left
	if side == 1 {
		node = o.right
	}
	stage := tc.plan.StageOf[node]
	var picked []proto.ShuffleInput
	for _, in := range ins {
		if !in.Broadcast && in.Stage == stage {
			picked = append(picked, in)
		}
	}
	m := mergeInputs(picked)
	if len(m) == 0 {
		return proto.ShuffleInput{}
	}
	return m[0]
}

func (o *joinOp) read(tc *taskCtx, ins []proto.ShuffleInput, emit any) error {
	out := emit.(func(arrow.RecordBatch))
	id := tc.plan.Stages[tc.spec.Stage].Root
	build, probe := o.sideInput(tc, ins, 1), o.sideInput(tc, ins, 0)
	limit := tc.memory().aggregate
	ht := o.plan.NewHashTable()
	var sp *spill
	defer func() {
		ht.Release()
		if sp != nil {
			sp.remove()
		}
	}()
	err := readTable(tc, sideShuffle(id, 1), tc.spec.Index, build, func(rec arrow.RecordBatch) error {
		if sp != nil {
			return sp.add(1, rec, o.plan.BuildKeys())
		}
		ht.Add(rec)
		if limit > 0 && ht.Bytes() > limit { // spill what the table holds, and all that follows
			var err error
			if sp, err = newSpill(tc); err != nil {
				return err
			}
			tc.count("join_spills", 1)
			return sp.takeOver(ht, o.plan)
		}
		return nil
	})
	if err != nil {
		return err
	}
	probeAll := func(ht *columnar.HashTable, rec arrow.RecordBatch) error {
		res, err := ht.Probe(rec)
		if err != nil {
			return err
		}
		if res != nil {
			out(res)
			res.Release()
		}
		return tc.err
	}
	if sp == nil {
		if err := ht.Finish(); err != nil {
			return err
		}
		tc.count("join_build_rows", int64(ht.Rows()))
		return readTable(tc, sideShuffle(id, 0), tc.spec.Index, probe, func(rec arrow.RecordBatch) error {
			return probeAll(ht, rec)
		})
	}
	if err := readTable(tc, sideShuffle(id, 0), tc.spec.Index, probe, func(rec arrow.RecordBatch) error {
		return sp.add(0, rec, o.plan.ProbeKeys())
	}); err != nil {
		return err
	}
	return sp.join(o.plan, probeAll)
}

// spill holds both sides of a join on local disk, cut into pieces by key
// hash, so that each piece's build side fits in memory.
type spill struct {
	dir   string
	files [2][]*spillFile
	hash  []uint64
}

// spillPieces is how many pieces a spilled join is cut into.
const spillPieces = 32

type spillFile struct {
	path string
	f    *os.File
	bw   *bufio.Writer
	w    *ipc.Writer
}

func newSpill(tc *taskCtx) (*spill, error) {
	dir, err := os.MkdirTemp(tc.env.LocalDir, "join-"+tc.spec.AttemptID+"-")
	if err != nil {
		return nil, fmt.Errorf("join spill: %w", err)
	}
	return &spill{dir: dir}, nil
}

func (s *spill) remove() { os.RemoveAll(s.dir) }

// takeOver moves the batches a hash table holds into the spill.
func (s *spill) takeOver(ht *columnar.HashTable, plan *columnar.Join) error {
	for _, rec := range ht.Batches() {
		if err := s.add(1, rec, plan.BuildKeys()); err != nil {
			return err
		}
	}
	ht.Reset()
	return nil
}

// add writes the rows of rec (of side 0: probe, 1: build) to the pieces
// of their key.
func (s *spill) add(side int, rec arrow.RecordBatch, keys *columnar.Keys) error {
	s.hash = keys.Hash(rec, s.hash)
	sel := make([][]int32, spillPieces)
	for i, h := range s.hash {
		p := (h >> 40) % spillPieces // other bits than the partition's
		sel[p] = append(sel[p], int32(i))
	}
	for p, rows := range sel {
		if len(rows) == 0 {
			continue
		}
		part, err := columnar.Take(rec, rows)
		if err != nil {
			return err
		}
		err = s.write(side, p, part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *spill) write(side, p int, rec arrow.RecordBatch) error {
	if s.files[side] == nil {
		s.files[side] = make([]*spillFile, spillPieces)
	}
	f := s.files[side][p]
	if f == nil {
		path := filepath.Join(s.dir, fmt.Sprintf("side%d-%02d.arrows", side, p))
		fh, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("join spill: %w", err)
		}
		bw := bufio.NewWriterSize(fh, 1<<16)
		f = &spillFile{path: path, f: fh, bw: bw, w: ipc.NewWriter(bw, ipc.WithSchema(rec.Schema()))}
		s.files[side][p] = f
	}
	if err := f.w.Write(rec); err != nil {
		return fmt.Errorf("join spill %s: %w", f.path, err)
	}
	return nil
}

// join joins piece by piece: each piece's build side in a hash table, its
// probe side streamed through.
func (s *spill) join(plan *columnar.Join, probe func(*columnar.HashTable, arrow.RecordBatch) error) error {
	for side := range s.files {
		for _, f := range s.files[side] {
			if f == nil {
				continue
			}
			if err := errors.Join(f.w.Close(), f.bw.Flush(), f.f.Close()); err != nil {
				return fmt.Errorf("join spill %s: %w", f.path, err)
			}
		}
	}
	for p := range spillPieces {
		ht := plan.NewHashTable()
		if s.files[1] != nil && s.files[1][p] != nil {
			if err := readSpill(s.files[1][p].path, func(rec arrow.RecordBatch) error { ht.Add(rec); return nil }); err != nil {
				return err
			}
		}
		if err := ht.Finish(); err != nil {
			return err
		}
		var err error
		if s.files[0] != nil && s.files[0][p] != nil {
			err = readSpill(s.files[0][p].path, func(rec arrow.RecordBatch) error { return probe(ht, rec) })
		}
		ht.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func readSpill(path string, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("join spill: %w", err)
	}
	defer f.Close()
	r, err := ipc.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return fmt.Errorf("join spill %s: %w", path, err)
	}
	defer r.Release()
	for r.Next() {
		if err := fn(r.RecordBatch()); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("join spill %s: %w", path, err)
	}
	return nil
}
