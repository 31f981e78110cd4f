// Package presence tracks who is online: a user is online while at least one
// of their connections is open on any hub node. Several tabs and devices of
// one user count as one user.
//
// Two backends have the same method set (Connect, Disconnect, Online, Run);
// the hub declares the interface it needs:
//
//   - Memory, the default: connection counts per user in 64 locked shards.
//     One node only.
//   - Redis, for many nodes (github.com/redis/go-redis/v9, a single server or
//     Redis Cluster). Each node keeps its own counts in memory, where they
//     are authoritative, and mirrors them to Redis.
//
// # Redis layout
//
// With the default prefix "fechatter:":
//
//	fechatter:presence:user:<uid>   sorted set: nodeID -> expiry (unix ms)      TTL 3×TTL
//	fechatter:presence:node:<node>  set of the node's online user IDs          TTL 10×TTL
//	fechatter:presence:nodes        sorted set: nodeID -> last heartbeat (ms)  TTL 10×TTL
//	fechatter:presence:lock:<node>  sweep lock, then "swept" tombstone         PX
//
// Every key has a TTL refreshed while its owner lives, so nothing leaks when
// all nodes stop. Times come from the Redis server clock (Lua TIME), so clock
// skew between nodes does not matter. Each Lua script touches one key,
// which keeps the package valid on Redis Cluster.
//
// Connect and Disconnect update the user's set atomically in one script and
// compute becameOnline/wentOffline from the unexpired entries of other
// nodes; only a user's first connection and last disconnection on a node
// touch Redis. Run heartbeats every Heartbeat (default TTL/3 = 5 s): it
// refreshes the node's score and every local user's expiry with plain
// pipelined ZADD/PEXPIRE per shard (about 130 ms for 20,000 users on this
// project's 2-core machines, BenchmarkHeartbeat20k) and then sweeps: a node whose
// heartbeat is older than TTL is dead; a survivor claims it with SET NX PX
// so only one handles it, removes the node from each of its users' sets,
// calls OnOffline with the users now offline everywhere, and deletes the
// node's keys.
//
// # Offline bound
//
// A crashed node's users are reported offline within TTL + Heartbeat after
// the crash (plus the sweep's own round trips): its last heartbeat is at most
// one Heartbeat old, it is dead TTL later, and a survivor looks every
// Heartbeat. With the defaults that is 15 s + 5 s = 20 s, inside the 30 s the
// product promises. Online stops counting the node's entries already TTL
// after its last heartbeat. OnOffline is at least once: a sweeper that dies
// mid-sweep is retried by another survivor after the lock expires, and a
// user on two dead nodes may be reported twice. Presence events are
// idempotent, so the hub may forward duplicates.
//
// # When Redis is down
//
// Sends never depend on presence. Connect and Disconnect always update the
// local counts; when Redis fails they return becameOnline/wentOffline from
// the local transition together with an error wrapping ErrUnavailable, and
// the caller logs and proceeds. Online answers from local knowledge (users
// connected to this node) plus the error. After a failure the tracker stops
// calling Redis from Connect, Disconnect and Online (they answer at once)
// until a heartbeat of Run's succeeds. The first failure wakes Run, which
// tries one a tenth of a Heartbeat later, so a single call that timed out on
// a busy Redis degrades presence for a moment rather than a whole period;
// while Redis keeps failing, Run retries with a jittered backoff doubling
// from Heartbeat up to TTL, never in a hot loop. The first
// successful heartbeat re-adds every local user (Redis may have come back
// empty), removes entries of users who left meanwhile, and holds off
// sweeping for one TTL so nodes that were cut off together do not sweep each
// other. If this node was itself swept while cut off or stalled (survivors
// reported its users offline), the heartbeat that finds the survivor's
// tombstone re-registers its users and passes all of them to OnOnline.
//
// Lock order: Redis.io[i] before counts.shards[i].mu. No lock is held while
// OnOffline or OnOnline run.
//
// This package imports no other fechatter package.
package presence
