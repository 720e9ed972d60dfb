package worker

import (
	"slices"
	"testing"

	"spindle/internal/proto"
)

// TestContainerEnv checks that a spec's extra environment comes first, so
// that the worker's own Spindle variables win over a clash.
func TestContainerEnv(t *testing.T) {
	env := containerEnv(proto.ContainerSpec{Role: proto.RoleJobMaster,
		Env: map[string]string{proto.EnvSavepoint: "a/1", proto.EnvRole: "bogus"}})
	want := []string{proto.EnvSavepoint + "=a/1", proto.EnvRole + "=bogus", proto.EnvRole + "=" + proto.RoleJobMaster}
	if !slices.Equal(env[:3], want) {
		t.Errorf("containerEnv starts %q, want %q", env[:3], want)
	}
}
