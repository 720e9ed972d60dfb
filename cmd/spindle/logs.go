package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
	"spindle/internal/proto"
)

func logsCommand() *cli.Command {
	return queryCommand("logs", "print the output of an application's containers, or of one task's attempts", []string{"APP"},
		func(ctx context.Context, c *client.Client, pos []string, out output) error {
			if task := out.cmd.String("task"); task != "" {
				return taskLogs(ctx, c, pos[0], task, out)
			}
			return appLogs(ctx, c, pos[0], out)
		},
		&cli.StringFlag{Name: "task", Usage: "only the attempts of this task (as in status, e.g. s0-t3)"})
}

// appLogs prints every container's output. Workers that do not answer
// (lost ones) are named on stderr; the others' logs are printed.
func appLogs(ctx context.Context, c *client.Client, app string, out output) error {
	logs, err := c.Logs(ctx, app)
	if logs == nil && err != nil {
		return fmt.Errorf("%s: %w", app, err)
	}
	if out.json {
		if perr := printJSON(out.w, nonNil(logs)); perr != nil {
			return perr
		}
	} else {
		printLogs(out.w, logs)
	}
	if len(logs) == 0 && err == nil {
		fmt.Fprintf(out.errw, "no container logs for %s\n", app)
	}
	if err != nil {
		return exitError{code: exitFailed, err: err}
	}
	return nil
}

// taskLogs prints, for every attempt of task, the lines its executor
// logged from the attempt's start to its end.
func taskLogs(ctx context.Context, c *client.Client, app, task string, out output) error {
	st, err := c.Status(ctx, app)
	if err != nil {
		return err
	}
	logs, lerr := c.Logs(ctx, app)
	byContainer := map[string]proto.ContainerLog{}
	for _, l := range logs {
		byContainer[l.ContainerID] = l
	}
	found := false
	for _, a := range st.Tasks {
		if a.Task != task {
			continue
		}
		found = true
		fmt.Fprintf(out.w, "==> %s attempt %d (%s) on %s, container %s <==\n", a.Task, a.Attempt, a.State, a.WorkerID, a.ContainerID)
		l, ok := byContainer[a.ContainerID]
		if !ok {
			fmt.Fprintln(out.w, "(no log: its worker did not answer)")
			continue
		}
		printAttempt(out.w, l.Stderr, a.ID)
	}
	if !found {
		return usagef("application %s has no attempt of task %q (see spindle status %s)", app, task, app)
	}
	if lerr != nil {
		return exitError{code: exitFailed, err: lerr}
	}
	return nil
}

// printAttempt prints the lines of an executor's log from "task started"
// of the attempt to its "task ended", inclusive.
func printAttempt(w io.Writer, log, id string) {
	in := false
	for line := range strings.Lines(log) {
		mine := id != "" && strings.Contains(line, "attempt="+id+" ")
		if mine && strings.Contains(line, "task started") {
			in = true
		}
		if in || mine {
			io.WriteString(w, line)
		}
		if mine && strings.Contains(line, "task ended") {
			in = false
		}
	}
}
