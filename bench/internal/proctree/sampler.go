package proctree

import "time"

// Sampler records the peaks of Tree(root) until stopped. Its goroutine is
// owned by whoever called Start, which must call Stop.
type Sampler struct {
	quit chan struct{}
	done chan struct{}
	peak Mem   // written by the goroutine, read after done
	err  error // the first sampling error, if any
}

// Start samples Tree(root) now and every period until Stop.
func Start(root int, every time.Duration) *Sampler {
	s := &Sampler{quit: make(chan struct{}), done: make(chan struct{})}
	go s.loop(root, every)
	return s
}

func (s *Sampler) loop(root int, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		m, err := Tree(root)
		if err != nil && s.err == nil {
			s.err = err
		}
		s.peak = Mem{Sum: max(s.peak.Sum, m.Sum), Largest: max(s.peak.Largest, m.Largest), Procs: max(s.peak.Procs, m.Procs)}
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
	}
}

// Stop ends sampling and returns the peaks: of the sum, of the largest
// process and of the process count, each over all samples. A failed
// sample leaves them lower, never wrong; the error is the first one.
func (s *Sampler) Stop() (Mem, error) {
	close(s.quit)
	<-s.done
	return s.peak, s.err
}
