package executor

import (
	"context"
	"fmt"
	"time"

	"spindle/internal/proto"
	"spindle/internal/rpc"
)

// DeployFunc runs an executor's part of one execution of a streaming job
// until its subtasks end; it must not panic.
type DeployFunc func(ctx context.Context, d *proto.Deployment, env *Env) error

// RunStream serves a streaming job: it asks the job master for a
// deployment, runs it, and asks again when it ends (the job master
// restarts executions after failures), until told to exit or ctx ends.
func RunStream(ctx context.Context, cfg Config, run DeployFunc) error {
	defer startProfile(cfg.ContainerID)()
	env, err := newEnv(cfg)
	if err != nil {
		return err
	}
	req := proto.DeployRequest{ContainerID: cfg.ContainerID, WorkerID: cfg.WorkerID}
	deadline := time.Now().Add(giveUpAfter)
	for {
		var reply proto.DeployReply
		err := rpc.Call(ctx, cfg.NC, proto.JobMasterDeploy(cfg.AppID), req, &reply, requestTimeout)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && time.Now().After(deadline):
			return fmt.Errorf("%w: %v", ErrNoJobMaster, err)
		case err != nil:
			if err := sleep(ctx, 500*time.Millisecond); err != nil {
				return err
			}
			continue
		case reply.Exit:
			return nil
		}
		deadline = time.Now().Add(giveUpAfter)
		if d := reply.Deployment; d != nil {
			start := time.Now()
			cfg.Logger.Info("execution started", "epoch", d.Epoch, "index", d.Index, "parallelism", d.Parallelism, "restore", d.Restore != nil)
			err := run(ctx, d, env)
			cfg.Logger.Info("execution ended", "epoch", d.Epoch, "took", time.Since(start).Round(time.Millisecond), "err", err)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			req.Ended = d.Epoch
			deadline = time.Now().Add(giveUpAfter)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
