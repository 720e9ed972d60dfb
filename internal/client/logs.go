package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// Logs returns the captured output of an application's containers,
// sorted by container ID. It asks every worker that ran a container or a
// task attempt of the application (as Status reports them). For a worker
// that does not answer (a lost one), it takes the logs its containers left
// in the cluster's logs bucket when they exited; workers whose logs are
// missing all the same are named in the returned error, joined.
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
	for i, w := range workers {
		if errs[i] != nil {
			logs[i], errs[i] = c.collectedLogs(ctx, app, w, errs[i])
		}
	}
	all := slices.Concat(logs...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].ContainerID < all[j].ContainerID })
	return all, errors.Join(errs...)
}

// collectedLogs returns the logs that worker's containers of app left in
// the logs bucket; cause stays the error if some container's are missing.
func (c *Client) collectedLogs(ctx context.Context, app proto.App, worker string, cause error) ([]proto.ContainerLog, error) {
	js, err := jetstream.New(c.nc)
	if err != nil {
		return nil, cause
	}
	obs, err := js.ObjectStore(ctx, proto.LogsBucket)
	if err != nil {
		return nil, cause
	}
	var out []proto.ContainerLog
	missing := false
	for _, ct := range app.Containers {
		if ct.WorkerID != worker {
			continue
		}
		data, err := obs.GetBytes(ctx, proto.LogName(app.ID, ct.ID))
		var l proto.ContainerLog
		if err != nil || json.Unmarshal(data, &l) != nil {
			missing = true
			continue
		}
		out = append(out, l)
	}
	if missing {
		return out, cause
	}
	return out, nil
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
