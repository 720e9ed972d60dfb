package jobmaster

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"spindle/internal/proto"
)

// TestCommitProtocolProperties drives State with random executor
// behaviour — successes, failures, lost containers, zombies reporting
// after they were lost, speculative copies — and checks after every step
// that no task ever commits twice, that only an attempt running at the
// time commits, and that a finished job committed every task once.
func TestCommitProtocolProperties(t *testing.T) {
	finished := 0
	for seed := range uint64(300) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			if commitScenario(t, seed) {
				finished++
			}
		})
	}
	// The end-of-job invariant is only checked on finished jobs: make sure
	// the random walk reaches the end often.
	if finished < 100 {
		t.Errorf("only %d of 300 scenarios finished their job", finished)
	}
}

func commitScenario(t *testing.T, seed uint64) bool {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := wordCount(t, 1+rng.IntN(5), DefaultPolicy())
	now := t0
	type run struct {
		spec      *proto.TaskSpec
		container string
	}
	var running []run
	dead := map[string]bool{}
	commits := map[string]string{} // task → attempt ID
	for step := 0; step < 400 && !s.Done() && s.Failure() == ""; step++ {
		now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		switch op := rng.IntN(10); {
		case op < 4: // an executor asks for work
			c := fmt.Sprintf("c%d", rng.IntN(4))
			if dead[c] {
				c += "x" // a replacement container
			}
			if spec := s.Assign(now, c, fmt.Sprintf("w%d", rng.IntN(3))); spec != nil {
				for _, in := range spec.Inputs {
					for _, p := range in.Producers {
						if p == "" {
							t.Fatalf("%s assigned while a producer is not committed", spec.AttemptID)
						}
					}
				}
				running = append(running, run{spec, c})
			}
		case op < 9 && len(running) > 0: // an attempt ends (maybe a zombie)
			i := rng.IntN(len(running))
			r := running[i]
			running = append(running[:i], running[i+1:]...)
			res := ok(r.spec.AttemptID, proto.StagedFile{Temp: r.spec.AttemptID, Final: "f"})
			lostFrom := ""
			switch k := rng.IntN(8); {
			case k < 2:
				res = fail(r.spec.AttemptID)
			case k == 2 && len(r.spec.Inputs) > 0: // a reducer finds a producer's data lost
				ps := r.spec.Inputs[0].Producers
				res = fail(r.spec.AttemptID)
				res.LostInputs = []string{ps[rng.IntN(len(ps))]}
				lostFrom = producerTask(s, res.LostInputs[0])
			}
			wasRunning := isRunning(s, r.spec.AttemptID)
			out := s.Complete(now, res)
			if out.Invalidated {
				if lostFrom == "" || commits[lostFrom] == "" {
					t.Fatalf("%s invalidated a task that was not committed", r.spec.AttemptID)
				}
				delete(commits, lostFrom) // it may, and must, commit again
			}
			for _, f := range out.Commit {
				task := fmt.Sprintf("s%d-t%d", r.spec.Stage, r.spec.Index)
				if prev, dup := commits[task]; dup {
					t.Fatalf("task %s committed twice: %s then %s", task, prev, f.Temp)
				}
				if !wasRunning || res.Error != "" {
					t.Fatalf("attempt %s committed though it was not running or failed", f.Temp)
				}
				commits[task] = f.Temp
			}
		case op == 9: // a container dies
			c := fmt.Sprintf("c%d", rng.IntN(4))
			dead[c] = true
			s.ContainerLost(now, c, "lost")
		}
	}
	if s.Done() {
		total := 0
		for _, ts := range s.tasks {
			total += len(ts)
		}
		if len(commits) != total {
			t.Fatalf("job done with %d commits for %d tasks", len(commits), total)
		}
	}
	return s.Done()
}

// producerTask names the committed task whose output includes attempt
// id, or "".
func producerTask(s *State, id string) string {
	if t := s.producerOf(id); t != nil {
		return t.name()
	}
	return ""
}

func isRunning(s *State, id string) bool {
	t, ok := s.find(id)
	if !ok {
		return false
	}
	_, running := t.running[id]
	return running
}
