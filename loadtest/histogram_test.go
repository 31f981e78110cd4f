package loadtest

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsRoundTrip(t *testing.T) {
	prev := -1
	for _, v := range []int64{0, 1, 127, 128, 255, 256, 257, 1000, 1 << 20, 1<<40 + 12345, 1<<62 + 1} {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d, below the previous bucket %d", v, b, prev)
		}
		prev = b
		hi := bucketValue(b)
		if hi < v {
			t.Fatalf("bucketValue(bucketOf(%d)) = %d, below the value", v, hi)
		}
		if float64(hi-v) > float64(v)/subCount {
			t.Fatalf("bucket of %d tops at %d: error above 1/%d", v, hi, subCount)
		}
		if bucketOf(hi) != b {
			t.Fatalf("top of bucket %d (%d) maps to bucket %d", b, hi, bucketOf(hi))
		}
	}
}

func TestQuantilesMatchSortedValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]int64, 100000)
	for i := range vals {
		vals[i] = int64(r.ExpFloat64() * 5000) // µs, long tail
		h.RecordValue(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[int(q*float64(len(vals)))-1]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/subCount+1 {
			t.Errorf("q%.3f = %d, exact %d", q, got, exact)
		}
	}
	if h.Max() != vals[len(vals)-1] || h.Quantile(1) != h.Max() {
		t.Errorf("max %d / q1 %d, want %d", h.Max(), h.Quantile(1), vals[len(vals)-1])
	}
	if h.Count() != int64(len(vals)) {
		t.Errorf("count %d", h.Count())
	}
}

func TestEmptyAndNegative(t *testing.T) {
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	h.Record(-time.Second)
	if h.Quantile(0.5) != 0 || h.Count() != 1 {
		t.Fatalf("negative value: q50 %d count %d", h.Quantile(0.5), h.Count())
	}
}

func TestMergeEqualsRecordingEverything(t *testing.T) {
	var a, b, all Histogram
	for i := int64(0); i < 5000; i++ {
		v := i * i % 77777
		all.RecordValue(v)
		if i%3 == 0 {
			a.RecordValue(v)
		} else {
			b.RecordValue(v)
		}
	}
	// Round-trip b through JSON, as a child process's result does.
	raw, err := json.Marshal(&b)
	if err != nil {
		t.Fatal(err)
	}
	var b2 Histogram
	if err := json.Unmarshal(raw, &b2); err != nil {
		t.Fatal(err)
	}
	a.Merge(&b2)
	for _, q := range []float64{0.1, 0.5, 0.9, 0.99, 0.999, 1} {
		if a.Quantile(q) != all.Quantile(q) {
			t.Errorf("q%v: merged %d, direct %d", q, a.Quantile(q), all.Quantile(q))
		}
	}
	if a.Count() != all.Count() || a.Max() != all.Max() || a.Mean() != all.Mean() {
		t.Errorf("merged count/max/mean %d/%d/%v, direct %d/%d/%v", a.Count(), a.Max(), a.Mean(), all.Count(), all.Max(), all.Mean())
	}
}

func TestUnmarshalRejectsInconsistentCounts(t *testing.T) {
	var h Histogram
	if err := json.Unmarshal([]byte(`{"count":3,"buckets":{"5":1}}`), &h); err == nil {
		t.Fatal("want an error for buckets that do not add up to count")
	}
	if err := json.Unmarshal([]byte(`{"count":1,"buckets":{"-1":1}}`), &h); err == nil {
		t.Fatal("want an error for a negative bucket")
	}
}
