package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v3"

	"spindle/coordinator/scheduler/placement"
	"spindle/coordinator/scheduler/queues"
)

func queuesFlag() cli.Flag {
	return &cli.StringFlag{Name: "queues", Usage: "YAML file of capacity queues, re-read on SIGHUP", DefaultText: "one default queue"}
}

func placementFlag(prefix string) cli.Flag {
	return &cli.StringFlag{Name: "placement", Usage: prefix + strings.Join(placement.Names, ", "), DefaultText: placement.Default}
}

// checkSchedulerFlags refuses a bad --queues file or --placement before
// anything starts, and notes the file's first leaf queue.
func checkSchedulerFlags(cfg *clusterConfig) error {
	if !placement.Valid(cfg.placement) {
		return usagef("bad --placement %q (want %s)", cfg.placement, strings.Join(placement.Names, ", "))
	}
	if cfg.queues == "" {
		return nil
	}
	conf, err := readQueues(cfg.queues)
	if err != nil {
		return err
	}
	cfg.firstQueue = conf.Leaves()[0].Name
	return nil
}

// readQueues reads and checks a queue file.
func readQueues(path string) (*queues.Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--queues: %v", err)
	}
	conf, err := queues.Parse(data)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	return conf, nil
}

// onSIGHUP returns a channel that receives on every SIGHUP until ctx
// ends.
func onSIGHUP(ctx context.Context) <-chan struct{} {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	out := make(chan struct{}, 1)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				select {
				case out <- struct{}{}:
				default: // a reload is already due
				}
			}
		}
	}()
	return out
}
