package model

import (
	"time"

	"gorm.io/gorm"
)

// coupon.status values, the same numbers as storeV1.CouponStatus
const (
	CouponStatusIssued  = 1 // issued to a customer, not used yet
	CouponStatusUsed    = 2 // redeemed on an order
	CouponStatusExpired = 3 // expired before it was used
	CouponStatusRevoked = 4 // revoked by an operator
)

// Coupon 优惠券 one coupon held by one customer
type Coupon struct {
	ID             uint64         `gorm:"column:id;type:bigint(20) unsigned;primary_key;AUTO_INCREMENT" json:"id"`
	CreatedAt      time.Time      `gorm:"column:created_at;type:datetime" json:"createdAt"`
	UpdatedAt      time.Time      `gorm:"column:updated_at;type:datetime" json:"updatedAt"`
	DeletedAt      gorm.DeletedAt `gorm:"column:deleted_at;type:datetime;index" json:"deletedAt"`
	Code           string         `gorm:"column:code;type:varchar(32);uniqueIndex;not null" json:"code"` // coupon code, unique
	CustomerID     uint64         `gorm:"column:customer_id;type:bigint(20) unsigned;index:idx_customer_batch" json:"customerID"`
	BatchNo        string         `gorm:"column:batch_no;type:varchar(64);index:idx_customer_batch" json:"batchNo"` // campaign/batch number
	Title          string         `gorm:"column:title;type:varchar(128)" json:"title"`
	DiscountAmount int64          `gorm:"column:discount_amount;type:bigint(20);not null" json:"discountAmount"` // cents
	MinSpend       int64          `gorm:"column:min_spend;type:bigint(20);not null;default:0" json:"minSpend"`   // cents, 0 = no threshold
	Status         int            `gorm:"column:status;type:tinyint(4);not null;default:1" json:"status"`        // see CouponStatus* constants
	ExpiresAt      time.Time      `gorm:"column:expires_at;type:datetime;not null" json:"expiresAt"`
	UsedAt         *time.Time     `gorm:"column:used_at;type:datetime" json:"usedAt"`
	OrderID        uint64         `gorm:"column:order_id;type:bigint(20) unsigned;not null;default:0" json:"orderID"` // order it was redeemed on
}

// TableName table name
func (m *Coupon) TableName() string {
	return "coupon"
}
