package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// ProcSample is one reading of a process's CPU time and resident memory.
type ProcSample struct {
	CPUSeconds float64 // utime + stime
	RSSKB      int64   // VmRSS
	Threads    int64
}

// ReadProc samples /proc/PID/stat and /proc/PID/status.
func ReadProc(pid int) (ProcSample, error) {
	var s ProcSample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name may hold spaces and parentheses; the fields start after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("proc: unexpected stat format")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("proc: short stat")
	}
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("proc: bad cpu times")
	}
	s.CPUSeconds = float64(ut+st) / clockTicks
	status, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.RSSKB = n
		case "Threads":
			s.Threads = n
		}
	}
	return s, sc.Err()
}

// ServerCost is what the server process spent, from /proc, around a run.
type ServerCost struct {
	PID           int     `json:"pid"`
	RSSBeforeKB   int64   `json:"rss_before_kb"`   // before any load connection
	RSSLoadedKB   int64   `json:"rss_loaded_kb"`   // with every connection ready
	RSSPerConnKB  float64 `json:"rss_per_conn_kb"` // (loaded − before) / connections
	CPUSeconds    float64 `json:"cpu_seconds"`     // utime+stime during the measured phase
	CPUPerDelivUS float64 `json:"cpu_us_per_delivery,omitempty"`
	CPUPerSendUS  float64 `json:"cpu_us_per_send,omitempty"`
	ConnectCPUUS  float64 `json:"cpu_us_per_connect,omitempty"`
}

// CostProbe samples a server process at the phase boundaries of a run.
type CostProbe struct {
	PID                   int
	before, loaded, start ProcSample
	connStart             ProcSample
	err                   error
}

func (p *CostProbe) sample() ProcSample {
	if p == nil || p.PID <= 0 {
		return ProcSample{}
	}
	s, err := ReadProc(p.PID)
	if err != nil && p.err == nil {
		p.err = err
	}
	return s
}

// BeforeConnect, Loaded, StartMeasure are the phase boundaries; Finish computes the cost.
// A nil probe does nothing.
func (p *CostProbe) BeforeConnect() {
	if p != nil {
		p.before = p.sample()
		p.connStart = p.before
	}
}

func (p *CostProbe) Loaded() {
	if p != nil {
		p.loaded = p.sample()
	}
}

func (p *CostProbe) StartMeasure() {
	if p != nil {
		p.start = p.sample()
	}
}

// Finish fills r.Server from the samples; it does nothing without a PID.
func (p *CostProbe) Finish(r *Result) {
	if p == nil || p.PID <= 0 {
		return
	}
	end := p.sample()
	if p.err != nil {
		r.Notes = append(r.Notes, "server /proc: "+p.err.Error())
		return
	}
	c := &ServerCost{PID: p.PID, RSSBeforeKB: p.before.RSSKB, RSSLoadedKB: p.loaded.RSSKB,
		CPUSeconds: end.CPUSeconds - p.start.CPUSeconds}
	if r.Conns > 0 {
		c.RSSPerConnKB = float64(p.loaded.RSSKB-p.before.RSSKB) / float64(r.Conns)
		c.ConnectCPUUS = (p.loaded.CPUSeconds - p.connStart.CPUSeconds) * 1e6 / float64(r.Conns)
	}
	if r.Deliveries > 0 {
		c.CPUPerDelivUS = c.CPUSeconds * 1e6 / float64(r.Deliveries)
	}
	if r.Acks > 0 {
		c.CPUPerSendUS = c.CPUSeconds * 1e6 / float64(r.Acks)
	}
	r.Server = c
}
