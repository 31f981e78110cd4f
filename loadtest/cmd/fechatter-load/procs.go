package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"

	"github.com/fechatter/fechatter/loadtest"
)

// The parent and its children talk over the children's stdin and stdout, one line each:
// the child writes "ready" once its connections are up and waits for "go"; at the end it
// writes its result as one JSON line. Progress and logs go to stderr.

// runChild runs one shard under a parent.
func (m *Main) runChild(ctx context.Context) error {
	in := bufio.NewScanner(m.stdin)
	m.cfg.Progress = m.stderr
	m.cfg.Barrier = func() error {
		fmt.Fprintln(m.stdout, "ready")
		if !in.Scan() || in.Text() != "go" {
			return errors.New("child: parent went away before go")
		}
		return nil
	}
	res, err := loadtest.Run(ctx, m.cfg)
	if err != nil {
		return err
	}
	return json.NewEncoder(m.stdout).Encode(res)
}

type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// runParent starts -procs children of this binary, starts their measured phase together
// once all are connected, samples the server around it, and merges their results.
func (m *Main) runParent(ctx context.Context) (*loadtest.Result, error) {
	n := m.cfg.Procs
	if m.cfg.RunID == "" {
		m.cfg.RunID = loadtest.NewRunID()
	}
	probe := &loadtest.CostProbe{PID: m.serverPID}
	probe.BeforeConnect()
	kids := make([]*child, n)
	defer func() {
		for _, k := range kids {
			if k != nil && k.cmd.ProcessState == nil {
				k.cmd.Process.Kill()
				k.cmd.Wait()
			}
		}
	}()
	for i := range kids {
		k, err := m.startChild(ctx, i)
		if err != nil {
			return nil, err
		}
		kids[i] = k
	}
	for i, k := range kids {
		if !k.lines.Scan() || k.lines.Text() != "ready" {
			return nil, fmt.Errorf("child %d failed before ready: %v", i, k.cmd.Wait())
		}
	}
	probe.Loaded()
	probe.StartMeasure()
	for _, k := range kids {
		fmt.Fprintln(k.stdin, "go")
	}
	parts, err := collect(kids)
	if err != nil {
		return nil, err
	}
	res := loadtest.Merge(parts)
	probe.Finish(res)
	return res, nil
}

func (m *Main) startChild(ctx context.Context, shard int) (*child, error) {
	var args []string
	m.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "procs", "json", "server-pid", "child", "shard", "run-id":
		default:
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	args = append(args, "-child", "-shard="+strconv.Itoa(shard), "-procs="+strconv.Itoa(m.cfg.Procs), "-run-id="+m.cfg.RunID)
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = m.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	return &child{cmd: cmd, stdin: stdin, lines: sc}, nil
}

// collect reads every child's result line and waits for it to exit.
func collect(kids []*child) ([]*loadtest.Result, error) {
	parts := make([]*loadtest.Result, len(kids))
	errs := make([]error, len(kids))
	var wg sync.WaitGroup
	for i, k := range kids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !k.lines.Scan() {
				errs[i] = fmt.Errorf("child %d: no result: %v", i, k.cmd.Wait())
				return
			}
			var r loadtest.Result
			if err := json.Unmarshal(k.lines.Bytes(), &r); err != nil {
				errs[i] = fmt.Errorf("child %d: result: %w", i, err)
			}
			parts[i] = &r
			k.stdin.Close()
			if err := k.cmd.Wait(); err != nil && errs[i] == nil {
				errs[i] = fmt.Errorf("child %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	return parts, errors.Join(errs...)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
