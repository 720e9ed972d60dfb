package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
)

// queryCommand builds a command that dials the coordinator and runs fn
// with the positional arguments named by argNames.
func queryCommand(name, usage string, argNames []string, fn func(context.Context, *client.Client, []string, output) error, flags ...cli.Flag) *cli.Command {
	argsUsage := ""
	for _, a := range argNames {
		argsUsage += a + " "
	}
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: argsUsage,
		Flags:     append([]cli.Flag{coordinatorFlag(), jsonFlag(), connectTimeoutFlag(defaultQueryConnectTimeout)}, flags...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			pos, err := args(cmd, argNames...)
			if err != nil {
				return err
			}
			c, err := dial(ctx, cmd)
			if err != nil {
				return err
			}
			defer c.Close()
			out := output{w: cmd.Root().Writer, errw: cmd.Root().ErrWriter, json: cmd.Bool("json"), cmd: cmd}
			return fn(ctx, c, pos, out)
		},
	}
}

// output is where a query prints, and how.
type output struct {
	w, errw io.Writer
	json    bool
	cmd     *cli.Command // for the command's own flags
}

func appsCommand() *cli.Command {
	return queryCommand("apps", "list applications, newest first", nil,
		func(ctx context.Context, c *client.Client, _ []string, out output) error {
			apps, err := c.Apps(ctx)
			if err != nil {
				return err
			}
			if out.json {
				return printJSON(out.w, nonNil(apps))
			}
			return printApps(out.w, apps)
		})
}

func statusCommand() *cli.Command {
	return queryCommand("status", "show an application: state, stages, task attempts", []string{"APP"},
		func(ctx context.Context, c *client.Client, pos []string, out output) error {
			app, err := c.Status(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
			if out.json {
				return printJSON(out.w, app)
			}
			return printStatus(out.w, app)
		})
}

func killCommand() *cli.Command {
	return queryCommand("kill", "kill an application and print its state (with --savepoint: stop a streaming job with a savepoint and print its path)", []string{"APP"},
		func(ctx context.Context, c *client.Client, pos []string, out output) error {
			if out.cmd.Bool("savepoint") {
				return killWithSavepoint(ctx, c, pos[0], out)
			}
			state, err := c.Kill(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("%s: %w", pos[0], err)
			}
			if out.json {
				return printJSON(out.w, map[string]string{"id": pos[0], "state": state})
			}
			_, err = fmt.Fprintln(out.w, state)
			return err
		}, &cli.BoolFlag{Name: "savepoint", Usage: "stop a streaming job with a savepoint: its output up to it is committed and it ends FINISHED"})
}

func nodesCommand() *cli.Command {
	return queryCommand("nodes", "list workers", nil,
		func(ctx context.Context, c *client.Client, _ []string, out output) error {
			nodes, err := c.Nodes(ctx)
			if err != nil {
				return err
			}
			if out.json {
				return printJSON(out.w, nonNil(nodes))
			}
			return printNodes(out.w, nodes)
		})
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func coordinatorsCommand() *cli.Command {
	return queryCommand("coordinators", "list coordinators: who leads, its epoch, since when", nil,
		func(ctx context.Context, c *client.Client, _ []string, out output) error {
			infos, err := c.Coordinators(ctx)
			if err != nil {
				return err
			}
			if out.json {
				return printJSON(out.w, infos)
			}
			return printCoordinators(out.w, infos)
		})
}
