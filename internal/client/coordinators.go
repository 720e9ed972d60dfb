package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"spindle/internal/proto"
)

// GatherTime is how long Coordinators collects answers: every
// coordinator, leader or standby, answers at once.
const GatherTime = 500 * time.Millisecond

// Coordinators asks every coordinator of the cluster for its view of the
// leader election and returns their answers, the leader first, then by
// name. No answer at all is ErrUnreachable.
func (c *Client) Coordinators(ctx context.Context) ([]proto.CoordinatorInfo, error) {
	inbox := c.nc.NewRespInbox()
	sub, err := c.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	defer sub.Unsubscribe()
	if err := c.nc.PublishRequest(proto.SubjCoordinators, inbox, nil); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, GatherTime)
	defer cancel()
	var infos []proto.CoordinatorInfo
	for {
		msg, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			break // the gathering time is over
		}
		var info proto.CoordinatorInfo
		if msg.Header.Get("Status") != "" || json.Unmarshal(msg.Data, &info) != nil || info.Name == "" {
			continue // a no-responders status, or not an answer
		}
		infos = append(infos, info)
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("%w at %s: no coordinator answered on %s within %v", ErrUnreachable, c.url, proto.SubjCoordinators, GatherTime)
	}
	slices.SortFunc(infos, func(a, b proto.CoordinatorInfo) int {
		if (a.Role == proto.CoordLeader) != (b.Role == proto.CoordLeader) {
			if a.Role == proto.CoordLeader {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return infos, nil
}
