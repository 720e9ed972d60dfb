package lease

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The audit of TestSimulation, after the run: the data bucket's stream
// is the store's word on what it accepted and in what order; the
// candidates' records say what each was told and when.

// simStored is one message of the data bucket's stream: a claim of the
// fence or a write of the counter.
type simStored struct {
	seq   uint64
	claim bool
	epoch uint64
	n     int
}

func (w *simWorld) audit() {
	h := w.history()
	epochs := w.checkStore(h)
	w.checkRecords(h)
	zombies := w.checkZombies(h)
	w.checkBeliefs()
	refused := 0
	for _, wr := range w.writes {
		if wr.err != nil {
			refused++
		}
	}
	w.t.Logf("%d terms, %d claims, %d writes (%d refused, %d of them zombies back from a long pause; %d scripted pauses), accepted writes per epoch %v",
		len(w.terms), len(w.claims), len(w.writes), refused, zombies, w.forced.Load(), epochs)
	if len(w.terms) < 3 || len(epochs) < 3 {
		w.t.Errorf("progress: %d terms and %d epochs with accepted writes, want at least 3 of each", len(w.terms), len(epochs))
	}
}

// history reads the data bucket's stream from its first message.
func (w *simWorld) history() []simStored {
	ctx := w.t.Context()
	s, err := w.js.Stream(ctx, "KV_"+simBucket)
	if err != nil {
		w.t.Fatal(err)
	}
	var h []simStored
	for seq := uint64(1); seq <= s.CachedInfo().State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			w.t.Fatalf("stream message %d: %v", seq, err)
		}
		h = append(h, w.parse(m))
	}
	return h
}

func (w *simWorld) parse(m *jetstream.RawStreamMsg) simStored {
	st := simStored{seq: m.Sequence}
	var err error
	switch key := strings.TrimPrefix(m.Subject, "$KV."+simBucket+"."); key {
	case FenceKey:
		var r fenceRecord
		err = json.Unmarshal(m.Data, &r)
		st.claim, st.epoch = true, r.Epoch
	case simKey:
		_, err = fmt.Sscanf(string(m.Data), "%d/%d", &st.epoch, &st.n)
	default:
		err = errors.New("unexpected key")
	}
	if err != nil {
		w.t.Fatalf("stream message %d on %s, %q: %v", m.Sequence, m.Subject, m.Data, err)
	}
	return st
}

// checkStore checks invariants 1 and 2 on the stream's order, and
// returns the count of accepted writes by epoch.
func (w *simWorld) checkStore(h []simStored) map[uint64]int {
	epochs := map[uint64]int{}
	var claimed, last uint64
	lastN := 0
	for _, m := range h {
		if m.claim {
			if m.epoch <= claimed {
				w.t.Errorf("seq %d: the fence claimed for epoch %d after epoch %d", m.seq, m.epoch, claimed)
			}
			claimed = m.epoch
			continue
		}
		switch {
		case m.epoch < last:
			w.t.Errorf("invariant 1: seq %d: write %d/%d accepted after a write of epoch %d", m.seq, m.epoch, m.n, last)
		case m.epoch != claimed:
			w.t.Errorf("invariant 2: seq %d: write %d/%d accepted while the fence held epoch %d", m.seq, m.epoch, m.n, claimed)
		case m.epoch == last && m.n <= lastN:
			w.t.Errorf("seq %d: write %d/%d after %d/%d", m.seq, m.epoch, m.n, last, lastN)
		}
		last, lastN = m.epoch, m.n
		epochs[m.epoch]++
	}
	return epochs
}

// checkRecords checks that what the candidates were told matches the
// stream: each accepted claim and write is there, and nothing else.
func (w *simWorld) checkRecords(h []simStored) {
	at := map[uint64]simStored{}
	for _, m := range h {
		at[m.seq] = m
	}
	want := 0
	for _, cl := range w.claims {
		if m := at[cl.rev]; cl.err == nil && (!m.claim || m.epoch != cl.epoch) {
			w.t.Errorf("%s's claim for epoch %d at seq %d: the stream has %+v", cl.holder, cl.epoch, cl.rev, m)
		}
		if cl.err == nil {
			want++
		}
	}
	for _, wr := range w.writes {
		if m := at[wr.seq]; wr.err == nil && (m.claim || m.epoch != wr.epoch || m.n != wr.n) {
			w.t.Errorf("%s's write %d/%d at seq %d: the stream has %+v", wr.holder, wr.epoch, wr.n, wr.seq, m)
		}
		if wr.err == nil {
			want++
		}
	}
	if len(h) != want {
		w.t.Errorf("the stream holds %d messages, the candidates were told of %d", len(h), want)
	}
}

// checkZombies checks invariant 3 and returns the count of refused
// zombies.
func (w *simWorld) checkZombies(h []simStored) int {
	zombies := 0
	for _, wr := range w.writes {
		higher := slices.ContainsFunc(w.claims, func(cl simClaim) bool {
			return cl.err == nil && cl.epoch > wr.epoch && cl.done < wr.sent
		})
		fenced := errors.Is(wr.err, ErrFenced)
		switch {
		case higher && !fenced:
			w.t.Errorf("invariant 3: %s's write %d/%d, sent at %v after a higher epoch claimed the fence: %v, want ErrFenced",
				wr.holder, wr.epoch, wr.n, wr.sent, wr.err)
		case higher && wr.paused:
			zombies++
		case fenced && !slices.ContainsFunc(h, func(m simStored) bool { return m.claim && m.epoch > wr.epoch }):
			w.t.Errorf("%s's write %d/%d was refused, but no higher epoch claimed the fence", wr.holder, wr.epoch, wr.n)
		}
	}
	if zombies == 0 {
		w.t.Error("invariant 3: no zombie write (after a pause longer than the TTL, once a higher epoch claimed) was refused")
	}
	return zombies
}

// checkBeliefs checks that epochs are unique and that each term was won
// after every older term's holder last believed in it.
func (w *simWorld) checkBeliefs() {
	terms := slices.SortedFunc(slices.Values(w.terms), func(a, b *simTerm) int { return cmp.Compare(a.epoch, b.epoch) })
	var believed time.Duration
	believer := ""
	for i, st := range terms {
		if i > 0 && st.epoch == terms[i-1].epoch {
			w.t.Errorf("epoch %d won by both %s and %s", st.epoch, terms[i-1].holder, st.holder)
		}
		if st.acquired <= believed {
			w.t.Errorf("invariant 2: %s won epoch %d at %v, but %s still believed in an older term at %v",
				st.holder, st.epoch, st.acquired, believer, believed)
		}
		if st.lastValid > believed {
			believed, believer = st.lastValid, st.holder
		}
	}
}
