package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"spindle/coordinator/scheduler/placement"
	"spindle/internal/client"
	"spindle/internal/proto"
	"spindle/internal/size"
)

// Container resources of every submitted application, until the CLI has
// flags for them.
const (
	masterVCores   = 1
	masterMemory   = 512 * size.MiB
	executorVCores = 1
)

// submitOptions are the flags of submit that run shares.
type submitOptions struct {
	name      string // application name; the job's own name if empty
	queue     string
	placement string          // the job's placement policy; "" keeps the cluster's
	detach    bool            // return once submitted
	task      proto.Resources // each executor container (its tasks' grant)
	// taskTimeout is how long an attempt may send no progress before its
	// container is taken as lost; 0 is the job master's default.
	taskTimeout time.Duration
	savepoint   string // a streaming job's savepoint to start from, or ""
}

// taskFlags size the executor containers that run a job's tasks.
func taskFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "task-memory", Value: "1GiB", Usage: "memory `SIZE` of each task container; tasks spill to disk to stay within it"},
		&cli.IntFlag{Name: "task-vcores", Value: executorVCores, Usage: "vcores of each task container"},
		&cli.DurationFlag{Name: "task-timeout", Usage: "take a task attempt that sends no progress this long as lost, and run it elsewhere",
			DefaultText: "1m"},
	}
}

// taskTimeout reads --task-timeout.
func taskTimeout(cmd *cli.Command) (time.Duration, error) {
	d := cmd.Duration("task-timeout")
	if d < 0 {
		return 0, usagef("bad --task-timeout %v: must not be negative", d)
	}
	return d, nil
}

// taskResources reads the task size flags.
func taskResources(cmd *cli.Command) (proto.Resources, error) {
	mem, err := size.Parse(cmd.String("task-memory"))
	if err != nil || mem <= 0 {
		return proto.Resources{}, usagef("bad --task-memory %q: want a size like 256MiB", cmd.String("task-memory"))
	}
	vc := int(cmd.Int("task-vcores"))
	if vc <= 0 {
		return proto.Resources{}, usagef("bad --task-vcores %d: want 1 or more", vc)
	}
	return proto.Resources{VCores: vc, MemoryBytes: mem}, nil
}

func submitCommand() *cli.Command {
	return &cli.Command{
		Name:      "submit",
		Usage:     "submit a job to a cluster and wait for it",
		ArgsUsage: "PACKAGE|BINARY [-- JOB-ARGS...]",
		Flags: append([]cli.Flag{
			coordinatorFlag(),
			&cli.StringFlag{Name: "queue", Value: "default", Usage: "scheduler queue"},
			placementFlag("this job's placement policy, instead of the cluster's: "),
			&cli.StringFlag{Name: "name", Usage: "application name (default: the job's name)"},
			&cli.BoolFlag{Name: "detach", Usage: "print the application ID and return without waiting"},
			connectTimeoutFlag(defaultSubmitConnectTimeout),
			savepointFlag(),
		}, taskFlags()...),
		Action: submitAction,
	}
}

func submitAction(ctx context.Context, cmd *cli.Command) error {
	target, jobArgs, err := splitJobArgs(cmd.Args().Slice())
	if err != nil {
		return err
	}
	if p := cmd.String("placement"); !placement.Valid(p) {
		return usagef("bad --placement %q (want %s)", p, strings.Join(placement.Names, ", "))
	}
	task, err := taskResources(cmd)
	if err != nil {
		return err
	}
	timeout, err := taskTimeout(cmd)
	if err != nil {
		return err
	}
	savepoint, err := fromSavepoint(cmd)
	if err != nil {
		return err
	}
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := checkSavepoint(ctx, c, savepoint, ""); err != nil {
		return err
	}
	stdout, stderr := cmd.Root().Writer, cmd.Root().ErrWriter
	j, err := prepareJob(ctx, target, jobArgs, stderr)
	if err != nil {
		return err
	}
	defer j.close()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := submitOptions{name: cmd.String("name"), queue: cmd.String("queue"), detach: cmd.Bool("detach"),
		placement: cmd.String("placement"), task: task, taskTimeout: timeout, savepoint: savepoint}
	res, err := submitJob(ctx, c, j, opts, stdout, stderr)
	if errors.Is(err, context.Canceled) && res.app.ID != "" {
		fmt.Fprintf(stderr, "application %s is still running; stop it with: spindle kill %s\n", res.app.ID, res.app.ID)
		return exitError{code: exitFailed}
	}
	if err != nil || opts.detach {
		return err
	}
	return res.report(stderr)
}

// submitResult is how a submitted application ended.
type submitResult struct {
	app     proto.App // ID set once submitted; final state once waited for
	elapsed time.Duration
}

// submitJob stores j's binary (unless it is, j.hash set), submits it, prints the application ID as
// the first line on stdout and, unless opts.detach, waits for the
// application to end, showing progress on stderr if it is a terminal.
// A non-nil error with res.app.ID set means the application was
// submitted but not waited for to its end (ctx ended, status failed).
func submitJob(ctx context.Context, c *client.Client, j *job, opts submitOptions, stdout, stderr io.Writer) (res submitResult, err error) {
	if j.hash == "" {
		if j.hash, err = c.UploadBinary(ctx, j.path); err != nil {
			return res, err
		}
	}
	start := time.Now()
	id, err := c.Submit(ctx, submitRequest(j, opts, j.hash))
	if err != nil {
		return res, err
	}
	res.app.ID = id
	fmt.Fprintln(stdout, id)
	if opts.detach {
		return res, nil
	}
	bars := newProgress(ctx, stderr)
	app, err := c.Wait(ctx, id, bars.update)
	bars.done(app)
	res.elapsed = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("waiting for %s: %w", id, err)
	}
	res.app = app
	return res, nil
}

// submitRequest builds the request that submits j.
func submitRequest(j *job, opts submitOptions, hash string) proto.SubmitRequest {
	name := opts.name
	if name == "" {
		name = j.desc.Name
	}
	if name == "" {
		name = binaryName(j.target)
	}
	wd, _ := os.Getwd() // "" if unknown: containers start in their own directory
	return proto.SubmitRequest{
		Name:        name,
		Queue:       opts.queue,
		Placement:   opts.placement,
		User:        userName(),
		BinaryHash:  hash,
		Args:        j.args,
		WorkDir:     wd,
		Master:      proto.Resources{VCores: masterVCores, MemoryBytes: masterMemory},
		Executor:    opts.task,
		TaskTimeout: opts.taskTimeout,
		Savepoint:   opts.savepoint,
	}
}

// userName names the submitting user: the OS user running the CLI, as
// YARN's client does ($USER may be unset, under cron or in a container),
// or its numeric uid if it has no name.
func userName() string {
	u, err := user.Current()
	return userNameOf(u, err, os.Getuid())
}

// userNameOf is userName given user.Current's result and the uid.
func userNameOf(u *user.User, err error, uid int) string {
	switch {
	case err == nil && u.Username != "":
		return u.Username
	case err == nil && u.Uid != "":
		return u.Uid
	}
	return strconv.Itoa(uid)
}

// report prints the one-line outcome of an application and returns the
// exit error for a failed or killed one.
func (r submitResult) report(stderr io.Writer) error {
	defer r.streamReport(stderr)
	if r.app.State == proto.StateFinished {
		fmt.Fprintf(stderr, "application %s FINISHED in %v\n", r.app.ID, r.elapsed.Round(100*time.Millisecond))
		if s := summary(r.app); s != "" {
			fmt.Fprintf(stderr, "counters: %s\n", s)
		}
		return nil
	}
	diag := r.app.Diagnostics
	if diag == "" {
		diag = "no diagnostics"
	}
	fmt.Fprintf(stderr, "application %s %s: %s\n", r.app.ID, r.app.State, oneLine(diag))
	return exitError{code: exitFailed}
}

// streamReport prints a streaming job's summary after its outcome line,
// however it ended.
func (r submitResult) streamReport(stderr io.Writer) {
	if r.app.Stream == nil {
		return
	}
	took := r.elapsed
	if took <= 0 && !r.app.FinishedAt.IsZero() {
		took = r.app.FinishedAt.Sub(r.app.SubmittedAt)
	}
	for _, line := range streamSummary(r.app.Stream, took) {
		fmt.Fprintln(stderr, line)
	}
}
