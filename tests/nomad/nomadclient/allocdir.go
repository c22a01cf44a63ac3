package nomadclient

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// AllocDir is an allocation directory laid out like the client's allocdir package: alloc/{data,
// logs,tmp} shared by the group, and <task>/{local,secrets,private,tmp} per task.
type AllocDir struct {
	AllocID string
	Dir     string
}

// NewUUID returns a random v4 UUID, as Nomad's IDs are.
func NewUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NewAllocDir creates an alloc dir under base.
func NewAllocDir(base string) (*AllocDir, error) {
	id := NewUUID()
	a := &AllocDir{AllocID: id, Dir: filepath.Join(base, id)}
	for _, d := range []string{"alloc/data", "alloc/logs", "alloc/tmp"} {
		if err := os.MkdirAll(filepath.Join(a.Dir, d), 0o777); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// TaskDirs creates the task's directories.
func (a *AllocDir) TaskDirs(task string) error {
	for _, d := range []string{"local", "secrets", "private", "tmp"} {
		if err := os.MkdirAll(filepath.Join(a.Dir, task, d), 0o777); err != nil {
			return err
		}
	}
	return nil
}

// LogFile is the file logmon writes a stream of a task to (index 0 of the rotation).
func (a *AllocDir) LogFile(task, stream string) string {
	return filepath.Join(a.Dir, "alloc", "logs", task+"."+stream+".0")
}

// FifoPath is where the client puts a task's log fifo (alloc/logs/.<task>.<stream>.fifo).
func (a *AllocDir) FifoPath(task, stream string) string {
	return filepath.Join(a.Dir, "alloc", "logs", "."+task+"."+stream+".fifo")
}

// TaskEnv is the environment the client builds for a task (the subset the plugin sees).
func (a *AllocDir) TaskEnv(task string, cpu, memMB int64) map[string]string {
	return map[string]string{
		"NOMAD_ALLOC_DIR":    "/alloc",
		"NOMAD_TASK_DIR":     "/local",
		"NOMAD_SECRETS_DIR":  "/secrets",
		"NOMAD_TASK_NAME":    task,
		"NOMAD_ALLOC_ID":     a.AllocID,
		"NOMAD_ALLOC_NAME":   fmt.Sprintf("job.%s[0]", "group"),
		"NOMAD_ALLOC_INDEX":  "0",
		"NOMAD_JOB_NAME":     "job",
		"NOMAD_JOB_ID":       "job",
		"NOMAD_GROUP_NAME":   "group",
		"NOMAD_NAMESPACE":    "default",
		"NOMAD_CPU_LIMIT":    strconv.FormatInt(cpu, 10),
		"NOMAD_MEMORY_LIMIT": strconv.FormatInt(memMB, 10),
	}
}
