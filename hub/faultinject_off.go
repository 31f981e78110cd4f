//go:build !faultinject

package hub

// dropDelivery is the fault-injection hook of debug builds (see faultinject.go); it never
// drops in a normal build.
func dropDelivery(int64) bool { return false }
