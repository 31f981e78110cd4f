package loadtest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"time"
)

// subBits sets the histogram's precision: each power of two is split into 2^subBits linear
// buckets, so a recorded value is off by at most 1/2^subBits (0.8%) of itself, the
// HDR-histogram scheme with about two significant digits.
const (
	subBits    = 7
	subCount   = 1 << subBits
	maxBuckets = (64 - subBits + 1) * subCount
)

// Histogram records non-negative durations in microseconds in log-linear buckets. The zero
// value is ready to use; it is safe for concurrent use. Histograms from several processes merge
// exactly (bucket counts add up), which is why results carry the buckets, not percentiles.
type Histogram struct {
	mu     sync.Mutex
	counts map[int]int64
	n      int64
	sum    float64
	min    int64
	max    int64
}

// bucketOf maps a value to its bucket index; values below subCount are exact.
func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	exp := bits.Len64(uint64(v)) - subBits // ≥ 1
	return exp*subCount + int(v>>(exp-1)) - subCount
}

// bucketValue is the highest value that falls in bucket i (what percentiles report, like HDR's
// "highest equivalent value").
func bucketValue(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	exp := i / subCount
	mant := int64(i%subCount + subCount)
	lo := mant << (exp - 1)
	return lo + (int64(1) << (exp - 1)) - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) { h.RecordValue(d.Microseconds()) }

// RecordValue adds one value in microseconds; negative values count as 0.
func (h *Histogram) RecordValue(v int64) {
	v = max(v, 0)
	b := bucketOf(v)
	h.mu.Lock()
	if h.counts == nil {
		h.counts = make(map[int]int64)
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.counts[b]++
	h.n++
	h.sum += float64(v)
	h.mu.Unlock()
}

// Count is the number of recorded values.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// Max is the largest recorded value in microseconds (exact).
func (h *Histogram) Max() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.max
}

// Mean is the mean recorded value in microseconds (exact).
func (h *Histogram) Mean() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// Quantile returns the value at quantile q (0..1) in microseconds: the top of the bucket that
// holds the ceil(q·n)-th smallest value, never above the exact maximum. Empty: 0.
func (h *Histogram) Quantile(q float64) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	keys := make([]int, 0, len(h.counts))
	for k := range h.counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var seen int64
	for _, k := range keys {
		seen += h.counts[k]
		if seen >= rank {
			return min(bucketValue(k), h.max)
		}
	}
	return h.max
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o == h {
		return
	}
	o.mu.Lock()
	counts := make(map[int]int64, len(o.counts))
	for k, c := range o.counts {
		counts[k] = c
	}
	n, sum, mn, mx := o.n, o.sum, o.min, o.max
	o.mu.Unlock()
	if n == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.counts == nil {
		h.counts = make(map[int]int64)
	}
	for k, c := range counts {
		h.counts[k] += c
	}
	if h.n == 0 || mn < h.min {
		h.min = mn
	}
	h.max = max(h.max, mx)
	h.n += n
	h.sum += sum
}

// histJSON is the wire form: sparse buckets, exact count, sum, min and max.
type histJSON struct {
	Count   int64            `json:"count"`
	Sum     float64          `json:"sum_us"`
	Min     int64            `json:"min_us"`
	Max     int64            `json:"max_us"`
	Buckets map[string]int64 `json:"buckets,omitempty"`
}

// MarshalJSON writes the buckets so that another process can merge them.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	j := histJSON{Count: h.n, Sum: h.sum, Min: h.min, Max: h.max, Buckets: make(map[string]int64, len(h.counts))}
	for k, c := range h.counts {
		j.Buckets[fmt.Sprint(k)] = c
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var j histJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	counts := make(map[int]int64, len(j.Buckets))
	var n int64
	for k, c := range j.Buckets {
		var i int
		if _, err := fmt.Sscan(k, &i); err != nil || i < 0 || i >= maxBuckets || c < 0 {
			return fmt.Errorf("histogram: bad bucket %q", k)
		}
		counts[i] = c
		n += c
	}
	if n != j.Count {
		return fmt.Errorf("histogram: buckets hold %d values, count says %d", n, j.Count)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts, h.n, h.sum, h.min, h.max = counts, j.Count, j.Sum, j.Min, j.Max
	return nil
}
