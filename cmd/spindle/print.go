package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"spindle/internal/proto"
	"spindle/internal/size"
)

// table returns a tabwriter for aligned columns.
func table(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

func printApps(w io.Writer, apps []proto.App) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tNAME\tQUEUE\tSTATE\tSUBMITTED")
	for _, a := range apps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Queue, a.State, when(a.SubmittedAt))
	}
	return tw.Flush()
}

func printNodes(w io.Writer, nodes []proto.Node) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tHOST\tSTATE\tVCORES\tMEMORY\tCONTAINERS\tLAST HEARTBEAT")
	for _, n := range nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s/%s\t%d\t%s\n", n.ID, n.Host, n.State,
			n.Used.VCores, n.Capacity.VCores, size.Format(n.Used.MemoryBytes), size.Format(n.Capacity.MemoryBytes),
			n.Containers, when(n.LastHeartbeat))
	}
	return tw.Flush()
}

// printCoordinators prints the coordinators' views of the election.
func printCoordinators(w io.Writer, infos []proto.CoordinatorInfo) error {
	tw := table(w)
	fmt.Fprintln(tw, "NAME\tROLE\tEPOCH\tSINCE\tLEADER\tPID\tNATS\tHTTP")
	for _, c := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", c.Name, c.Role, c.Epoch, when(c.Since), orDash(c.Leader), c.PID,
			orDash(c.NATS), orDash(c.HTTP))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printStatus prints a human summary of one application.
func printStatus(w io.Writer, a proto.App) error {
	tw := table(w)
	fmt.Fprintf(tw, "application\t%s\n", a.ID)
	fmt.Fprintf(tw, "name\t%s\n", a.Name)
	fmt.Fprintf(tw, "queue\t%s\n", a.Queue)
	fmt.Fprintf(tw, "user\t%s\n", a.User)
	fmt.Fprintf(tw, "state\t%s\n", a.State)
	if a.Diagnostics != "" {
		fmt.Fprintf(tw, "diagnostics\t%s\n", oneLine(a.Diagnostics))
	}
	if a.Waiting != "" {
		fmt.Fprintf(tw, "waiting\t%s\n", oneLine(a.Waiting))
	}
	fmt.Fprintf(tw, "submitted\t%s\n", when(a.SubmittedAt))
	if !a.FinishedAt.IsZero() {
		fmt.Fprintf(tw, "finished\t%s (took %v)\n", when(a.FinishedAt), a.FinishedAt.Sub(a.SubmittedAt).Round(100*time.Millisecond))
	}
	fmt.Fprintf(tw, "args\t%s\n", strings.Join(a.Args, " "))
	if a.Savepoint != "" {
		fmt.Fprintf(tw, "from savepoint\t%s\n", a.Savepoint)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printStages(w, a.Stages)
	printStream(w, a.Stream)
	printCounters(w, a)
	printAttempts(w, a.Tasks)
	return printContainers(w, a.Containers)
}

func printStages(w io.Writer, stages []proto.Stage) {
	if len(stages) == 0 {
		return
	}
	tw := table(w)
	fmt.Fprintln(w, "\nSTAGES")
	fmt.Fprintln(tw, "ID\tNAME\tTASKS\tDONE\tRUNNING\tPROGRESS")
	for _, s := range stages {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%.0f%%\n", s.ID, s.Name, s.Tasks, s.Done, s.Running, s.Progress*100)
	}
	tw.Flush()
}

// stageCounters sums the counters of each stage's succeeded attempts
// (one per task), by stage ID.
func stageCounters(a proto.App) map[int]map[string]int64 {
	out := map[int]map[string]int64{}
	for _, t := range a.Tasks {
		var stage int
		if t.State != proto.AttemptSucceeded || len(t.Counters) == 0 {
			continue
		}
		if _, err := fmt.Sscanf(t.Task, "s%d-", &stage); err != nil {
			continue
		}
		if out[stage] == nil {
			out[stage] = map[string]int64{}
		}
		for k, v := range t.Counters {
			out[stage][k] += v
		}
	}
	return out
}

// printCounters prints each stage's counters: rows and bytes read,
// rejected, shuffled and written.
func printCounters(w io.Writer, a proto.App) {
	by := stageCounters(a)
	if len(by) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCOUNTERS (succeeded attempts)")
	tw := table(w)
	fmt.Fprintln(tw, "STAGE\tCOUNTER\tVALUE")
	for _, s := range a.Stages {
		cs := by[s.ID]
		names := make([]string, 0, len(cs))
		for k := range cs {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			fmt.Fprintf(tw, "%d %s\t%s\t%s\n", s.ID, s.Name, k, counterValue(k, cs[k]))
		}
	}
	tw.Flush()
}

// counterValue renders a counter: sizes for bytes, plain numbers else.
func counterValue(name string, v int64) string {
	if strings.Contains(name, "bytes") {
		return fmt.Sprintf("%d (%s)", v, size.Format(v))
	}
	return strconv.FormatInt(v, 10)
}

// summary is the one-line digest of a finished application's counters.
func summary(a proto.App) string {
	total := map[string]int64{}
	for _, cs := range stageCounters(a) {
		for k, v := range cs {
			total[k] += v
		}
	}
	var parts []string
	for _, k := range []string{"records_read", "rows_read", "bytes_read", "rows_rejected", "shuffle_bytes_written", "records_written", "rows_written"} {
		if v, ok := total[k]; ok {
			parts = append(parts, k+"="+counterValue(k, v))
		}
	}
	return strings.Join(parts, " ")
}

func printAttempts(w io.Writer, tasks []proto.Attempt) {
	if len(tasks) == 0 {
		return
	}
	tw := table(w)
	fmt.Fprintln(w, "\nTASK ATTEMPTS")
	fmt.Fprintln(tw, "TASK\tATTEMPT\tSTATE\tWORKER\tCONTAINER\tERROR")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", t.Task, t.Attempt, t.State, t.WorkerID, t.ContainerID, oneLine(t.Error))
	}
	tw.Flush()
}

func printContainers(w io.Writer, cs []proto.Container) error {
	if len(cs) == 0 {
		return nil
	}
	tw := table(w)
	fmt.Fprintln(w, "\nCONTAINERS")
	fmt.Fprintln(tw, "ID\tROLE\tWORKER\tSTATE\tEXIT\tVCORES\tMEMORY\tPEAK RSS\tERROR")
	for _, c := range cs {
		peak := "-"
		if c.PeakRSS > 0 {
			peak = size.Format(c.PeakRSS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", c.ID, c.Role, c.WorkerID, c.State, c.ExitCode,
			c.Resources.VCores, size.Format(c.Resources.MemoryBytes), peak, oneLine(c.Error))
	}
	return tw.Flush()
}

// printLogs prints each container's stdout and stderr under a header.
func printLogs(w io.Writer, logs []proto.ContainerLog) {
	for _, l := range logs {
		for _, stream := range []struct{ name, text string }{{"stdout", l.Stdout}, {"stderr", l.Stderr}} {
			fmt.Fprintf(w, "==> %s (%s on %s) %s <==\n", l.ContainerID, l.Role, l.WorkerID, stream.name)
			io.WriteString(w, stream.text)
			if stream.text != "" && !strings.HasSuffix(stream.text, "\n") {
				fmt.Fprintln(w)
			}
		}
	}
}

// when formats a time for tables, "-" if unset.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}
