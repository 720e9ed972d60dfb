package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v3"
)

func main() {
	os.Exit(cliMain(context.Background(), os.Args, os.Stdout, os.Stderr))
}

// cliMain runs the command line args and returns the process exit code.
func cliMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	return exitCode(stderr, app.Run(ctx, args))
}

// newApp builds the command tree.
func newApp(stdout, stderr io.Writer) *cli.Command {
	app := &cli.Command{
		Name:            "spindle",
		Usage:           "run and submit Spindle data-processing jobs",
		HideVersion:     true,
		HideHelpCommand: true,
		Writer:          stdout,
		ErrWriter:       stderr,
		Commands: []*cli.Command{
			runCommand(), upCommand(), coordinatorCommand(), workerCommand(), submitCommand(),
			appsCommand(), statusCommand(), killCommand(), savepointCommand(), logsCommand(), nodesCommand(), queuesCommand(), coordinatorsCommand(),
			simCommand(),
		},
		Action:         rootAction,
		ExitErrHandler: func(context.Context, *cli.Command, error) {}, // cliMain decides
	}
	quietUsage(app)
	return app
}

// quietUsage makes usage errors of cmd and its subcommands plain errors,
// without the help text urfave/cli prints by default.
func quietUsage(cmd *cli.Command) {
	cmd.OnUsageError = func(_ context.Context, _ *cli.Command, err error, _ bool) error {
		return usageError{err}
	}
	for _, sub := range cmd.Commands {
		quietUsage(sub)
	}
}

// rootAction runs when no subcommand matched.
func rootAction(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		return usagef("unknown command %q (see spindle --help)", cmd.Args().First())
	}
	cli.ShowRootCommandHelp(cmd)
	return exitError{code: 2}
}

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // the job failed or was killed
	exitUsage  = 2 // usage or input error
)

// exitError ends the CLI with code; err, if not nil, is reported as one
// line on stderr.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e exitError) Unwrap() error { return e.err }

// usageError is a bad command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode reports err on stderr and returns the exit code for it: the
// code of an exitError, exitUsage for any other error.
func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var ee exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "spindle: %s\n", oneLine(err.Error()))
	return code
}

// oneLine joins the non-blank lines of a message with "; " (with " "
// after a line that ends in a colon).
func oneLine(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case b.Len() == 0:
		case strings.HasSuffix(b.String(), ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(line)
	}
	return b.String()
}
