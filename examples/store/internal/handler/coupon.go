package handler

import (
	"context"
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

var _ storeV1.CouponLogicer = (*couponHandler)(nil)

type couponHandler struct {
	couponDao dao.CouponDao
}

// NewCouponHandler create a handler
func NewCouponHandler() storeV1.CouponLogicer {
	return &couponHandler{
		couponDao: dao.NewCouponDao(
			database.GetDB(),
			cache.NewCouponCache(),
		),
	}
}

// Create 创建优惠券 create a coupon
func (h *couponHandler) Create(ctx context.Context, req *storeV1.CreateCouponRequest) (*storeV1.CreateCouponReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	coupon := &model.Coupon{
		Code:           req.Code,
		CustomerID:     req.CustomerID,
		BatchNo:        req.BatchNo,
		Title:          req.Title,
		DiscountAmount: req.DiscountAmount,
		MinSpend:       req.MinSpend,
		Status:         model.CouponStatusIssued,
		ExpiresAt:      time.Unix(req.ExpiresAt, 0),
	}
	err = h.couponDao.Create(ctx, coupon)
	if err != nil {
		logger.Error("Create error", logger.Err(err), logger.Any("coupon", coupon), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.CreateCouponReply{Id: coupon.ID}, nil
}

// DeleteByID delete a coupon by id
func (h *couponHandler) DeleteByID(ctx context.Context, req *storeV1.DeleteCouponByIDRequest) (*storeV1.DeleteCouponByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	err = h.couponDao.DeleteByID(ctx, req.Id)
	if err != nil {
		logger.Error("DeleteByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.DeleteCouponByIDReply{}, nil
}

// UpdateByID 根据id更新优惠券
func (h *couponHandler) UpdateByID(ctx context.Context, req *storeV1.UpdateCouponByIDRequest) (*storeV1.UpdateCouponByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	coupon := &model.Coupon{
		ID:             req.Id,
		Title:          req.Title,
		DiscountAmount: req.DiscountAmount,
		MinSpend:       req.MinSpend,
		Status:         int(req.Status),
	}
	if req.ExpiresAt > 0 {
		coupon.ExpiresAt = time.Unix(req.ExpiresAt, 0)
	}
	err = h.couponDao.UpdateByID(ctx, coupon)
	if err != nil {
		logger.Error("UpdateByID error", logger.Err(err), logger.Any("coupon", coupon), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.UpdateCouponByIDReply{}, nil
}

// GetByID get coupon details by id
func (h *couponHandler) GetByID(ctx context.Context, req *storeV1.GetCouponByIDRequest) (*storeV1.GetCouponByIDReply, error) {
	err := req.Validate()
	if err != nil {
		logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InvalidParams.Err()
	}
	_, ctx = middleware.AdaptCtx(ctx)

	record, err := h.couponDao.GetByID(ctx, req.Id)
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			logger.Warn("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
			return nil, ecode.NotFound.Err()
		}
		logger.Error("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	return &storeV1.GetCouponByIDReply{Coupon: convertCouponPb(record)}, nil
}

// List 分页获取优惠券列表 list coupons by paging
func (h *couponHandler) List(ctx context.Context, req *storeV1.ListCouponRequest) (*storeV1.ListCouponReply, error) {
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
	records, total, err := h.couponDao.GetByColumns(ctx, params)
	if err != nil {
		logger.Error("GetByColumns error", logger.Err(err), logger.Any("params", params), middleware.CtxRequestIDField(ctx))
		return nil, ecode.InternalServerError.Err()
	}

	coupons := make([]*storeV1.CouponDetail, 0, len(records))
	for _, record := range records {
		coupons = append(coupons, convertCouponPb(record))
	}

	return &storeV1.ListCouponReply{
		Total:   total,
		Coupons: coupons,
	}, nil
}

// RedeemCoupon 优惠券核销: check the coupon belongs to the customer, is unused (ISSUED) and not expired,
// and that orderAmount reaches the coupon's minSpend; then mark it USED with the order id and the use time
// in one conditional update, so that it can never be redeemed twice. Reply with the discount (never more
// than orderAmount) and the amount left to pay.
func (h *couponHandler) RedeemCoupon(ctx context.Context, req *storeV1.RedeemCouponRequest) (*storeV1.RedeemCouponReply, error) {
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
	//	    reply, err := h.couponDao.RedeemCoupon(ctx, &model.Coupon{
	//	     	CouponID: req.CouponID,
	//	     	CustomerID: req.CustomerID,
	//	     	OrderID: req.OrderID,
	//	     	OrderAmount: req.OrderAmount,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("RedeemCoupon error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.RedeemCouponReply{
	//	     	DiscountAmount: reply.DiscountAmount,
	//	     	PayAmount: reply.PayAmount,
	//	     	UsedAt: reply.UsedAt,
	//	    }, nil
}

// IssueCoupon 发放优惠券：为指定客户生成一张新券，券码为12位大写字母和数字且全局唯一；
// 有效期从当前时间起算 validDays 天（为0时默认30天）；同一客户在同一批次 batchNo 下只能领取一张，重复领取返回 ErrCouponAlreadyIssued。
func (h *couponHandler) IssueCoupon(ctx context.Context, req *storeV1.IssueCouponRequest) (*storeV1.IssueCouponReply, error) {
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
	//	    reply, err := h.couponDao.IssueCoupon(ctx, &model.Coupon{
	//	     	CustomerID: req.CustomerID,
	//	     	BatchNo: req.BatchNo,
	//	     	Title: req.Title,
	//	     	DiscountAmount: req.DiscountAmount,
	//	     	MinSpend: req.MinSpend,
	//	     	ValidDays: req.ValidDays,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("IssueCoupon error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.IssueCouponReply{
	//	     	Coupon: reply.Coupon,
	//	    }, nil
}

// ListCustomerCoupons lists the coupons held by one customer, newest first, paged by page/limit
// (limit defaults to 20, at most 100). A non-zero status keeps only coupons in that status. A coupon
// that is still ISSUED in the database but whose expiresAt has passed is returned with status EXPIRED.
func (h *couponHandler) ListCustomerCoupons(ctx context.Context, req *storeV1.ListCustomerCouponsRequest) (*storeV1.ListCustomerCouponsReply, error) {
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
	//	    reply, err := h.couponDao.ListCustomerCoupons(ctx, &model.Coupon{
	//	     	CustomerID: req.CustomerID,
	//	     	Status: req.Status,
	//	     	Page: req.Page,
	//	     	Limit: req.Limit,
	//	    })
	//	    if err != nil {
	//		    logger.Warn("ListCustomerCoupons error", logger.Err(err), middleware.CtxRequestIDField(ctx))
	//		    return nil, ecode.InternalServerError.Err()
	//	    }
	//
	//	    return &storeV1.ListCustomerCouponsReply{
	//	     	Total: reply.Total,
	//	     	Coupons: reply.Coupons,
	//	    }, nil
}

func convertCouponPb(record *model.Coupon) *storeV1.CouponDetail {
	value := &storeV1.CouponDetail{
		Id:             record.ID,
		Code:           record.Code,
		CustomerID:     record.CustomerID,
		BatchNo:        record.BatchNo,
		Title:          record.Title,
		DiscountAmount: record.DiscountAmount,
		MinSpend:       record.MinSpend,
		Status:         storeV1.CouponStatus(record.Status),
		ExpiresAt:      record.ExpiresAt.Unix(),
		OrderID:        record.OrderID,
		CreatedAt:      record.CreatedAt.Format(time.RFC3339),
		UpdatedAt:      record.UpdatedAt.Format(time.RFC3339),
	}
	if record.UsedAt != nil {
		value.UsedAt = record.UsedAt.Unix()
	}
	return value
}
