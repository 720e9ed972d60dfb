package evtime

import (
	"slices"
	"testing"
)

func TestMergeSetAdd(t *testing.T) {
	type add struct {
		w      Window
		result Window
		merged []Window
	}
	for _, c := range []struct {
		name  string
		adds  []add
		final []Window
	}{
		{"apart stay apart", []add{
			{Window{0, 10}, Window{0, 10}, nil},
			{Window{20, 30}, Window{20, 30}, nil},
			{Window{-20, -5}, Window{-20, -5}, nil},
		}, []Window{{-20, -5}, {0, 10}, {20, 30}}},
		{"overlap merges", []add{
			{Window{0, 10}, Window{0, 10}, nil},
			{Window{5, 15}, Window{0, 15}, []Window{{0, 10}}},
		}, []Window{{0, 15}}},
		{"touching merges (TimeWindow.intersects)", []add{
			{Window{0, 10}, Window{0, 10}, nil},
			{Window{10, 20}, Window{0, 20}, []Window{{0, 10}}},
			{Window{-5, 0}, Window{-5, 20}, []Window{{0, 20}}},
		}, []Window{{-5, 20}}},
		{"a record bridging two sessions merges three into one", []add{
			{Window{0, 10}, Window{0, 10}, nil},
			{Window{20, 30}, Window{20, 30}, nil},
			{Window{8, 22}, Window{0, 30}, []Window{{0, 10}, {20, 30}}},
		}, []Window{{0, 30}}},
		{"chain across many", []add{
			{Window{0, 10}, Window{0, 10}, nil},
			{Window{20, 30}, Window{20, 30}, nil},
			{Window{40, 50}, Window{40, 50}, nil},
			{Window{100, 110}, Window{100, 110}, nil},
			{Window{5, 45}, Window{0, 50}, []Window{{0, 10}, {20, 30}, {40, 50}}},
		}, []Window{{0, 50}, {100, 110}}},
		{"inside an existing window changes nothing", []add{
			{Window{0, 30}, Window{0, 30}, nil},
			{Window{5, 15}, Window{5, 15}.Cover(Window{0, 30}), nil},
			{Window{0, 30}, Window{0, 30}, nil},
		}, []Window{{0, 30}}},
		{"negative timestamps", []add{
			{Window{-30, -20}, Window{-30, -20}, nil},
			{Window{-20, -10}, Window{-30, -10}, []Window{{-30, -20}}},
		}, []Window{{-30, -10}}},
	} {
		var s MergeSet
		for i, a := range c.adds {
			result, merged := s.Add(a.w)
			if result != a.result || !slices.Equal(merged, a.merged) {
				t.Errorf("%s: add %d %v = %v, %v; want %v, %v", c.name, i, a.w, result, merged, a.result, a.merged)
			}
		}
		if !slices.Equal(s.Windows, c.final) {
			t.Errorf("%s: windows %v, want %v", c.name, s.Windows, c.final)
		}
	}
}

func TestMergeSetRemove(t *testing.T) {
	s := MergeSet{Windows: []Window{{0, 10}, {20, 30}, {40, 50}}}
	s.Remove(Window{20, 31}) // not in the set
	s.Remove(Window{20, 30})
	s.Remove(Window{60, 70})
	if want := []Window{{0, 10}, {40, 50}}; !slices.Equal(s.Windows, want) {
		t.Errorf("after Remove: %v, want %v", s.Windows, want)
	}
	// the merged slice stays valid after later changes to the set
	_, merged := s.Add(Window{5, 45})
	s.Remove(Window{0, 50})
	if want := []Window{{0, 10}, {40, 50}}; !slices.Equal(merged, want) || len(s.Windows) != 0 {
		t.Errorf("merged %v, set %v; want %v and empty", merged, s.Windows, want)
	}
}
