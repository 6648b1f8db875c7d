package cache

import (
	"context"
	"sync"
	"time"

	"store/internal/model"
)

const (
	// OrderExpireTime how long an order record stays in the cache
	OrderExpireTime = 10 * time.Minute
)

// OrderCache cache of order records, keyed by id
type OrderCache interface {
	Set(ctx context.Context, id uint64, data *model.Order, duration time.Duration) error
	Get(ctx context.Context, id uint64) (*model.Order, error)
	Del(ctx context.Context, id uint64) error
}

type orderCache struct {
	mu    sync.RWMutex
	items map[uint64]orderEntry
}

type orderEntry struct {
	data     model.Order
	expireAt time.Time
}

// NewOrderCache new an in-process order cache
func NewOrderCache() OrderCache {
	return &orderCache{items: make(map[uint64]orderEntry)}
}

// Set cache a copy of the record
func (c *orderCache) Set(ctx context.Context, id uint64, data *model.Order, duration time.Duration) error {
	if data == nil || id == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[id] = orderEntry{data: *data, expireAt: time.Now().Add(duration)}
	return nil
}

// Get a copy of the cached record
func (c *orderCache) Get(ctx context.Context, id uint64) (*model.Order, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	entry, ok := c.items[id]
	if !ok || time.Now().After(entry.expireAt) {
		return nil, ErrCacheNotFound
	}
	data := entry.data
	return &data, nil
}

// Del remove the record from the cache
func (c *orderCache) Del(ctx context.Context, id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, id)
	return nil
}
