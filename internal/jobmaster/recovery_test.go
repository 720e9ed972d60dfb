package jobmaster

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/natstest"
)

// A job master killed before it committed any task must leave a record
// from which its successor lays the job out as it did. (Issue 7, defect
// 2: the first attempt saved its record before choosing the parallelism,
// so a second attempt resumed with parallelism 0, planned 0 executors and
// hung.)
func TestRecoveryKeepsLayoutOfAttemptKilledEarly(t *testing.T) {
	js, err := jetstream.New(natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	first, err := openRecovery(ctx, js, "app1", 4)
	if err != nil {
		t.Fatal(err)
	}
	if first.rec.Parallelism != 4 || first.resumed() {
		t.Fatalf("first attempt: parallelism %d, resumed %v; want 4, false", first.rec.Parallelism, first.resumed())
	}
	// SIGKILL here: nothing more is saved. The cluster looks empty to the
	// second attempt (its workers are busy re-registering, say).
	second, err := openRecovery(ctx, js, "app1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := second.rec; got.Epoch != 2 || got.Parallelism != 4 || !second.resumed() {
		t.Errorf("second attempt: epoch %d, parallelism %d, resumed %v; want 2, 4, true", got.Epoch, got.Parallelism, second.resumed())
	}
}

func TestLayoutNeverZero(t *testing.T) {
	for _, tc := range []struct {
		rec     Record
		vcores  int
		wantPar int
	}{
		{Record{}, 6, 6},
		{Record{}, 0, 1},
		{Record{Epoch: 1}, 3, 3}, // an attempt died before recording a layout
		{Record{Epoch: 1, Parallelism: 8}, 2, 8},
	} {
		r := tc.rec
		r.begin(tc.vcores)
		if r.Parallelism != tc.wantPar || r.Epoch != tc.rec.Epoch+1 {
			t.Errorf("%+v.begin(%d): parallelism %d, epoch %d; want %d, %d", tc.rec, tc.vcores, r.Parallelism, r.Epoch, tc.wantPar, tc.rec.Epoch+1)
		}
	}
	for _, tc := range []struct{ want, remaining, got int }{
		{0, 5, 1}, {4, 0, 1}, {4, 2, 2}, {3, 10, 3},
	} {
		if got := executors(tc.want, tc.remaining); got != tc.got {
			t.Errorf("executors(%d, %d) = %d, want %d", tc.want, tc.remaining, got, tc.got)
		}
	}
}
