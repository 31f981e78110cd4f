-- Every usage event, once: a retried batch carries the same insert_deduplication_token, and
-- a re-delivered event the same event_id (ReplacingMergeTree collapses it in the key).
CREATE TABLE IF NOT EXISTS {db}.events (
    event_id     UUID,
    kind         LowCardinality(String),
    at           DateTime64(3, 'UTC'),
    source       LowCardinality(String),
    workspace_id UInt64,
    user_id      UInt64,
    chat_id      UInt64,
    code         LowCardinality(String),
    page         LowCardinality(String),
    size         UInt64,
    count        UInt64,
    duration_ms  Float64,
    ip           String,
    props        Map(LowCardinality(String), String),
    INDEX event_id_bf event_id TYPE bloom_filter GRANULARITY 4,
    INDEX user_id_bf user_id TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (workspace_id, kind, at, event_id)
TTL toDateTime(at) + toIntervalSecond({ttl})
SETTINGS non_replicated_deduplication_window = 10000;

-- Hourly and daily rollups by workspace, kind and code: events, distinct users, and the
-- quantiles of duration_ms (send→ack for message_sent, latency for search).
CREATE TABLE IF NOT EXISTS {db}.events_hourly (
    workspace_id UInt64,
    t            DateTime('UTC'),
    kind         LowCardinality(String),
    code         LowCardinality(String),
    events       SimpleAggregateFunction(sum, UInt64),
    users        AggregateFunction(uniqIf, UInt64, UInt8),
    duration     AggregateFunction(quantiles(0.5, 0.99), Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (workspace_id, t, kind, code)
TTL t + toIntervalSecond({ttl})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.events_hourly_mv TO {db}.events_hourly AS
SELECT workspace_id, toStartOfHour(at) AS t, kind, code, count() AS events,
       uniqIfState(user_id, user_id != 0) AS users, quantilesState(0.5, 0.99)(duration_ms) AS duration
FROM {db}.events GROUP BY workspace_id, t, kind, code;

CREATE TABLE IF NOT EXISTS {db}.events_daily (
    workspace_id UInt64,
    t            DateTime('UTC'),
    kind         LowCardinality(String),
    code         LowCardinality(String),
    events       SimpleAggregateFunction(sum, UInt64),
    users        AggregateFunction(uniqIf, UInt64, UInt8),
    duration     AggregateFunction(quantiles(0.5, 0.99), Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (workspace_id, t, kind, code)
TTL t + toIntervalSecond({ttl})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.events_daily_mv TO {db}.events_daily AS
SELECT workspace_id, toDateTime(toStartOfDay(at), 'UTC') AS t, kind, code, count() AS events,
       uniqIfState(user_id, user_id != 0) AS users, quantilesState(0.5, 0.99)(duration_ms) AS duration
FROM {db}.events GROUP BY workspace_id, t, kind, code;

-- Messages per chat and hour, for the top chats.
CREATE TABLE IF NOT EXISTS {db}.chat_hourly (
    workspace_id UInt64,
    t            DateTime('UTC'),
    chat_id      UInt64,
    messages     UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(t)
ORDER BY (workspace_id, t, chat_id)
TTL t + toIntervalSecond({ttl})
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.chat_hourly_mv TO {db}.chat_hourly AS
SELECT workspace_id, toStartOfHour(at) AS t, chat_id, count() AS messages
FROM {db}.events WHERE kind = 'message_sent' GROUP BY workspace_id, t, chat_id;
