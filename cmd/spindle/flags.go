package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
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

// dial connects to the coordinator named by --coordinator.
func dial(ctx context.Context, cmd *cli.Command) (*client.Client, error) {
	return client.Dial(ctx, cmd.String("coordinator"))
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
