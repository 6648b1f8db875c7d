package ecode

import (
	"github.com/go-dev-frame/sponge/pkg/errcode"
)

// order business-level http error codes.
// the orderNO value range is 1~999, if the same error code is used, it will cause panic.
var (
	orderNO       = 2
	orderName     = "order"
	orderBaseCode = errcode.HCode(orderNO)

	ErrCreateOrder     = errcode.NewError(orderBaseCode+1, "failed to create "+orderName)
	ErrDeleteByIDOrder = errcode.NewError(orderBaseCode+2, "failed to delete "+orderName)
	ErrUpdateByIDOrder = errcode.NewError(orderBaseCode+3, "failed to update "+orderName)
	ErrGetByIDOrder    = errcode.NewError(orderBaseCode+4, "failed to get "+orderName+" details")
	ErrListOrder       = errcode.NewError(orderBaseCode+5, "failed to list of "+orderName)

	ErrCancelOrder        = errcode.NewError(orderBaseCode+6, "failed to CancelOrder "+orderName)
	ErrPayOrder           = errcode.NewError(orderBaseCode+7, "failed to PayOrder "+orderName)
	ErrShipOrder          = errcode.NewError(orderBaseCode+8, "failed to ShipOrder "+orderName)
	ErrOrderCannotCancel  = errcode.NewError(orderBaseCode+9, "only pending or paid orders can be cancelled")
	ErrOrderNotPending    = errcode.NewError(orderBaseCode+10, "the order is not waiting for payment")
	ErrPayAmountMismatch  = errcode.NewError(orderBaseCode+11, "the amount paid does not match the order's pay amount")
	ErrOrderNotPaid       = errcode.NewError(orderBaseCode+12, "only paid orders can be shipped")
	ErrInvalidTrackingNo  = errcode.NewError(orderBaseCode+13, "the tracking number must be 8-32 letters or digits")
	ErrOrderStatusChanged = errcode.NewError(orderBaseCode+14, "the order status was changed by another request, retry")

	// error codes are globally unique, adding 1 to the previous error code
)
