package dao

import (
	"context"
	"errors"
	"strconv"

	"github.com/go-dev-frame/sponge/pkg/sgorm/query"
	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"store/internal/cache"
	"store/internal/model"
)

var _ CouponDao = (*couponDao)(nil)

// CouponDao defining the dao interface
type CouponDao interface {
	Create(ctx context.Context, table *model.Coupon) error
	DeleteByID(ctx context.Context, id uint64) error
	UpdateByID(ctx context.Context, table *model.Coupon) error
	GetByID(ctx context.Context, id uint64) (*model.Coupon, error)
	GetByColumns(ctx context.Context, params *query.Params) ([]*model.Coupon, int64, error)

	CreateByTx(ctx context.Context, tx *gorm.DB, table *model.Coupon) (uint64, error)
	DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error
	UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.Coupon) error
}

type couponDao struct {
	db    *gorm.DB
	cache cache.CouponCache   // if nil, the cache is not used.
	sfg   *singleflight.Group // if cache is nil, the sfg is not used.
}

// NewCouponDao creating the dao interface
func NewCouponDao(db *gorm.DB, xCache cache.CouponCache) CouponDao {
	if xCache == nil {
		return &couponDao{db: db}
	}
	return &couponDao{
		db:    db,
		cache: xCache,
		sfg:   new(singleflight.Group),
	}
}

func (d *couponDao) deleteCache(ctx context.Context, id uint64) error {
	if d.cache != nil {
		return d.cache.Del(ctx, id)
	}
	return nil
}

// Create a new coupon, insert the record and the id value is written back to the table
func (d *couponDao) Create(ctx context.Context, table *model.Coupon) error {
	return d.db.WithContext(ctx).Create(table).Error
}

// DeleteByID delete a coupon by id
func (d *couponDao) DeleteByID(ctx context.Context, id uint64) error {
	err := d.db.WithContext(ctx).Where("id = ?", id).Delete(&model.Coupon{}).Error
	if err != nil {
		return err
	}

	// delete cache
	_ = d.deleteCache(ctx, id)

	return nil
}

// UpdateByID update a coupon by id, only the non-zero fields of table are written
func (d *couponDao) UpdateByID(ctx context.Context, table *model.Coupon) error {
	err := d.updateDataByID(ctx, d.db, table)

	// delete cache
	_ = d.deleteCache(ctx, table.ID)

	return err
}

func (d *couponDao) updateDataByID(ctx context.Context, db *gorm.DB, table *model.Coupon) error {
	if table.ID < 1 {
		return errors.New("id cannot be 0")
	}

	update := map[string]interface{}{}

	if table.Code != "" {
		update["code"] = table.Code
	}
	if table.CustomerID != 0 {
		update["customer_id"] = table.CustomerID
	}
	if table.BatchNo != "" {
		update["batch_no"] = table.BatchNo
	}
	if table.Title != "" {
		update["title"] = table.Title
	}
	if table.DiscountAmount != 0 {
		update["discount_amount"] = table.DiscountAmount
	}
	if table.MinSpend != 0 {
		update["min_spend"] = table.MinSpend
	}
	if table.Status != 0 {
		update["status"] = table.Status
	}
	if !table.ExpiresAt.IsZero() {
		update["expires_at"] = table.ExpiresAt
	}
	if table.UsedAt != nil {
		update["used_at"] = table.UsedAt
	}
	if table.OrderID != 0 {
		update["order_id"] = table.OrderID
	}

	return db.WithContext(ctx).Model(table).Updates(update).Error
}

// GetByID get a coupon by id, from the cache when it holds the record
func (d *couponDao) GetByID(ctx context.Context, id uint64) (*model.Coupon, error) {
	// no cache
	if d.cache == nil {
		record := &model.Coupon{}
		err := d.db.WithContext(ctx).Where("id = ?", id).First(record).Error
		return record, err
	}

	// get from cache
	record, err := d.cache.Get(ctx, id)
	if err == nil {
		return record, nil
	}

	// cache miss: get from the database, merging concurrent requests for the same id
	if errors.Is(err, cache.ErrCacheNotFound) {
		val, err, _ := d.sfg.Do(strconv.FormatUint(id, 10), func() (interface{}, error) {
			table := &model.Coupon{}
			err := d.db.WithContext(ctx).Where("id = ?", id).First(table).Error
			if err != nil {
				return nil, err
			}
			_ = d.cache.Set(ctx, id, table, cache.CouponExpireTime)
			return table, nil
		})
		if err != nil {
			return nil, err
		}
		table, ok := val.(*model.Coupon)
		if !ok {
			return nil, gorm.ErrRecordNotFound
		}
		return table, nil
	}

	// fail fast, if cache error is not cache.ErrCacheNotFound
	return nil, err
}

// GetByColumns get a paginated list of coupons by custom conditions
func (d *couponDao) GetByColumns(ctx context.Context, params *query.Params) ([]*model.Coupon, int64, error) {
	queryStr, args, err := params.ConvertToGormConditions()
	if err != nil {
		return nil, 0, errors.New("query params error: " + err.Error())
	}

	var total int64
	if params.Sort != "ignore count" { // determine if count is required
		err = d.db.WithContext(ctx).Model(&model.Coupon{}).Where(queryStr, args...).Count(&total).Error
		if err != nil {
			return nil, 0, err
		}
		if total == 0 {
			return nil, total, nil
		}
	}

	records := []*model.Coupon{}
	order, limit, offset := params.ConvertToPage()
	err = d.db.WithContext(ctx).Order(order).Limit(limit).Offset(offset).Where(queryStr, args...).Find(&records).Error
	if err != nil {
		return nil, 0, err
	}

	return records, total, err
}

// CreateByTx create a coupon in the database using the provided transaction
func (d *couponDao) CreateByTx(ctx context.Context, tx *gorm.DB, table *model.Coupon) (uint64, error) {
	err := tx.WithContext(ctx).Create(table).Error
	return table.ID, err
}

// DeleteByTx delete a coupon by id in the database using the provided transaction
func (d *couponDao) DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error {
	err := tx.WithContext(ctx).Where("id = ?", id).Delete(&model.Coupon{}).Error
	if err != nil {
		return err
	}

	// delete cache
	_ = d.deleteCache(ctx, id)

	return nil
}

// UpdateByTx update a coupon by id in the database using the provided transaction
func (d *couponDao) UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.Coupon) error {
	err := d.updateDataByID(ctx, tx, table)

	// delete cache
	_ = d.deleteCache(ctx, table.ID)

	return err
}
