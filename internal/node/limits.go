package node

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// redisStorage keeps the REST rate limiter's counters in Redis, so that a client meets the same
// limit whichever node its requests land on. It implements fiber.Storage.
type redisStorage struct {
	c      *redis.Client
	prefix string
}

const limiterTimeout = time.Second

// limiterStorage is Redis when the node has it (REDIS_URL), else nil: counters in memory.
// When Redis fails the limiter counts nothing (it fails open) rather than refusing logins.
func (n *Node) limiterStorage() fiber.Storage {
	if n.redis == nil {
		return nil
	}
	return redisStorage{c: n.redis, prefix: n.cfg.RedisPrefix}
}

func (s redisStorage) key(k string) string { return s.prefix + "ratelimit:" + k }

func (s redisStorage) Get(key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
	defer cancel()
	v, err := s.c.Get(ctx, s.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}

func (s redisStorage) Set(key string, val []byte, exp time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
	defer cancel()
	return s.c.Set(ctx, s.key(key), val, exp).Err()
}

func (s redisStorage) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), limiterTimeout)
	defer cancel()
	return s.c.Del(ctx, s.key(key)).Err()
}

// Reset is not supported across nodes: limits expire on their own.
func (s redisStorage) Reset() error { return nil }

// Close leaves the client to the node, which shares it with presence.
func (s redisStorage) Close() error { return nil }
