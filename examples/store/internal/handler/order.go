package handler

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-dev-frame/sponge/pkg/gin/middleware"
	"github.com/go-dev-frame/sponge/pkg/logger"
	"github.com/go-dev-frame/sponge/pkg/sgorm/query"
	"gorm.io/gorm"

	storeV1 "store/api/store/v1"
	"store/internal/cache"
	"store/internal/dao"
	"store/internal/database"
	"store/internal/ecode"
	"store/internal/model"
)

var _ storeV1.OrderLogicer = (*orderHandler)(nil)

type orderHandler struct {
	orderDao dao.OrderDao
}

// NewOrderHandler create a handler
func NewOrderHandler() storeV1.OrderLogicer {
	return &orderHandler{
		orderDao: dao.NewOrderDao(
			database.GetDB(),
			cache.NewOrderCache(),
		),
	}
}

// Create 创建订单: create an order, totals are computed from the items
func (h *orderHandler) Create(ctx context.Context, req *storeV1.CreateOrderRequest) (*storeV1.CreateOrderReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	var total int64
	items := make([]model.OrderItem, 0, len(req.Items))
	for _, item := range req.Items {
		total += int64(item.Quantity) * item.UnitPrice
		items = append(items, model.OrderItem{
			ProductID:   item.ProductID,
			ProductName: item.ProductName,
			Quantity:    item.Quantity,
			UnitPrice:   item.UnitPrice,
		})
	}
	itemsJSON, _ := json.Marshal(items)

	order := &model.Order{
		OrderNo:         req.OrderNo,
		CustomerID:      req.CustomerID,
		Status:          model.OrderStatusPending,
		Items:           string(itemsJSON),
		TotalAmount:     total,
		DiscountAmount:  req.DiscountAmount,
		PayAmount:       total - req.DiscountAmount,
		CouponID:        req.CouponID,
		ShippingAddress: req.ShippingAddress,
	}
	err = h.orderDao.Create(ctx, order)
	if err != nil {
		logger.Error("Create error", logger.Err(err), logger.Any("order", order), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.CreateOrderReply{Id: order.ID}, nil
}

// DeleteByID 根据id删除订单
func (h *orderHandler) DeleteByID(ctx context.Context, req *storeV1.DeleteOrderByIDRequest) (*storeV1.DeleteOrderByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	err = h.orderDao.DeleteByID(ctx, req.Id)
	if err != nil {
		logger.Error("DeleteByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.DeleteOrderByIDReply{}, nil
}

// UpdateByID update an order by id
func (h *orderHandler) UpdateByID(ctx context.Context, req *storeV1.UpdateOrderByIDRequest) (*storeV1.UpdateOrderByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	order := &model.Order{
		ID:              req.Id,
		ShippingAddress: req.ShippingAddress,
		Status:          int(req.Status),
	}
	err = h.orderDao.UpdateByID(ctx, order)
	if err != nil {
		logger.Error("UpdateByID error", logger.Err(err), logger.Any("order", order), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.UpdateOrderByIDReply{}, nil
}

// GetByID 根据id获取订单详情 get order details by id
func (h *orderHandler) GetByID(ctx context.Context, req *storeV1.GetOrderByIDRequest) (*storeV1.GetOrderByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	record, err := h.orderDao.GetByID(ctx, req.Id)
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			logger.Warn("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
			return nil, ecode.NotFound.Err()
		}
		logger.Error("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.GetOrderByIDReply{Order: convertOrderPb(record)}, nil
}

// List list orders by paging
func (h *orderHandler) List(ctx context.Context, req *storeV1.ListOrderRequest) (*storeV1.ListOrderReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	params := &query.Params{
		Page:  int(req.Page),
		Limit: int(req.Limit),
		Sort:  req.Sort,
	}
	records, total, err := h.orderDao.GetByColumns(ctx, params)
	if err != nil {
		logger.Error("GetByColumns error", logger.Err(err), logger.Any("params", params), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	orders := make([]*storeV1.OrderDetail, 0, len(records))
	for _, record := range records {
		orders = append(orders, convertOrderPb(record))
	}

	return &storeV1.ListOrderReply{
		Total:  total,
		Orders: orders,
	}, nil
}

// CancelOrder cancels an order that has not shipped: only PENDING or PAID orders can be cancelled,
// any other status returns ErrOrderCannotCancel. Record the reason and the cancel time; for a PAID
// order the reply's refundAmount is the amount paid, otherwise 0.
func (h *orderHandler) CancelOrder(ctx context.Context, req *storeV1.CancelOrderRequest) (*storeV1.CancelOrderReply, error) {
	panic("prompt: CancelOrder cancels an order that has not shipped: only PENDING or PAID orders can be cancelled, any other status returns ErrOrderCannotCancel. Record the reason and the cancel time; for a PAID order the reply's refundAmount is the amount paid, otherwise 0.")

	// fill in the business logic code here
	// example:
	//
	//	    err := req.Validate()
	//	    if err != nil {
	//		    logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InvalidParams.Err()
	//	    }
	//	    _, ctx = middleware.AdaptCtx(ctx)
	//
	//	    reply, err := h.orderDao.CancelOrder(ctx, &model.Order{
	//	     	Id: req.Id,
	//	     	Reason: req.Reason,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("CancelOrder error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.CancelOrderReply{
	//	     	RefundAmount: reply.RefundAmount,
	//	     	CancelledAt: reply.CancelledAt,
	//	    }, nil
}

// PayOrder 订单支付回调：只有待支付(PENDING)的订单可以支付，金额 amount 必须等于订单应付金额 payAmount，否则返回 ErrPayAmountMismatch；
// 支付成功后状态改为已支付(PAID)，并记录支付方式、交易号和支付时间。同一交易号重复回调时直接返回成功（幂等）。
func (h *orderHandler) PayOrder(ctx context.Context, req *storeV1.PayOrderRequest) (*storeV1.PayOrderReply, error) {
	panic("implement me")

	// fill in the business logic code here
	// example:
	//
	//	    err := req.Validate()
	//	    if err != nil {
	//		    logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InvalidParams.Err()
	//	    }
	//	    _, ctx = middleware.AdaptCtx(ctx)
	//
	//	    reply, err := h.orderDao.PayOrder(ctx, &model.Order{
	//	     	Id: req.Id,
	//	     	PaymentMethod: req.PaymentMethod,
	//	     	TransactionID: req.TransactionID,
	//	     	Amount: req.Amount,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("PayOrder error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.PayOrderReply{
	//	     	Status: reply.Status,
	//	     	PaidAt: reply.PaidAt,
	//	    }, nil
}

// ShipOrder marks a PAID order as SHIPPED and records the carrier and the tracking number.
// Orders in any other status are rejected with ErrOrderNotPaid; trackingNo must be 8-32 letters or digits.
func (h *orderHandler) ShipOrder(ctx context.Context, req *storeV1.ShipOrderRequest) (*storeV1.ShipOrderReply, error) {
	panic("implement me")

	// fill in the business logic code here
	// example:
	//
	//	    err := req.Validate()
	//	    if err != nil {
	//		    logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InvalidParams.Err()
	//	    }
	//	    _, ctx = middleware.AdaptCtx(ctx)
	//
	//	    reply, err := h.orderDao.ShipOrder(ctx, &model.Order{
	//	     	Id: req.Id,
	//	     	Carrier: req.Carrier,
	//	     	TrackingNo: req.TrackingNo,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("ShipOrder error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.ShipOrderReply{
	//	     	ShippedAt: reply.ShippedAt,
	//	    }, nil
}

func convertOrderPb(record *model.Order) *storeV1.OrderDetail {
	value := &storeV1.OrderDetail{
		Id:              record.ID,
		OrderNo:         record.OrderNo,
		CustomerID:      record.CustomerID,
		Status:          storeV1.OrderStatus(record.Status),
		TotalAmount:     record.TotalAmount,
		DiscountAmount:  record.DiscountAmount,
		PayAmount:       record.PayAmount,
		CouponID:        record.CouponID,
		ShippingAddress: record.ShippingAddress,
		PaymentMethod:   record.PaymentMethod,
		TransactionID:   record.TransactionID,
		Carrier:         record.Carrier,
		TrackingNo:      record.TrackingNo,
		CancelReason:    record.CancelReason,
		CreatedAt:       record.CreatedAt.Format(time.RFC3339),
		UpdatedAt:       record.UpdatedAt.Format(time.RFC3339),
	}

	var items []model.OrderItem
	if record.Items != "" {
		_ = json.Unmarshal([]byte(record.Items), &items)
	}
	for _, item := range items {
		value.Items = append(value.Items, &storeV1.OrderItem{
			ProductID:   item.ProductID,
			ProductName: item.ProductName,
			Quantity:    item.Quantity,
			UnitPrice:   item.UnitPrice,
		})
	}

	if record.PaidAt != nil {
		value.PaidAt = record.PaidAt.Unix()
	}
	if record.ShippedAt != nil {
		value.ShippedAt = record.ShippedAt.Unix()
	}
	if record.CancelledAt != nil {
		value.CancelledAt = record.CancelledAt.Unix()
	}
	return value
}
