package evtime

import "testing"

func TestWindow(t *testing.T) {
	w := Window{Start: -10, End: 10}
	if got, want := w.MaxTimestamp(), int64(9); got != want {
		t.Errorf("MaxTimestamp() = %d, want %d", got, want)
	}
	for _, c := range []struct {
		ts   int64
		want bool
	}{{-11, false}, {-10, true}, {0, true}, {9, true}, {10, false}} {
		if got := w.Contains(c.ts); got != c.want {
			t.Errorf("%v.Contains(%d) = %v, want %v", w, c.ts, got, c.want)
		}
	}
	for _, c := range []struct {
		o    Window
		want bool
	}{
		{Window{10, 20}, true},   // touching on the right
		{Window{-20, -10}, true}, // touching on the left
		{Window{11, 20}, false},
		{Window{-20, -11}, false},
		{Window{-5, 5}, true},
		{Window{-100, 100}, true},
	} {
		if got := w.Intersects(c.o); got != c.want {
			t.Errorf("%v.Intersects(%v) = %v, want %v", w, c.o, got, c.want)
		}
		if got := c.o.Intersects(w); got != c.want {
			t.Errorf("%v.Intersects(%v) = %v, want %v (symmetry)", c.o, w, got, c.want)
		}
	}
	if got, want := w.Cover(Window{5, 30}), (Window{-10, 30}); got != want {
		t.Errorf("Cover = %v, want %v", got, want)
	}
	if got, want := w.String(), "[-10,10)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
