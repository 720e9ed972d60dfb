package evtime

import (
	"cmp"
	"slices"
	"sort"
)

// MergeSet holds the session windows of one key, merged as Flink's
// MergingWindowSet does with TimeWindow.mergeWindows: windows that intersect
// (overlap or touch, see [Window.Intersects]) become their cover.
//
// Windows is sorted by Start and no two of its windows intersect; change it
// only through Add and Remove. The zero value is an empty set. A MergeSet is
// a thread-unsafe value.
type MergeSet struct {
	Windows []Window
}

// Add puts w into the set, merging it with every window it intersects, and
// returns the window now holding w and the windows that were absorbed into it
// and removed from the set. merged never contains result and is nil when
// nothing was removed; w itself is never listed. The caller moves the state
// of each merged window into result (Flink's MergeFunction) and then adds
// the record to result; when merged is nil, result is either w, new, or an
// existing window that already covers w. One pass suffices because the
// existing windows are apart: a window that does not touch w cannot touch
// any window that does.
func (s *MergeSet) Add(w Window) (result Window, merged []Window) {
	i := sort.Search(len(s.Windows), func(i int) bool { return s.Windows[i].End >= w.Start })
	j, result := i, w
	for j < len(s.Windows) && s.Windows[j].Start <= w.End {
		result = result.Cover(s.Windows[j])
		j++
	}
	if j-i == 1 && s.Windows[i] == result {
		return result, nil
	}
	if j > i {
		merged = slices.Clone(s.Windows[i:j])
	}
	s.Windows = slices.Replace(s.Windows, i, j, result)
	return result, merged
}

// Remove deletes window w from the set, as when its session fires and is
// cleaned up. It does nothing if w is not in the set.
func (s *MergeSet) Remove(w Window) {
	i, found := slices.BinarySearchFunc(s.Windows, w.Start, func(x Window, start int64) int {
		return cmp.Compare(x.Start, start)
	})
	if found && s.Windows[i] == w {
		s.Windows = slices.Delete(s.Windows, i, i+1)
	}
}
