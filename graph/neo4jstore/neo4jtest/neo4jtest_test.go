package neo4jtest

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// The lock excludes across processes, as go test's packages are: a child
// asking for Exclusive while this test holds Shared waits until it ends.
func TestExclusiveWaitsForShared(t *testing.T) {
	if os.Getenv("NEO4JTEST_CHILD") == "1" {
		Exclusive(t)
		return
	}
	t.Setenv("NEO4J_URI", "bolt://lock-test.invalid:"+time.Now().Format("150405.000000000"))
	Shared(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestExclusiveWaitsForShared$")
	cmd.Env = append(os.Environ(), "NEO4JTEST_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("Exclusive was granted while Shared was held (child ended: %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	Shared(t)    // a second hold in this process is granted at once,
	Exclusive(t) // even a stronger one (the child waits on shared first)
	_ = cmd.Process.Kill()
	t.Logf("child ended: %v", <-done)
}

func TestSkip(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv("REDTHREAD_SKIP_NEO4J", "1")
	ran := false
	t.Run("skipped", func(t *testing.T) {
		defer func() { ran = t.Skipped() }()
		URI(t)
	})
	if !ran {
		t.Fatal("URI did not skip with REDTHREAD_SKIP_NEO4J=1")
	}
}
