package exchange

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"spindle/internal/natstest"
)

func TestEveryFrameOnceInOrder(t *testing.T) {
	nc := natstest.Start(t)
	e := Edge{Subject: "t.x.1.2.0", Producers: 3, Consumers: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const n = 2000
	var wg sync.WaitGroup
	got := make([][3][]uint32, 2)
	for c := range 2 {
		rx, err := NewReceiver(nc, []Input{{e}}, c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer rx.Close()
		wg.Go(func() {
			for {
				f, err := rx.Next(ctx)
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if f.Kind == Data {
					got[c][f.From] = append(got[c][f.From], binary.LittleEndian.Uint32(f.Payload))
				}
			}
		})
	}
	for p := range 3 { // producers start after the receivers, and before: both work
		wg.Go(func() {
			s, err := NewSender(nc, e, p, Options{})
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			var b [4]byte
			for i := range n {
				binary.LittleEndian.PutUint32(b[:], uint32(i))
				if err := s.Send(ctx, i%2, Data, 0, b[:]); err != nil {
					t.Error(err)
					return
				}
			}
			if err := s.SendAll(ctx, End, 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for c := range 2 {
		for p := range 3 {
			if len(got[c][p]) != n/2 {
				t.Fatalf("consumer %d from %d: %d frames, want %d", c, p, len(got[c][p]), n/2)
			}
			for i, v := range got[c][p] {
				if want := uint32(2*i + c); v != want {
					t.Fatalf("consumer %d from %d: frame %d is %d, want %d", c, p, i, v, want)
				}
			}
		}
	}
}

func TestProducerStopsAtTheWindow(t *testing.T) {
	nc := natstest.Start(t)
	e := Edge{Subject: "t.x.1.3.0", Producers: 1, Consumers: 1}
	rx, err := NewReceiver(nc, []Input{{e}}, 0, Options{Window: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	s, err := NewSender(nc, e, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sent := make(chan int, 100)
	go func() {
		for i := range 10 {
			if s.Send(ctx, 0, Data, 0, []byte{byte(i)}) != nil {
				return
			}
			sent <- i
		}
	}()
	for range 4 {
		<-sent
	}
	// Out of credit: the fifth Send waits until the consumer takes a frame.
	deadline := time.Now().Add(10 * time.Second)
	for rx.Stats().Queued < 4 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	select {
	case i := <-sent:
		t.Fatalf("frame %d sent past the window of 4", i)
	default:
	}
	for i := range 10 {
		f, err := rx.Next(ctx)
		if err != nil || f.Payload[0] != byte(i) {
			t.Fatalf("frame %d: %v %v", i, f.Payload, err)
		}
	}
	if s.Stats().BlockedTime == 0 {
		t.Error("no time counted as back-pressure")
	}
}

func TestGapIsAnError(t *testing.T) {
	nc := natstest.Start(t)
	e := Edge{Subject: "t.x.1.4.0", Producers: 1, Consumers: 1}
	rx, err := NewReceiver(nc, []Input{{e}}, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	b := make([]byte, headerSize)
	putHeader(b, Data, 0, 2, 0) // seq 1 never came
	nc.Publish(dataSubject(e, 0), b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rx.Next(ctx); !errors.Is(err, ErrGap) {
		t.Fatalf("got %v, want ErrGap", err)
	}
}
