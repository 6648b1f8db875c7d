package ecode

import (
	"github.com/go-dev-frame/sponge/pkg/errcode"
)

// coupon business-level http error codes.
// the couponNO value range is 1~999, if the same error code is used, it will cause panic.
var (
	couponNO       = 1
	couponName     = "coupon"
	couponBaseCode = errcode.HCode(couponNO)

	ErrCreateCoupon     = errcode.NewError(couponBaseCode+1, "failed to create "+couponName)
	ErrDeleteByIDCoupon = errcode.NewError(couponBaseCode+2, "failed to delete "+couponName)
	ErrUpdateByIDCoupon = errcode.NewError(couponBaseCode+3, "failed to update "+couponName)
	ErrGetByIDCoupon    = errcode.NewError(couponBaseCode+4, "failed to get "+couponName+" details")
	ErrListCoupon       = errcode.NewError(couponBaseCode+5, "failed to list of "+couponName)

	ErrRedeemCoupon         = errcode.NewError(couponBaseCode+6, "failed to RedeemCoupon "+couponName)
	ErrIssueCoupon          = errcode.NewError(couponBaseCode+7, "failed to IssueCoupon "+couponName)
	ErrListCustomerCoupons  = errcode.NewError(couponBaseCode+8, "failed to ListCustomerCoupons "+couponName)
	ErrCouponExpired        = errcode.NewError(couponBaseCode+9, "the coupon has expired")
	ErrCouponAlreadyUsed    = errcode.NewError(couponBaseCode+10, "the coupon has already been used or revoked")
	ErrCouponNotOwned       = errcode.NewError(couponBaseCode+11, "the coupon does not belong to this customer")
	ErrCouponMinSpendNotMet = errcode.NewError(couponBaseCode+12, "the order amount is below the coupon's minimum spend")
	ErrCouponAlreadyIssued  = errcode.NewError(couponBaseCode+13, "the customer already holds a coupon of this batch")

	// error codes are globally unique, adding 1 to the previous error code
)
