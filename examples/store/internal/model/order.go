package model

import (
	"time"

	"gorm.io/gorm"
)

// order.status values, the same numbers as storeV1.OrderStatus
const (
	OrderStatusPending   = 1 // waiting for payment
	OrderStatusPaid      = 2 // paid, waiting to be shipped
	OrderStatusShipped   = 3 // handed to the carrier
	OrderStatusCompleted = 4 // received by the customer
	OrderStatusCancelled = 5 // cancelled before shipping
)

// Order 订单
type Order struct {
	ID              uint64         `gorm:"column:id;type:bigint(20) unsigned;primary_key;AUTO_INCREMENT" json:"id"`
	CreatedAt       time.Time      `gorm:"column:created_at;type:datetime" json:"createdAt"`
	UpdatedAt       time.Time      `gorm:"column:updated_at;type:datetime" json:"updatedAt"`
	DeletedAt       gorm.DeletedAt `gorm:"column:deleted_at;type:datetime;index" json:"deletedAt"`
	OrderNo         string         `gorm:"column:order_no;type:varchar(32);uniqueIndex;not null" json:"orderNo"`
	CustomerID      uint64         `gorm:"column:customer_id;type:bigint(20) unsigned;index" json:"customerID"`
	Status          int            `gorm:"column:status;type:tinyint(4);not null;default:1" json:"status"`  // see OrderStatus* constants
	Items           string         `gorm:"column:items;type:json" json:"items"`                             // JSON array of OrderItem
	TotalAmount     int64          `gorm:"column:total_amount;type:bigint(20);not null" json:"totalAmount"` // cents
	DiscountAmount  int64          `gorm:"column:discount_amount;type:bigint(20);not null;default:0" json:"discountAmount"`
	PayAmount       int64          `gorm:"column:pay_amount;type:bigint(20);not null" json:"payAmount"`
	CouponID        uint64         `gorm:"column:coupon_id;type:bigint(20) unsigned;not null;default:0" json:"couponID"`
	ShippingAddress string         `gorm:"column:shipping_address;type:varchar(255)" json:"shippingAddress"`
	PaymentMethod   string         `gorm:"column:payment_method;type:varchar(16)" json:"paymentMethod"`
	TransactionID   string         `gorm:"column:transaction_id;type:varchar(64);index" json:"transactionID"`
	PaidAt          *time.Time     `gorm:"column:paid_at;type:datetime" json:"paidAt"`
	Carrier         string         `gorm:"column:carrier;type:varchar(64)" json:"carrier"`
	TrackingNo      string         `gorm:"column:tracking_no;type:varchar(32)" json:"trackingNo"`
	ShippedAt       *time.Time     `gorm:"column:shipped_at;type:datetime" json:"shippedAt"`
	CancelReason    string         `gorm:"column:cancel_reason;type:varchar(255)" json:"cancelReason"`
	CancelledAt     *time.Time     `gorm:"column:cancelled_at;type:datetime" json:"cancelledAt"`
}

// OrderItem one line of an order, stored JSON-encoded in Order.Items
type OrderItem struct {
	ProductID   uint64 `json:"productID"`
	ProductName string `json:"productName"`
	Quantity    uint32 `json:"quantity"`
	UnitPrice   int64  `json:"unitPrice"` // cents
}

// TableName table name
func (m *Order) TableName() string {
	return "order"
}
