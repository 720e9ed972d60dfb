package coordinator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"spindle/internal/proto"
)

// A standby serves no API: 503, with its view of who leads, so that a
// load balancer's health check finds the leader; its metrics say it
// does not lead.
func TestStandbyHTTP(t *testing.T) {
	m := newMetrics()
	m.setLeader(false, 7)
	f := &front{standby: func() proto.CoordinatorInfo {
		return proto.CoordinatorInfo{Name: "c2", Role: proto.CoordStandby, Epoch: 7, Leader: "c1"}
	}}
	h := newHTTPHandler(f, m)
	for _, path := range []string{"/api/v1/apps", "/api/v1/nodes", "/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		var info proto.CoordinatorInfo
		if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &info) != nil ||
			info.Leader != "c1" || info.Error != "this coordinator is not the leader; c1 leads" {
			t.Errorf("GET %s on a standby = %d %s", path, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "spindle_coordinator_leader 0\n") {
		t.Errorf("/metrics on a standby = %d\n%s", rec.Code, rec.Body)
	}
}
