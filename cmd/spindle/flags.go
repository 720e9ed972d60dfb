package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
	"spindle/internal/retry"
)

// defaultCoordinator is the NATS URL of a local cluster.
const defaultCoordinator = "nats://127.0.0.1:4222"

// envCoordinator names the environment variable read for --coordinator.
const envCoordinator = "SPINDLE_COORDINATOR"

func coordinatorFlag() cli.Flag {
	return &cli.StringFlag{
		Name:    "coordinator",
		Usage:   "the cluster's NATS URL",
		Value:   defaultCoordinator,
		Sources: cli.EnvVars(envCoordinator),
	}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON instead of text"}
}

// How long commands keep trying to reach the cluster by default (their
// --connect-timeout). Queries fail at once: someone is waiting at a
// terminal. A worker waits like YARN's NodeManager for its
// ResourceManager, and submit long enough for a script that has just
// started the cluster.
const (
	defaultWorkerConnectTimeout = 5 * time.Minute
	defaultSubmitConnectTimeout = 30 * time.Second
	defaultQueryConnectTimeout  = 0
)

// connectTimeoutFlag is --connect-timeout with the given default.
func connectTimeoutFlag(def time.Duration) cli.Flag {
	return &cli.DurationFlag{
		Name:  "connect-timeout",
		Value: def,
		Usage: "keep trying to reach the coordinator for this long, with backoff (0: try once; negative: no limit)",
	}
}

// dial connects to the coordinator named by --coordinator, retrying for
// --connect-timeout, with one line on stderr per retry.
func dial(ctx context.Context, cmd *cli.Command) (*client.Client, error) {
	stderr := cmd.Root().ErrWriter
	return client.DialWait(ctx, cmd.String("coordinator"), cmd.Duration("connect-timeout"), func(a retry.Attempt) {
		fmt.Fprintf(stderr, "waiting for the coordinator: attempt %d: %v; next in %v\n", a.N, a.Err, a.Wait.Round(time.Millisecond))
	})
}

// args checks that cmd got exactly the named positional arguments and
// returns them.
func args(cmd *cli.Command, names ...string) ([]string, error) {
	got := cmd.Args().Slice()
	if len(got) < len(names) {
		return nil, usagef("%s: missing %s", cmd.Name, names[len(got)])
	}
	if len(got) > len(names) {
		return nil, usagef("%s: unexpected argument %q", cmd.Name, got[len(names)])
	}
	return got, nil
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	return nil
}
