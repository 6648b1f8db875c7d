package cache

import (
	"context"
	"errors"
	"sync"
	"time"

	"store/internal/model"
)

const (
	// CouponExpireTime how long a coupon record stays in the cache
	CouponExpireTime = 10 * time.Minute
)

// ErrCacheNotFound the key is not in the cache (or has expired)
var ErrCacheNotFound = errors.New("cache: key not found")

// CouponCache cache of coupon records, keyed by id
type CouponCache interface {
	Set(ctx context.Context, id uint64, data *model.Coupon, duration time.Duration) error
	Get(ctx context.Context, id uint64) (*model.Coupon, error)
	Del(ctx context.Context, id uint64) error
}

type couponCache struct {
	mu    sync.RWMutex
	items map[uint64]couponEntry
}

type couponEntry struct {
	data     model.Coupon
	expireAt time.Time
}

// NewCouponCache new an in-process coupon cache
func NewCouponCache() CouponCache {
	return &couponCache{items: make(map[uint64]couponEntry)}
}

// Set cache a copy of the record
func (c *couponCache) Set(ctx context.Context, id uint64, data *model.Coupon, duration time.Duration) error {
	if data == nil || id == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[id] = couponEntry{data: *data, expireAt: time.Now().Add(duration)}
	return nil
}

// Get a copy of the cached record
func (c *couponCache) Get(ctx context.Context, id uint64) (*model.Coupon, error) {
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
func (c *couponCache) Del(ctx context.Context, id uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, id)
	return nil
}
