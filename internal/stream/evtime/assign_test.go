package evtime

import (
	"errors"
	"slices"
	"testing"
	"time"
)

const sec = int64(1_000)

func TestTumbling(t *testing.T) {
	for _, c := range []struct {
		size, offset time.Duration
		ts           int64
		want         Window
	}{
		{10 * time.Second, 0, 0, Window{0, 10 * sec}},
		{10 * time.Second, 0, 9_999, Window{0, 10 * sec}},
		{10 * time.Second, 0, 10_000, Window{10 * sec, 20 * sec}},
		{10 * time.Second, 0, -1, Window{-10 * sec, 0}},
		{10 * time.Second, 0, -10_000, Window{-10 * sec, 0}},
		{10 * time.Second, 0, -10_001, Window{-20 * sec, -10 * sec}},
		{10 * time.Second, 2 * time.Second, 1_999, Window{-8 * sec, 2 * sec}},
		{10 * time.Second, 2 * time.Second, 2_000, Window{2 * sec, 12 * sec}},
		{10 * time.Second, -2 * time.Second, 7_999, Window{-2 * sec, 8 * sec}},
		{10 * time.Second, -2 * time.Second, 8_000, Window{8 * sec, 18 * sec}},
		{10 * time.Second, 2 * time.Second, -8_001, Window{-18 * sec, -8 * sec}},
		{time.Hour, 0, 1_700_000_000_123, Window{1_699_999_200_000, 1_700_002_800_000}},
		{10 * time.Millisecond, 0, MinTime + 1, Window{MinTime, MinTime + 10}},
		{10 * time.Millisecond, 0, MaxTime - 1, Window{MaxTime - 7, MaxTime}}, // end saturates,
	} {
		got := Tumbling(c.size, c.offset).Assign(c.ts, nil)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("Tumbling(%v, %v).Assign(%d) = %v, want [%v]", c.size, c.offset, c.ts, got, c.want)
		}
	}
}

func TestSliding(t *testing.T) {
	w := func(s, e int64) Window { return Window{s * sec, e * sec} }
	for _, c := range []struct {
		size, slide, offset time.Duration
		ts                  int64
		want                []Window
	}{
		{10 * time.Second, 5 * time.Second, 0, 0, []Window{w(-5, 5), w(0, 10)}},
		{10 * time.Second, 5 * time.Second, 0, 4_999, []Window{w(-5, 5), w(0, 10)}},
		{10 * time.Second, 5 * time.Second, 0, 5_000, []Window{w(0, 10), w(5, 15)}},
		{10 * time.Second, 5 * time.Second, 0, -1, []Window{w(-10, 0), w(-5, 5)}},
		{10 * time.Second, 2 * time.Second, 0, 3_000, []Window{w(-6, 4), w(-4, 6), w(-2, 8), w(0, 10), w(2, 12)}},
		{10 * time.Second, 5 * time.Second, time.Second, 0, []Window{w(-9, 1), w(-4, 6)}},
		{10 * time.Second, 5 * time.Second, -time.Second, 4_000, []Window{w(-1, 9), w(4, 14)}},
		{10 * time.Second, 10 * time.Second, 0, 3_000, []Window{w(0, 10)}},
		// size not a multiple of slide: 2 or 3 windows
		{10 * time.Second, 4 * time.Second, 0, 0, []Window{w(-8, 2), w(-4, 6), w(0, 10)}},
		{10 * time.Second, 4 * time.Second, 0, 2_000, []Window{w(-4, 6), w(0, 10)}},
		// slide > size samples: some timestamps fall in no window
		{2 * time.Second, 5 * time.Second, 0, 1_999, []Window{w(0, 2)}},
		{2 * time.Second, 5 * time.Second, 0, 2_000, nil},
		// near the bottom of the range, windows below MinTime are left out
		{10 * time.Millisecond, 5 * time.Millisecond, 0, MinTime + 1, []Window{{MinTime, MinTime + 10}}},
	} {
		got := Sliding(c.size, c.slide, c.offset).Assign(c.ts, nil)
		if !slices.Equal(got, c.want) {
			t.Errorf("Sliding(%v, %v, %v).Assign(%d) = %v, want %v", c.size, c.slide, c.offset, c.ts, got, c.want)
		}
	}
}

func TestSessionsAssign(t *testing.T) {
	a := Sessions(30 * time.Second)
	if !a.Merging() {
		t.Error("Sessions().Merging() = false, want true")
	}
	for _, c := range []struct {
		ts   int64
		want Window
	}{
		{0, Window{0, 30 * sec}},
		{-5, Window{-5, 30*sec - 5}},
		{MaxTime - 1, Window{MaxTime - 1, MaxTime}},
	} {
		if got := a.Assign(c.ts, nil); len(got) != 1 || got[0] != c.want {
			t.Errorf("Sessions.Assign(%d) = %v, want [%v]", c.ts, got, c.want)
		}
	}
}

func TestAssignAppendsAndSkipsReservedTimes(t *testing.T) {
	for _, a := range []Assigner{
		Tumbling(time.Second, 0), Sliding(2*time.Second, time.Second, 0), Sessions(time.Second),
	} {
		prefix := []Window{{1, 2}}
		for _, ts := range []int64{MinTime, MaxTime} {
			if got := a.Assign(ts, prefix); !slices.Equal(got, prefix) {
				t.Errorf("%T.Assign(%d) = %v, want dst unchanged", a, ts, got)
			}
		}
		if got := a.Assign(0, prefix); len(got) < 2 || got[0] != prefix[0] {
			t.Errorf("%T.Assign(0) = %v, want appended after %v", a, got, prefix)
		}
	}
	if Tumbling(time.Second, 0).Merging() || Sliding(time.Second, time.Second, 0).Merging() {
		t.Error("tumbling and sliding windows must not merge")
	}
}

func TestAssignerParams(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"tumbling 1ms", second(NewTumbling(ms, 0)), true},
		{"tumbling truncated 1.5ms", second(NewTumbling(1500*time.Microsecond, 0)), true},
		{"tumbling zero", second(NewTumbling(0, 0)), false},
		{"tumbling sub-ms", second(NewTumbling(time.Microsecond, 0)), false},
		{"tumbling negative", second(NewTumbling(-time.Second, 0)), false},
		{"tumbling offset = size", second(NewTumbling(time.Second, time.Second)), false},
		{"tumbling offset = -size", second(NewTumbling(time.Second, -time.Second)), false},
		{"tumbling offset just inside", second(NewTumbling(time.Second, 999*ms)), true},
		{"sliding ok", second(NewSliding(time.Second, 100*ms, -99*ms)), true},
		{"sliding zero size", second(NewSliding(0, time.Second, 0)), false},
		{"sliding zero slide", second(NewSliding(time.Second, 0, 0)), false},
		{"sliding offset = slide", second(NewSliding(time.Second, 100*ms, 100*ms)), false},
		{"sliding slide > size", second(NewSliding(time.Second, 2*time.Second, 0)), true},
		{"sessions ok", second(NewSessions(ms)), true},
		{"sessions zero", second(NewSessions(0)), false},
	} {
		if got := c.err == nil; got != c.ok {
			t.Errorf("%s: err = %v, want ok %v", c.name, c.err, c.ok)
		}
		if c.err != nil && !errors.Is(c.err, ErrWindowParams) {
			t.Errorf("%s: err = %v, want it to wrap ErrWindowParams", c.name, c.err)
		}
	}
}

func TestAssignerPanicsOnBadParams(t *testing.T) {
	defer func() {
		if err, _ := recover().(error); !errors.Is(err, ErrWindowParams) {
			t.Errorf("Tumbling(0, 0) panicked with %v, want ErrWindowParams", err)
		}
	}()
	Tumbling(0, 0)
}

func second[T any](_ T, err error) error { return err }
