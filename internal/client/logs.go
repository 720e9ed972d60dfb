package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"spindle/internal/proto"
)

// Logs returns the captured output of an application's containers,
// sorted by container ID. It asks every worker that ran a container or a
// task attempt of the application (as Status reports them). Workers that
// do not answer are named in the returned error, joined; the logs of the
// others are returned all the same.
func (c *Client) Logs(ctx context.Context, appID string) ([]proto.ContainerLog, error) {
	app, err := c.Status(ctx, appID)
	if err != nil {
		return nil, err
	}
	workers := appWorkers(app)
	logs := make([][]proto.ContainerLog, len(workers))
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			rep, err := call[proto.LogsReply](ctx, c, proto.WorkerLogs(w), proto.LogsRequest{AppID: appID})
			if err != nil {
				errs[i] = fmt.Errorf("no logs from worker %s: %w", w, err)
			}
			logs[i] = rep.Logs
		})
	}
	wg.Wait()
	all := slices.Concat(logs...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].ContainerID < all[j].ContainerID })
	return all, errors.Join(errs...)
}

// appWorkers returns the sorted IDs of the workers an application ran on.
func appWorkers(app proto.App) []string {
	var ids []string
	for _, ct := range app.Containers {
		ids = append(ids, ct.WorkerID)
	}
	for _, a := range app.Tasks {
		ids = append(ids, a.WorkerID)
	}
	ids = slices.DeleteFunc(ids, func(s string) bool { return s == "" })
	slices.Sort(ids)
	return slices.Compact(ids)
}
