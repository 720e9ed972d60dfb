package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"spindle/internal/proto"
)

// twoQueues splits the cluster evenly between batch and prod, each able
// to borrow all of it.
const twoQueues = `queues:
  - name: batch
    capacity: 50
    max-capacity: 100
  - name: prod
    capacity: 50
    max-capacity: 100
`

// startQueueCluster is startCluster with a coordinator scheduling by the
// queue file (and a short preemption grace).
func startQueueCluster(t *testing.T, n int, queuesYAML string) *cluster {
	t.Helper()
	c := &cluster{dir: t.TempDir()}
	qfile := filepath.Join(c.dir, "queues.yaml")
	if err := os.WriteFile(qfile, []byte(queuesYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	c.url = fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))
	c.start(t, "coordinator", "coordinator", "--listen", strings.TrimPrefix(c.url, "nats://"),
		"--http", "", "--data-dir", filepath.Join(c.dir, "coordinator"),
		"--queues", qfile, "--preempt-grace", "1s")
	c.waitFor(t, 20*time.Second, "the coordinator to answer", func() bool {
		return spindle(t, 10*time.Second, "nodes", "--coordinator", c.url).code == 0
	})
	for i := range n {
		w := c.start(t, fmt.Sprintf("worker-%d", i), "worker", "--coordinator", c.url,
			"--data-dir", filepath.Join(c.dir, fmt.Sprintf("worker-%d", i)), "--vcores", "2", "--memory", "4GiB")
		c.workers = append(c.workers, w)
	}
	c.waitFor(t, 20*time.Second, fmt.Sprintf("%d running workers", n), func() bool {
		return len(c.nodes(t, proto.NodeRunning)) == n
	})
	return c
}

// running counts an application's running executors.
func running(a proto.App) int {
	n := 0
	for _, c := range a.Containers {
		if c.Role == proto.RoleExecutor && c.State == proto.ContainerRunning {
			n++
		}
	}
	return n
}

// submitDetached submits a job and returns its application ID.
func (c *cluster) submitDetached(t *testing.T, queue, bin string, args ...string) string {
	t.Helper()
	r := spindle(t, 2*time.Minute, append([]string{"submit", "--detach", "--coordinator", c.url, "--queue", queue, bin, "--"}, args...)...)
	if r.code != 0 {
		t.Fatalf("submit to %s: exit %d\n%s", queue, r.code, r.stderr)
	}
	return strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
}

// TestPreemptionGivesStarvedQueueItsShare: a slow job in batch takes the
// whole cluster (4 vcores); a word count submitted to prod then gets its
// half by preemption of batch's executors; both outputs are exact.
func TestPreemptionGivesStarvedQueueItsShare(t *testing.T) {
	c := startQueueCluster(t, 2, twoQueues)
	tmp := t.TempDir()
	input := filepath.Join(tmp, "lines.txt")
	var want []string
	for i := range 120 {
		want = append(want, fmt.Sprintf("line %03d of the slow job's input", i))
	}
	os.WriteFile(input, []byte(strings.Join(want, "\n")+"\n"), 0o644)
	slices.Sort(want)

	slowOut, wcOut := filepath.Join(tmp, "slow"), filepath.Join(tmp, "wc")
	slowApp := c.submitDetached(t, "batch", slowBin(t), "--input", input, "--output", slowOut,
		"--delay", "150ms", "--split-size", "400B")
	c.waitFor(t, 30*time.Second, "the batch job to fill the cluster", func() bool {
		return running(c.status(t, slowApp)) == 3
	})
	checkQueuesJSON(t, c, "batch", 100)

	wcApp := c.submitDetached(t, "prod", wordcountBin, "--input", "../testdata/wordcount/*.txt", "--output", wcOut)
	c.waitFor(t, 30*time.Second, "prod's job master and an executor", func() bool {
		return running(c.status(t, wcApp)) >= 1 || proto.Final(c.status(t, wcApp).State)
	})
	for _, app := range []string{wcApp, slowApp} {
		c.waitFor(t, 90*time.Second, app+" to end", func() bool { return proto.Final(c.status(t, app).State) })
		if st := c.status(t, app); st.State != proto.StateFinished {
			t.Fatalf("%s ended %s: %s", app, st.State, st.Diagnostics)
		}
	}
	if !preempted(c.status(t, slowApp)) {
		t.Errorf("no container of the batch job was preempted")
	}
	if got := outputLines(t, slowOut); !slices.Equal(got, want) {
		t.Errorf("slow job output differs: %s", diffLines(got, want))
	}
	if got, want := outputLines(t, wcOut), referenceCounts(t, fixtures(t)); !slices.Equal(got, want) {
		t.Errorf("word count differs from the reference: %s", diffLines(got, want))
	}
}

func preempted(a proto.App) bool {
	for _, c := range a.Containers {
		if strings.HasPrefix(c.Error, "preempted") {
			return true
		}
	}
	return false
}

// checkQueuesJSON checks `spindle queues --json` lists the two queues and
// the named one's used share.
func checkQueuesJSON(t *testing.T, c *cluster, name string, used float64) {
	t.Helper()
	r := spindle(t, 10*time.Second, "queues", "--json", "--coordinator", c.url)
	var rep struct {
		Placement string            `json:"placement"`
		Queues    []proto.QueueInfo `json:"queues"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 0 {
		t.Fatalf("queues --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	for _, q := range rep.Queues {
		if q.Name == name && (q.Used != used || q.Guaranteed != 50 || q.RunningApps != 1) {
			t.Errorf("queue %s = %+v, want used %v%%, guaranteed 50%%, one running app", name, q, used)
		}
	}
	if len(rep.Queues) != 3 || rep.Placement != "least-loaded" {
		t.Errorf("queues = %+v placement %q, want root, batch, prod and least-loaded", rep.Queues, rep.Placement)
	}
}

func TestSubmitRefusals(t *testing.T) {
	c := startQueueCluster(t, 1, twoQueues)
	for _, tt := range []struct{ queue, want string }{
		{"nope", `unknown queue "nope" (this cluster has: batch, prod)`},
	} {
		r := spindle(t, time.Minute, "submit", "--coordinator", c.url, "--queue", tt.queue, wordcountBin, "--",
			"--input", "../testdata/wordcount", "--output", filepath.Join(t.TempDir(), "o"))
		if r.code == 0 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("submit --queue %s: exit %d, stderr %q; want an error with %q", tt.queue, r.code, r.stderr, tt.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("queues:\n  - name: a\n    capacity: 60\n  - name: b\n    capacity: 30\n"), 0o644)
	r := spindle(t, 10*time.Second, "coordinator", "--queues", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "line 2: capacities of the queues under root sum to 90") {
		t.Errorf("coordinator with a bad queue file: exit %d, stderr %q", r.code, r.stderr)
	}
}

// slowBin is the slow test job.
func slowBin(t *testing.T) string { return testJob(t, "slow") }
