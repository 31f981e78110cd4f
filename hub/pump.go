package hub

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A pump runs the flushes of many connections on one goroutine, trying each frame as a
// non-blocking write first. A room's message used to start one goroutine per member, whose
// creation and scheduling cost about as much as everything else the hub does per member
// outside the write syscall. Now the members' flushes queue on the pumps, one wake-up each,
// and a connection whose socket takes the whole frame (nearly always: the kernel's send
// buffer has room) costs no goroutine at all.
//
// A socket that would block gets a goroutine of its own for the rest of its frame and for
// whatever it queues meanwhile, as before: the pump never waits for a reader, so a stalled
// reader holds up nobody else, and the writer's stall detection and the coalescer work as
// they did. There are GOMAXPROCS pumps, the connections spread over them, so the writes of
// one big room run in parallel where cores allow. A pump's goroutine exists only while it
// has flushes to run.
type pump struct {
	mu      sync.Mutex
	list    []*writer
	running bool
	batch   [][]byte // scratch for the pump's goroutine
}

// pumps are a hub's pumps; next hands them out in turn.
type pumps struct {
	all  []pump
	next atomic.Uint32
}

func newPumps() *pumps { return &pumps{all: make([]pump, runtime.GOMAXPROCS(0))} }

// take returns the pump for a new connection.
func (ps *pumps) take() *pump {
	return &ps.all[int(ps.next.Add(1))%len(ps.all)]
}

// add queues w's flush (w.running is set and w.flushing counts it) and starts the pump's
// goroutine if it is not running.
func (p *pump) add(w *writer) {
	p.mu.Lock()
	p.list = append(p.list, w)
	start := !p.running
	p.running = true
	p.mu.Unlock()
	if start {
		go p.run()
	}
}

func (p *pump) run() {
	var todo []*writer
	for {
		p.mu.Lock()
		if len(p.list) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		todo, p.list = p.list, todo[:0]
		p.mu.Unlock()
		for i, w := range todo {
			p.flush(w)
			todo[i] = nil
		}
	}
}

// flush writes w's queue frame by frame while its socket takes each frame whole; at the first
// frame it does not, a goroutine takes over the flush (the rest of that frame, then w.flush).
func (p *pump) flush(w *writer) {
	for {
		var ok bool
		if p.batch, ok = w.take(p.batch[:0]); !ok {
			w.flushing.Done()
			return
		}
		rest, err := w.try(p.batch)
		clear(p.batch) // the frame holds its own copy; let the events go
		if err != nil {
			w.fail(err)
			w.flushing.Done()
			return
		}
		if rest != nil {
			go func() {
				if err := rest(); err != nil {
					w.fail(err)
					w.flushing.Done()
					return
				}
				w.flush()
			}()
			return
		}
	}
}
