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

var _ OrderDao = (*orderDao)(nil)

// OrderDao defining the dao interface
type OrderDao interface {
	Create(ctx context.Context, table *model.Order) error
	DeleteByID(ctx context.Context, id uint64) error
	UpdateByID(ctx context.Context, table *model.Order) error
	GetByID(ctx context.Context, id uint64) (*model.Order, error)
	GetByColumns(ctx context.Context, params *query.Params) ([]*model.Order, int64, error)

	CreateByTx(ctx context.Context, tx *gorm.DB, table *model.Order) (uint64, error)
	DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error
	UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.Order) error
}

type orderDao struct {
	db    *gorm.DB
	cache cache.OrderCache    // if nil, the cache is not used.
	sfg   *singleflight.Group // if cache is nil, the sfg is not used.
}

// NewOrderDao creating the dao interface
func NewOrderDao(db *gorm.DB, xCache cache.OrderCache) OrderDao {
	if xCache == nil {
		return &orderDao{db: db}
	}
	return &orderDao{
		db:    db,
		cache: xCache,
		sfg:   new(singleflight.Group),
	}
}

func (d *orderDao) deleteCache(ctx context.Context, id uint64) error {
	if d.cache != nil {
		return d.cache.Del(ctx, id)
	}
	return nil
}

// Create a new order, insert the record and the id value is written back to the table
func (d *orderDao) Create(ctx context.Context, table *model.Order) error {
	return d.db.WithContext(ctx).Create(table).Error
}

// DeleteByID delete an order by id
func (d *orderDao) DeleteByID(ctx context.Context, id uint64) error {
	err := d.db.WithContext(ctx).Where("id = ?", id).Delete(&model.Order{}).Error
	if err != nil {
		return err
	}

	// delete cache
	_ = d.deleteCache(ctx, id)

	return nil
}

// UpdateByID update an order by id, only the non-zero fields of table are written
func (d *orderDao) UpdateByID(ctx context.Context, table *model.Order) error {
	err := d.updateDataByID(ctx, d.db, table)

	// delete cache
	_ = d.deleteCache(ctx, table.ID)

	return err
}

func (d *orderDao) updateDataByID(ctx context.Context, db *gorm.DB, table *model.Order) error {
	if table.ID < 1 {
		return errors.New("id cannot be 0")
	}

	update := map[string]interface{}{}

	if table.OrderNo != "" {
		update["order_no"] = table.OrderNo
	}
	if table.CustomerID != 0 {
		update["customer_id"] = table.CustomerID
	}
	if table.Status != 0 {
		update["status"] = table.Status
	}
	if table.Items != "" {
		update["items"] = table.Items
	}
	if table.TotalAmount != 0 {
		update["total_amount"] = table.TotalAmount
	}
	if table.DiscountAmount != 0 {
		update["discount_amount"] = table.DiscountAmount
	}
	if table.PayAmount != 0 {
		update["pay_amount"] = table.PayAmount
	}
	if table.CouponID != 0 {
		update["coupon_id"] = table.CouponID
	}
	if table.ShippingAddress != "" {
		update["shipping_address"] = table.ShippingAddress
	}
	if table.PaymentMethod != "" {
		update["payment_method"] = table.PaymentMethod
	}
	if table.TransactionID != "" {
		update["transaction_id"] = table.TransactionID
	}
	if table.PaidAt != nil {
		update["paid_at"] = table.PaidAt
	}
	if table.Carrier != "" {
		update["carrier"] = table.Carrier
	}
	if table.TrackingNo != "" {
		update["tracking_no"] = table.TrackingNo
	}
	if table.ShippedAt != nil {
		update["shipped_at"] = table.ShippedAt
	}
	if table.CancelReason != "" {
		update["cancel_reason"] = table.CancelReason
	}
	if table.CancelledAt != nil {
		update["cancelled_at"] = table.CancelledAt
	}

	return db.WithContext(ctx).Model(table).Updates(update).Error
}

// GetByID get an order by id, from the cache when it holds the record
func (d *orderDao) GetByID(ctx context.Context, id uint64) (*model.Order, error) {
	// no cache
	if d.cache == nil {
		record := &model.Order{}
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
			table := &model.Order{}
			err := d.db.WithContext(ctx).Where("id = ?", id).First(table).Error
			if err != nil {
				return nil, err
			}
			_ = d.cache.Set(ctx, id, table, cache.OrderExpireTime)
			return table, nil
		})
		if err != nil {
			return nil, err
		}
		table, ok := val.(*model.Order)
		if !ok {
			return nil, gorm.ErrRecordNotFound
		}
		return table, nil
	}

	// fail fast, if cache error is not cache.ErrCacheNotFound
	return nil, err
}

// GetByColumns get a paginated list of orders by custom conditions
func (d *orderDao) GetByColumns(ctx context.Context, params *query.Params) ([]*model.Order, int64, error) {
	queryStr, args, err := params.ConvertToGormConditions()
	if err != nil {
		return nil, 0, errors.New("query params error: " + err.Error())
	}

	var total int64
	if params.Sort != "ignore count" { // determine if count is required
		err = d.db.WithContext(ctx).Model(&model.Order{}).Where(queryStr, args...).Count(&total).Error
		if err != nil {
			return nil, 0, err
		}
		if total == 0 {
			return nil, total, nil
		}
	}

	records := []*model.Order{}
	order, limit, offset := params.ConvertToPage()
	err = d.db.WithContext(ctx).Order(order).Limit(limit).Offset(offset).Where(queryStr, args...).Find(&records).Error
	if err != nil {
		return nil, 0, err
	}

	return records, total, err
}

// CreateByTx create an order in the database using the provided transaction
func (d *orderDao) CreateByTx(ctx context.Context, tx *gorm.DB, table *model.Order) (uint64, error) {
	err := tx.WithContext(ctx).Create(table).Error
	return table.ID, err
}

// DeleteByTx delete an order by id in the database using the provided transaction
func (d *orderDao) DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error {
	err := tx.WithContext(ctx).Where("id = ?", id).Delete(&model.Order{}).Error
	if err != nil {
		return err
	}

	// delete cache
	_ = d.deleteCache(ctx, id)

	return nil
}

// UpdateByTx update an order by id in the database using the provided transaction
func (d *orderDao) UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.Order) error {
	err := d.updateDataByID(ctx, tx, table)

	// delete cache
	_ = d.deleteCache(ctx, table.ID)

	return err
}
