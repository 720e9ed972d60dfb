package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
	"spindle/internal/proto"
)

// stopWaitTimeout bounds how long kill --savepoint waits for the
// application to end once its savepoint is taken.
const stopWaitTimeout = time.Minute

func savepointCommand() *cli.Command {
	return queryCommand("savepoint", "take a savepoint of a running streaming job and print its path (for submit --from-savepoint)",
		[]string{"APP"},
		func(ctx context.Context, c *client.Client, pos []string, out output) error {
			path, err := c.Savepoint(ctx, pos[0], false)
			if err != nil {
				return savepointError(pos[0], err)
			}
			if out.json {
				return printJSON(out.w, map[string]string{"id": pos[0], "path": path})
			}
			_, err = fmt.Fprintln(out.w, path)
			return err
		})
}

// savepointError explains a failed savepoint request. Each is the
// user's input (the wrong application), hence a usage-class exit, except
// a savepoint the job master failed to take, which is exitFailed.
func savepointError(app string, err error) error {
	switch {
	case errors.Is(err, client.ErrUnknownApp):
		return fmt.Errorf("%s: unknown application", app)
	case errors.Is(err, client.ErrNotStreaming):
		return fmt.Errorf("%s is not a streaming job: only streaming jobs take savepoints", app)
	case errors.Is(err, client.ErrNotRunning):
		return fmt.Errorf("%s: %s; only a running streaming job takes savepoints", app, strings.TrimPrefix(err.Error(), "client: "))
	}
	return exitError{code: exitFailed, err: fmt.Errorf("savepoint of %s: %w", app, err)}
}

// killWithSavepoint stops a streaming job with a savepoint: its output up
// to the savepoint is committed, and the job master ends it FINISHED. It
// prints the savepoint's path, then waits for the end.
func killWithSavepoint(ctx context.Context, c *client.Client, app string, out output) error {
	path, err := c.Savepoint(ctx, app, true)
	if err != nil {
		return savepointError(app, err)
	}
	if !out.json {
		fmt.Fprintln(out.w, path)
	}
	wctx, cancel := context.WithTimeout(ctx, stopWaitTimeout)
	defer cancel()
	a, err := c.Wait(wctx, app, nil)
	if err != nil {
		return exitError{code: exitFailed, err: fmt.Errorf("savepoint %s taken, but %s did not end: %w", path, app, err)}
	}
	if out.json {
		return printJSON(out.w, map[string]string{"id": app, "path": path, "state": a.State})
	}
	fmt.Fprintf(out.errw, "application %s %s\n", app, a.State)
	if a.State != proto.StateFinished {
		return exitError{code: exitFailed}
	}
	return nil
}

// savepointFlag is --from-savepoint of submit and run.
func savepointFlag() cli.Flag {
	return &cli.StringFlag{Name: "from-savepoint", Usage: "start a streaming job from the savepoint at `PATH` (APP/ID, as spindle savepoint prints)"}
}

// fromSavepoint reads --from-savepoint: "" or a path of the right form.
func fromSavepoint(cmd *cli.Command) (string, error) {
	p := cmd.String("from-savepoint")
	if p != "" && !proto.ValidSavepointPath(p) {
		return "", usagef("bad --from-savepoint %q: want APP/ID, as spindle savepoint prints", p)
	}
	return p, nil
}

// checkSavepoint makes a savepoint the cluster does not have a usage
// error before anything is submitted.
func checkSavepoint(ctx context.Context, c *client.Client, path, hint string) error {
	if path == "" {
		return nil
	}
	err := c.CheckSavepoint(ctx, path)
	if errors.Is(err, client.ErrNoSavepoint) {
		return usagef("--from-savepoint %s: this cluster has no such savepoint%s", path, hint)
	}
	return err
}
