//go:build faultinject

package hub

import (
	"os"
	"strconv"
	"sync/atomic"
)

// This file is compiled only into debug builds (go build -tags faultinject), for the history
// checker's own test: FECHATTER_FAULT_DROP_SEQ=N makes the node silently skip the first live
// delivery of a timeline event with seq N to one connection, as a broken hub would. The checker
// must then report a gap.

var dropSeq, _ = strconv.ParseInt(os.Getenv("FECHATTER_FAULT_DROP_SEQ"), 10, 64)

var dropped atomic.Bool

// dropDelivery reports whether to lose this delivery.
func dropDelivery(seq int64) bool {
	return dropSeq > 0 && seq == dropSeq && dropped.CompareAndSwap(false, true)
}
