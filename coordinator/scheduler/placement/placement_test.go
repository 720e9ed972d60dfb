package placement

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"spindle/internal/proto"
)

func res(v int) proto.Resources { return proto.Resources{VCores: v, MemoryBytes: int64(v) << 30} }

// index returns n nodes of the given vcores each, named n0…
func index(n, vcores int) *Index {
	x := NewIndex()
	for i := range n {
		x.Upsert(fmt.Sprintf("n%d", i), res(vcores))
	}
	return x
}

// place picks k containers of r with p, recording them, and returns the
// slots picked.
func place(x *Index, p Policy, r proto.Resources, k int) []int {
	var out []int
	for range k {
		s := p.Pick(x, r)
		if s >= 0 {
			x.Add(s, r)
		}
		out = append(out, s)
	}
	return out
}

func TestPolicies(t *testing.T) {
	tests := []struct {
		policy string
		want   []int
	}{
		{NameRoundRobin, []int{0, 1, 2, 0, 1, 2, -1}},
		{NameLeastLoaded, []int{0, 1, 2, 0, 1, 2, -1}},
		{NamePack, []int{0, 0, 1, 1, 2, 2, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			p, err := New(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			if got := place(index(3, 2), p, res(1), 7); !slices.Equal(got, tt.want) {
				t.Errorf("slots = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := New("random"); err == nil {
		t.Errorf("unknown policy accepted")
	}
}

func TestLeastLoadedCountsContainersNotVCores(t *testing.T) {
	x := index(2, 8)
	x.Add(0, res(4)) // one big container on n0
	x.Add(1, res(1))
	x.Add(1, res(1)) // two small ones on n1
	if got := (LeastLoaded{}).Pick(x, res(1)); got != 0 {
		t.Errorf("picked %d, want 0 (fewest containers, though least free)", got)
	}
	if got := (LeastLoaded{}).Pick(x, res(5)); got != 1 {
		t.Errorf("5 vcores: picked %d, want 1 (the only fit)", got)
	}
}

func TestLocalityWaitsThenTakesAny(t *testing.T) {
	x := index(3, 1)
	x.Add(2, res(1)) // preferred n2 is full
	st := Stack{Policy: LeastLoaded{}, LocalityDelay: 2}
	ask := Ask{Res: res(1), Preferred: []string{"n2"}}
	for missed := range 2 {
		ask.Missed = missed
		if s, wait := st.Pick(x, ask); s != -1 || !wait {
			t.Fatalf("round %d: got %d wait %v, want to wait", missed, s, wait)
		}
	}
	ask.Missed = 2
	if s, wait := st.Pick(x, ask); s != 0 || wait {
		t.Errorf("after the delay: got %d wait %v, want slot 0", s, wait)
	}
	x.Remove(2, res(1))
	if s, _ := st.Pick(x, Ask{Res: res(1), Preferred: []string{"n2", "zz"}}); s != 2 {
		t.Errorf("preferred free: got %d, want 2", s)
	}
}

// TestSearchesMatchScan checks the tree against a plain scan over random
// nodes and loads.
func TestSearchesMatchScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 200 {
		x := NewIndex()
		n := 1 + rng.IntN(40)
		for i := range n {
			x.Upsert(fmt.Sprintf("n%d", i), proto.Resources{VCores: 1 + rng.IntN(8), MemoryBytes: int64(1+rng.IntN(8)) << 30})
			for range rng.IntN(4) {
				if r := res(1); x.Fits(i, r) {
					x.Add(i, r)
				}
			}
			if rng.IntN(10) == 0 {
				x.SetDown(i)
			}
		}
		r := proto.Resources{VCores: 1 + rng.IntN(4), MemoryBytes: int64(1+rng.IntN(4)) << 30}
		from := rng.IntN(n)
		if got, want := x.FirstFit(from, r), scanFirst(x, from, r); got != want {
			t.Fatalf("iter %d: FirstFit = %d, want %d", iter, got, want)
		}
		got, want := x.LeastLoaded(r), scanLeast(x, r)
		if (got < 0) != (want < 0) || (got >= 0 && x.Node(got).Containers != x.Node(want).Containers) {
			t.Fatalf("iter %d: LeastLoaded = %d, want a node with %d containers", iter, got, x.Node(want).Containers)
		}
	}
}

func scanFirst(x *Index, from int, r proto.Resources) int {
	for i := from; i < x.Len(); i++ {
		if x.Fits(i, r) {
			return i
		}
	}
	return -1
}

func scanLeast(x *Index, r proto.Resources) int {
	best := -1
	for i := range x.Len() {
		if x.Fits(i, r) && (best < 0 || x.Node(i).Containers < x.Node(best).Containers) {
			best = i
		}
	}
	return best
}
