package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"spindle/internal/proto"
)

// leadersEvery is how often a leading coordinator that embeds a node of
// a NATS cluster checks where its state streams are led.
const leadersEvery = 5 * time.Second

// stateStreams are the streams a new leader reads or opens before it
// serves: the lease, the application and node records, the binaries and
// the buckets jobs share.
var stateStreams = []string{"KV_" + proto.LeaseBucket, "KV_" + proto.AppsBucket, "KV_" + proto.NodesBucket,
	"OBJ_" + proto.BinaryBucket, "KV_" + proto.JobsBucket, "KV_" + proto.SavepointsBucket,
	"OBJ_" + proto.CheckpointBucket, "OBJ_" + proto.LogsBucket}

// keepLeadersAway moves the NATS leadership of the state streams and of
// the JetStream meta group off the leading coordinator's own NATS node
// (srv), while ctx lasts; sys is a connection in srv's system account,
// which the meta group's step-down takes. The usual failure takes a
// coordinator's machine, so its embedded NATS node too: a stream that
// node led elects a new leader, and so does the meta group, which takes
// 4–9 s each. Until the streams have leaders, the new coordinator can
// neither claim nor recover the state; until the meta group has one, no
// consumer can be made (recovery reads through one) and no stream either
// (every job makes some). With both led elsewhere, a failover costs the
// lease's TTL.
//
// Leadership is handed to a named peer, and only while every peer is
// current: a step-down while a peer is lost was seen to stall the
// stream's writes for 8 s (an election instead of a handover), and it
// would gain nothing, as losing this node then too would leave no quorum.
func keepLeadersAway(ctx context.Context, nc, sys *nats.Conn, srv *server.Server, log *slog.Logger) {
	js, err := jetstream.New(nc)
	if err != nil {
		return
	}
	t := time.NewTicker(leadersEvery)
	defer t.Stop()
	for {
		// The first look is one period into the term: a term often
		// starts because a node was just lost, and a peer lost seconds
		// ago may still be reported current.
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, name := range stateStreams {
			to, err := moveStream(ctx, js, nc, name, srv.Name())
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("state stream's NATS leadership not moved off this node", "stream", name, "err", err)
			case to != "":
				log.Info("state stream's NATS leadership moved off this node", "stream", name, "to", to)
			}
		}
		if to, err := moveMeta(ctx, sys, srv); err != nil && ctx.Err() == nil {
			log.Warn("JetStream meta leadership not moved off this node", "err", err)
		} else if to != "" {
			log.Info("JetStream meta leadership moved off this node", "to", to)
		}
	}
}

// moveStream hands stream's leadership to another peer if server leads
// it, and returns that peer.
func moveStream(ctx context.Context, js jetstream.JetStream, nc *nats.Conn, stream, server string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	c := s.CachedInfo().Cluster
	if c == nil || c.Leader != server {
		return "", nil
	}
	var peers []peer
	for _, r := range c.Replicas {
		peers = append(peers, peer{r.Name, r.Current && !r.Offline && r.Active < seenWithin, r.Lag})
	}
	return handOver(ctx, nc, "$JS.API.STREAM.LEADER.STEPDOWN."+stream, peers)
}

// moveMeta hands the meta group's leadership to another server if srv
// leads it, and returns that server.
func moveMeta(ctx context.Context, sys *nats.Conn, srv *server.Server) (string, error) {
	if !srv.JetStreamIsLeader() {
		return "", nil
	}
	jsz, err := srv.Jsz(&server.JSzOptions{})
	if err != nil || jsz.Meta == nil || jsz.Meta.Leader != srv.Name() {
		return "", err
	}
	var peers []peer
	for _, r := range jsz.Meta.Replicas {
		peers = append(peers, peer{r.Name, r.Current && !r.Offline && r.Active < seenWithin, r.Lag})
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return handOver(ctx, sys, "$JS.API.META.LEADER.STEPDOWN", peers)
}

// seenWithin is how recently a peer must have been heard from to be
// handed a leadership (raft heartbeats come every second).
const seenWithin = 2 * time.Second

type peer struct {
	name    string
	current bool
	lag     uint64
}

// successor is the least lagging of peers, or "" if some peer is not
// current (or there is none).
func successor(peers []peer) string {
	if len(peers) == 0 {
		return ""
	}
	next := peers[0]
	for _, p := range peers {
		if !p.current {
			return ""
		}
		if p.lag < next.lag {
			next = p
		}
	}
	return next.name
}

// handOver sends a leader step-down request on subj that names the
// successor among peers as the next leader; with none it does nothing
// and returns "".
func handOver(ctx context.Context, nc *nats.Conn, subj string, peers []peer) (string, error) {
	next := successor(peers)
	if next == "" {
		return "", nil
	}
	req, _ := json.Marshal(map[string]any{"placement": map[string]string{"preferred": next}})
	msg, err := nc.RequestWithContext(ctx, subj, req)
	if err != nil {
		return "", err
	}
	var resp struct {
		Success bool                `json:"success"`
		Error   *jetstream.APIError `json:"error,omitempty"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return "", err
	}
	if resp.Error != nil {
		return "", resp.Error
	}
	if !resp.Success {
		return "", fmt.Errorf("%s: not done", subj)
	}
	return next, nil
}
