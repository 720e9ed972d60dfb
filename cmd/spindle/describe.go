package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"spindle/internal/proto"
)

// describeTimeout bounds the describe run of a job binary.
const describeTimeout = 10 * time.Second

// describeLimit bounds how much of its output is kept.
const describeLimit = 1 << 20

// description is what a job binary prints after proto.DescribeMagic.
type description struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
}

// describe runs the binary at path in proto.RoleDescribe with the job
// arguments and returns its description. A binary that fails is
// reported with the last line of its stderr (a bad job argument); one
// that succeeds without the magic is not a Spindle job.
func describe(ctx context.Context, path, target string, jobArgs []string) (description, error) {
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, jobArgs...)
	cmd.Env = append(os.Environ(), proto.EnvRole+"="+proto.RoleDescribe)
	stdout, stderr := &limitedBuffer{max: describeLimit}, &limitedBuffer{max: describeLimit}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return description{}, fmt.Errorf("%s did not describe itself within %v; is it a Spindle job binary?", target, describeTimeout)
	}
	return parseDescription(target, stdout.Bytes(), stderr.String(), err)
}

// parseDescription interprets the outcome of a describe run.
func parseDescription(target string, stdout []byte, stderr string, runErr error) (description, error) {
	var exitErr *exec.ExitError
	notJob := fmt.Errorf("%s is not a Spindle job binary", target)
	switch {
	case errors.As(runErr, &exitErr) && strings.TrimSpace(stderr) != "":
		return description{}, errors.New(lastLine(stderr))
	case runErr != nil:
		return description{}, notJob
	}
	rest, ok := bytes.CutPrefix(stdout, []byte(proto.DescribeMagic))
	if !ok {
		return description{}, notJob
	}
	var d description
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&d); err != nil {
		return description{}, fmt.Errorf("%s printed a bad description: %v", target, err)
	}
	return d, nil
}

// limitedBuffer keeps the first max bytes written to it and discards the
// rest, so that a chatty program cannot exhaust memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
