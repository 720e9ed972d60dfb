package coordinator

import (
	"context"
	"fmt"
	"os"
	"time"

	"spindle/coordinator/cluster"
	"spindle/coordinator/scheduler"
	"spindle/coordinator/scheduler/queues"
)

// newState builds the cluster state of cfg: its queue file, placement
// policy and preemption grace.
func newState(cfg Config) (*cluster.State, error) {
	conf, err := loadQueues(cfg.QueuesFile)
	if err != nil {
		return nil, err
	}
	st, err := cluster.NewWith(time.Now(), cfg.NodeTimeout, scheduler.Config{
		Queues: conf, Placement: cfg.Placement, PreemptGrace: cfg.PreemptGrace,
	})
	if err != nil {
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	st.SetMasterTimeout(cfg.MasterTimeout)
	return st, nil
}

// loadQueues reads a queue file; "" is the default configuration.
func loadQueues(path string) (*queues.Config, error) {
	if path == "" {
		return queues.Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("coordinator: queue file: %w", err)
	}
	conf, err := queues.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("coordinator: %s: %w", path, err)
	}
	return conf, nil
}

// reloadQueues re-reads the queue file and hands it to the State; on any
// error the running configuration stays.
func (sh *shell) reloadQueues(path string) {
	conf, err := loadQueues(path)
	if err == nil {
		err = sh.call(func(st *cluster.State, now time.Time) cluster.Effects {
			eff, serr := st.SetQueues(now, conf)
			err = serr
			return eff
		})
	}
	if err != nil {
		sh.log.Error("queue configuration not reloaded", "file", path, "err", err)
		return
	}
	sh.log.Info("queue configuration reloaded", "file", path, "queues", conf.LeafNames())
}

// watchReload reloads the queue file on every receive from cfg.Reload
// until ctx ends. The returned function waits for the watcher to stop.
func (sh *shell) watchReload(ctx context.Context, cfg Config) (wait func()) {
	if cfg.Reload == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-cfg.Reload:
				sh.reloadQueues(cfg.QueuesFile)
			}
		}
	}()
	return func() { <-done }
}
