package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/coordinator/scheduler/placement"
	"spindle/coordinator/scheduler/queues"
	"spindle/coordinator/scheduler/sim"
	"spindle/internal/proto"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "run the real scheduler against simulated nodes and applications in virtual time",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "nodes", Value: 100, Usage: "simulated workers"},
			&cli.IntFlag{Name: "node-vcores", Value: 16, Usage: "vcores of each worker"},
			&cli.StringFlag{Name: "node-memory", Value: "64GiB", Usage: "memory of each worker"},
			&cli.StringFlag{Name: "queues", Usage: "YAML file of capacity queues", DefaultText: "one default queue"},
			&cli.IntFlag{Name: "apps", Value: 50, Usage: "applications, spread over the leaf queues in turn"},
			&cli.IntFlag{Name: "tasks-per-app", Value: 20, Usage: "executors per application, one task each"},
			&cli.DurationFlag{Name: "task-duration", Value: 30 * time.Second, Usage: "mean task length (each drawn from half to 1.5 times it)"},
			&cli.DurationFlag{Name: "arrival", Value: time.Minute, Usage: "applications arrive uniformly over this window"},
			&cli.StringFlag{Name: "policy", Value: placement.Default, Usage: "placement policy: " + strings.Join(placement.Names, ", ")},
			&cli.IntFlag{Name: "seed", Value: 1, Usage: "random seed (same seed, same run)"},
			&cli.StringFlag{Name: "trace", Usage: "JSON array of applications {at, queue, user, tasks, duration, gang} instead of --apps"},
			jsonFlag(),
		},
		Action: simAction,
	}
}

func simAction(ctx context.Context, cmd *cli.Command) error {
	if _, err := args(cmd); err != nil {
		return err
	}
	cfg, err := simConfig(cmd)
	if err != nil {
		return err
	}
	rep, err := sim.Run(cfg)
	if err != nil {
		return usageError{err}
	}
	if cmd.Bool("json") {
		return printJSON(cmd.Root().Writer, rep)
	}
	printSim(cmd.Root().Writer, rep)
	return nil
}

// simConfig reads the flags of sim.
func simConfig(cmd *cli.Command) (sim.Config, error) {
	mem, err := parseMemory(cmd.String("node-memory"))
	if err != nil {
		return sim.Config{}, err
	}
	cfg := sim.Config{
		Nodes: int(cmd.Int("nodes")), NodeRes: proto.Resources{VCores: int(cmd.Int("node-vcores")), MemoryBytes: mem},
		Apps: int(cmd.Int("apps")), TasksPerApp: int(cmd.Int("tasks-per-app")),
		TaskDuration: cmd.Duration("task-duration"), Arrival: cmd.Duration("arrival"),
		Policy: cmd.String("policy"), Seed: int64(cmd.Int("seed")),
	}
	if cfg.Nodes < 1 || cfg.NodeRes.VCores < 1 || cfg.Apps < 1 || cfg.TasksPerApp < 1 {
		return cfg, usagef("--nodes, --node-vcores, --apps and --tasks-per-app must be at least 1")
	}
	if !placement.Valid(cfg.Policy) {
		return cfg, usagef("bad --policy %q (want %s)", cfg.Policy, strings.Join(placement.Names, ", "))
	}
	if f := cmd.String("queues"); f != "" {
		if cfg.Queues, err = readQueues(f); err != nil {
			return cfg, err
		}
	} else {
		cfg.Queues = queues.Default()
	}
	if f := cmd.String("trace"); f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return cfg, usagef("--trace: %v", err)
		}
		if cfg.Trace, err = sim.ParseTrace(data); err != nil {
			return cfg, usageError{err}
		}
	}
	return cfg, nil
}

// printSim prints the report for people.
func printSim(w io.Writer, r sim.Report) {
	fmt.Fprintf(w, "%d nodes, %d applications (%d finished) in %v of virtual time, %v of wall time\n",
		r.Nodes, r.Apps, r.AppsFinished, r.VirtualTime.Round(time.Second), r.Wall.Round(time.Millisecond))
	fmt.Fprintf(w, "containers granted: %d (%.0f per second of scheduler wall time), preempted: %d\n",
		r.Allocations, r.AllocationsPerSec, r.Preempted)
	fmt.Fprintf(w, "scheduling delay (virtual s): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
		r.Delay.P50, r.Delay.P90, r.Delay.P99, r.Delay.Max)
	fmt.Fprintf(w, "utilisation: mean %.1f%%, peak %.1f%%\n", 100*r.Utilization, 100*r.PeakUtilization)
	fmt.Fprintf(w, "containers per node: min %d  max %d  mean %.1f  stddev %.1f\n",
		r.Spread.Min, r.Spread.Max, r.Spread.Mean, r.Spread.StdDev)
	fmt.Fprintln(w, "queue       guaranteed  maximum  mean share  min share with demand")
	for _, q := range r.Queues {
		fmt.Fprintf(w, "%-10s  %9.1f%%  %6.1f%%  %9.1f%%  %9.1f%%\n", q.Name,
			100*q.Guaranteed, 100*q.Maximum, 100*q.Share, 100*q.MinShare)
	}
}
