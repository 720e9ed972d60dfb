package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"

	"spindle/internal/client"
	"spindle/internal/proto"
)

func queuesCommand() *cli.Command {
	return queryCommand("queues", "list scheduler queues: guaranteed, maximum and used capacity, applications", nil,
		func(ctx context.Context, c *client.Client, _ []string, out output) error {
			qs, placement, err := c.Queues(ctx)
			if err != nil {
				return err
			}
			if out.json {
				return printJSON(out.w, queuesJSON{Placement: placement, Queues: nonNil(qs)})
			}
			return printQueues(out.w, qs, placement)
		})
}

// queuesJSON is what `queues --json` prints.
type queuesJSON struct {
	Placement string            `json:"placement"`
	Queues    []proto.QueueInfo `json:"queues"`
}

// printQueues prints one line per queue, children indented under their
// parent. Percentages are of the whole cluster.
func printQueues(w io.Writer, qs []proto.QueueInfo, placement string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tGUARANTEED\tMAXIMUM\tUSED\tRUNNING\tPENDING\tCONTAINERS WAITING\tORDERING")
	for _, q := range qs {
		if !strings.Contains(q.Path, ".") {
			continue // the root
		}
		indent := strings.Repeat("  ", strings.Count(q.Path, ".")-1)
		fmt.Fprintf(tw, "%s%s\t%.1f%%\t%.1f%%\t%.1f%%\t%d\t%d\t%d\t%s\n", indent, q.Name,
			q.Guaranteed, q.Maximum, q.Used, q.RunningApps, q.PendingApps, q.PendingContainers, q.Ordering)
	}
	fmt.Fprintf(tw, "placement: %s\n", placement)
	return tw.Flush()
}
