package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"spindle/internal/proto"
)

// maxStream is the most of each stdout or stderr a LogsReply carries.
const maxStream = 1 << 20

// truncatedMark starts a stream whose beginning was cut.
const truncatedMark = "[... earlier output truncated ...]\n"

// readLogs returns the logs of every container directory of appID under
// dir, keeping the last limit bytes of each stream.
func readLogs(dir, workerID, appID string, limit int64) ([]proto.ContainerLog, error) {
	if !validID.MatchString(appID) {
		return nil, fmt.Errorf("worker: bad application ID %q", appID)
	}
	entries, err := os.ReadDir(filepath.Join(dir, appID))
	if errors.Is(err, os.ErrNotExist) {
		return []proto.ContainerLog{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("worker: logs: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	logs := []proto.ContainerLog{}
	for _, e := range entries {
		if e.IsDir() {
			logs = append(logs, containerLog(filepath.Join(dir, appID, e.Name()), workerID, e.Name(), limit))
		}
	}
	return logs, nil
}

// readContainerLog returns the log of one container of appID under dir.
func readContainerLog(dir, workerID, appID, containerID string, limit int64) (proto.ContainerLog, error) {
	if !validID.MatchString(appID) || !validID.MatchString(containerID) {
		return proto.ContainerLog{}, fmt.Errorf("worker: bad app or container ID %q/%q", appID, containerID)
	}
	return containerLog(filepath.Join(dir, appID, containerID), workerID, containerID, limit), nil
}

func containerLog(cdir, workerID, containerID string, limit int64) proto.ContainerLog {
	return proto.ContainerLog{
		ContainerID: containerID,
		WorkerID:    workerID,
		Role:        readRole(cdir),
		Stdout:      tail(filepath.Join(cdir, "stdout"), limit),
		Stderr:      tail(filepath.Join(cdir, "stderr"), limit),
	}
}

// readRole returns the role in a container's spec.json, "" if unreadable.
func readRole(cdir string) string {
	data, err := os.ReadFile(filepath.Join(cdir, "spec.json"))
	if err != nil {
		return ""
	}
	var spec proto.ContainerSpec
	json.Unmarshal(data, &spec)
	return spec.Role
}

// tail returns the last limit bytes of a file, marked if cut; a missing
// file reads as "".
func tail(path string, limit int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	mark := ""
	if info.Size() > limit {
		mark = truncatedMark
		if _, err := f.Seek(info.Size()-limit, io.SeekStart); err != nil {
			return ""
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return ""
	}
	return mark + string(data)
}

// logsReply encodes the logs of appID, shrinking every stream's tail
// until the reply fits in maxPayload bytes.
func logsReply(dir, workerID, appID string, maxPayload int64) []byte {
	for limit := int64(maxStream); ; limit /= 2 {
		logs, err := readLogs(dir, workerID, appID, limit)
		rep := proto.LogsReply{Logs: logs}
		if err != nil {
			rep = proto.LogsReply{Error: err.Error(), Logs: []proto.ContainerLog{}}
		}
		data, _ := json.Marshal(rep)
		if int64(len(data)) <= maxPayload {
			return data
		}
		if limit < 1024 {
			data, _ = json.Marshal(proto.LogsReply{Error: "worker: logs do not fit in one message", Logs: []proto.ContainerLog{}})
			return data
		}
	}
}
