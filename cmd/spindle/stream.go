package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"spindle/internal/proto"
	"spindle/internal/size"
)

// printStream prints a streaming job's execution, latest checkpoints and
// subtask metrics (status of an application with a Stream report).
func printStream(w io.Writer, s *proto.StreamReport) {
	if s == nil {
		return
	}
	fmt.Fprintln(w, "\nSTREAM")
	tw := table(w)
	fmt.Fprintf(tw, "epoch\t%d\n", s.Epoch)
	fmt.Fprintf(tw, "restarts\t%d\n", s.Restarts)
	fmt.Fprintf(tw, "parallelism\t%d\n", s.Parallelism)
	restored := "-"
	if s.Restored > 0 {
		restored = "checkpoint " + strconv.FormatInt(s.Restored, 10)
	}
	fmt.Fprintf(tw, "restored from\t%s\n", restored)
	fmt.Fprintf(tw, "checkpoints\t%d completed, %d failed\n", s.Completed, s.Failed)
	tw.Flush()
	printCheckpoints(w, s.Checkpoints)
	printSubtasks(w, s.Subtasks)
}

func printCheckpoints(w io.Writer, cs []proto.CheckpointSummary) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nCHECKPOINTS (latest)")
	tw := table(w)
	fmt.Fprintln(tw, "ID\tSTATE\tSIZE\tDURATION\tKIND")
	for _, c := range cs {
		kind := "checkpoint"
		if c.Savepoint {
			kind = "savepoint"
		}
		sz, took := "-", "-"
		if c.State == proto.CheckpointCompleted {
			sz, took = size.Format(c.Bytes), ms(c.DurationMs).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", c.ID, c.State, sz, took, kind)
	}
	tw.Flush()
}

func printSubtasks(w io.Writer, subs map[string]proto.SubtaskMetrics) {
	if len(subs) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSUBTASKS")
	tw := table(w)
	fmt.Fprintln(tw, "NAME\tRECORDS IN\tRECORDS OUT\tWATERMARK\tBUSY\tBACK-PRESSURE\tLATE DROPPED")
	for _, name := range subtaskOrder(subs) {
		m := subs[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f%%\t%.0f%%\t%d\n", name, m.RecordsIn, m.RecordsOut, watermark(m.Watermark),
			m.Busy*100, m.BackPressure*100, m.LateDropped)
	}
	tw.Flush()
}

// subtaskOrder sorts subtask names ("<step>#<index>") by step, then by
// index as a number (so #10 comes after #9).
func subtaskOrder(subs map[string]proto.SubtaskMetrics) []string {
	return slices.SortedFunc(maps.Keys(subs), func(a, b string) int {
		sa, ia := splitSubtask(a)
		sb, ib := splitSubtask(b)
		return cmp.Or(strings.Compare(sa, sb), cmp.Compare(ia, ib), strings.Compare(a, b))
	})
}

func splitSubtask(name string) (string, int) {
	i := strings.LastIndexByte(name, '#')
	if i < 0 {
		return name, -1
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return name, -1
	}
	return name[:i], n
}

// watermark renders an event-time watermark (ms since the Unix epoch) in
// UTC, "-" if there is none yet.
func watermark(v int64) string {
	if v <= 0 {
		return "-"
	}
	return time.UnixMilli(v).UTC().Format("2006-01-02 15:04:05.000")
}

func ms(v int64) time.Duration { return time.Duration(v) * time.Millisecond }

// streamSummary is the digest of a streaming job printed when it ends:
// its throughput over took (the job's duration), checkpoints and
// restarts. Metrics are those last reported, of the last execution.
func streamSummary(s *proto.StreamReport, took time.Duration) []string {
	var events, records int64
	for _, m := range s.Subtasks {
		records += m.RecordsIn
		if m.Source {
			events += m.RecordsIn
		}
	}
	rate := 0.0
	if took > 0 {
		rate = float64(events) / took.Seconds()
	}
	lines := []string{fmt.Sprintf("stream: %d events read in %v (%.0f/s), %d records processed, %d restarts",
		events, took.Round(100*time.Millisecond), rate, records, s.Restarts)}
	return append(lines, checkpointSummary(s))
}

// checkpointSummary sums up the checkpoints: counts of all, sizes and
// durations of the completed ones among the latest listed.
func checkpointSummary(s *proto.StreamReport) string {
	line := fmt.Sprintf("checkpoints: %d completed, %d failed", s.Completed, s.Failed)
	var n int
	var last, maxBytes int64
	var total, maxMs int64
	for _, c := range s.Checkpoints {
		if c.State != proto.CheckpointCompleted {
			continue
		}
		n++
		last, maxBytes = c.Bytes, max(maxBytes, c.Bytes)
		total, maxMs = total+c.DurationMs, max(maxMs, c.DurationMs)
	}
	if n == 0 {
		return line
	}
	return line + fmt.Sprintf("; size last %s, max %s; duration avg %v, max %v (of the latest %d)",
		size.Format(last), size.Format(maxBytes), ms(total/int64(n)), ms(maxMs), n)
}
