package coordinator

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"spindle/coordinator/cluster"
	"spindle/internal/proto"
)

// newHTTPHandler serves the REST API, the HTML overview and /metrics.
// The API is served by the leader only: a standby answers 503 with its
// view of who leads (clients go to the leader through NATS, and a load
// balancer's health check finds it by the status); /metrics is served by
// every coordinator, each saying whether it leads.
func newHTTPHandler(f *front, m *metrics) http.Handler {
	mux := http.NewServeMux()
	lead := func(fn func(w http.ResponseWriter, r *http.Request, sh *shell)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			sh := f.shell()
			if sh == nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				info := f.standby()
				info.Error = "this coordinator is not the leader"
				if info.Leader != "" {
					info.Error += "; " + info.Leader + " leads"
				}
				writeJSON(w, info)
				return
			}
			fn(w, r, sh)
		}
	}
	mux.HandleFunc("GET /api/v1/apps", lead(func(w http.ResponseWriter, r *http.Request, sh *shell) {
		writeReply(w, sh.apps(proto.AppsRequest{}).(proto.AppsReply))
	}))
	mux.HandleFunc("GET /api/v1/apps/{id}", lead(func(w http.ResponseWriter, r *http.Request, sh *shell) {
		rep := sh.status(proto.StatusRequest{AppID: r.PathValue("id")}).(proto.StatusReply)
		if strings.HasPrefix(rep.Error, "unknown application") {
			w.WriteHeader(http.StatusNotFound)
		}
		writeReply(w, rep)
	}))
	mux.HandleFunc("GET /api/v1/nodes", lead(func(w http.ResponseWriter, r *http.Request, sh *shell) {
		writeReply(w, sh.nodes(proto.NodesRequest{}).(proto.NodesReply))
	}))
	mux.HandleFunc("GET /api/v1/queues", lead(func(w http.ResponseWriter, r *http.Request, sh *shell) {
		writeReply(w, sh.queues(proto.QueuesRequest{}).(proto.QueuesReply))
	}))
	mux.HandleFunc("GET /api/v1/coordinator", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, f.standby())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", lead(func(w http.ResponseWriter, r *http.Request, sh *shell) { sh.overview(w) }))
	return mux
}

func writeReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	writeJSON(w, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

var overviewTmpl = template.Must(template.New("overview").Funcs(template.FuncMap{
	"ago": func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
	"gib": formatGiB,
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Spindle</title>
<meta http-equiv="refresh" content="5">
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>
</head><body>
<h1>Spindle</h1>
<h2>Applications</h2>
<table><tr><th>ID</th><th>Name</th><th>User</th><th>Queue</th><th>State</th><th>Submitted</th><th>Containers</th><th>Diagnostics</th></tr>
{{range .Apps}}<tr><td><a href="/api/v1/apps/{{.ID}}">{{.ID}}</a></td><td>{{.Name}}</td><td>{{.User}}</td><td>{{.Queue}}</td><td>{{.State}}</td><td>{{ago .SubmittedAt}} ago</td><td>{{len .Containers}}</td><td>{{.Diagnostics}}</td></tr>
{{end}}</table>
<h2>Nodes</h2>
<table><tr><th>ID</th><th>Host</th><th>State</th><th>VCores used/total</th><th>Memory GiB used/total</th><th>Containers</th><th>Last heartbeat</th></tr>
{{range .Nodes}}<tr><td>{{.ID}}</td><td>{{.Host}}</td><td>{{.State}}</td><td>{{.Used.VCores}}/{{.Capacity.VCores}}</td><td>{{gib .Used.MemoryBytes}}/{{gib .Capacity.MemoryBytes}}</td><td>{{.Containers}}</td><td>{{ago .LastHeartbeat}} ago</td></tr>
{{end}}</table>
</body></html>
`))

// overview renders the HTML page of applications and nodes.
func (sh *shell) overview(w http.ResponseWriter) {
	var data struct {
		Apps  []proto.App
		Nodes []proto.Node
	}
	err := sh.call(func(st *cluster.State, _ time.Time) cluster.Effects {
		data.Apps, data.Nodes = st.Apps(), st.Nodes()
		return cluster.Effects{}
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	overviewTmpl.Execute(w, data)
}

// metrics are the coordinator's Prometheus gauges, set by the loop on
// every tick, and by the election on every change of role. They outlive
// terms of leadership.
type metrics struct {
	reg                             *prometheus.Registry
	nodes, liveNodes, apps, pending prometheus.Gauge
	leader, epoch                   prometheus.Gauge
}

func newMetrics() *metrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "spindle", Subsystem: "coordinator", Name: name, Help: help})
	}
	m := &metrics{
		reg:       prometheus.NewRegistry(),
		nodes:     g("nodes", "Workers known, live or lost."),
		liveNodes: g("nodes_running", "Workers in state RUNNING."),
		apps:      g("apps_running", "Applications not in a final state."),
		pending:   g("containers_pending", "Container requests waiting for resources."),
		leader:    g("leader", "1 while this coordinator leads, 0 while it stands by."),
		epoch:     g("epoch", "The fencing epoch of the term this coordinator leads or last saw."),
	}
	m.reg.MustRegister(m.nodes, m.liveNodes, m.apps, m.pending, m.leader, m.epoch)
	return m
}

func (m *metrics) setLeader(leading bool, epoch uint64) {
	if leading {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
	m.epoch.Set(float64(epoch))
}

func (m *metrics) set(s cluster.Summary) {
	m.nodes.Set(float64(s.Nodes))
	m.liveNodes.Set(float64(s.LiveNodes))
	m.apps.Set(float64(s.RunningApps))
	m.pending.Set(float64(s.Pending))
}

func formatGiB(b int64) string {
	return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64)
}
