package model

import (
	"context"
	"fmt"

	"github.com/zeromicro/go-zero/core/stores/sqlx"
)

// Order states.
const (
	OrderStatusWaitPay  int64 = 0
	OrderStatusPaid     int64 = 1
	OrderStatusCanceled int64 = 2
	OrderStatusFinished int64 = 3
)

var _ OrderModel = (*customOrderModel)(nil)

type (
	// OrderModel is an interface to be customized, add more methods here,
	// and implement the added methods in customOrderModel.
	OrderModel interface {
		orderModel
		// UpdateStatus moves an order from status `from` to `to`; it changes nothing (and says
		// false) when the order is no longer in `from`.
		UpdateStatus(ctx context.Context, id, from, to int64) (bool, error)
	}

	customOrderModel struct {
		*defaultOrderModel
	}
)

// NewOrderModel returns a model for the database table.
func NewOrderModel(conn sqlx.SqlConn) OrderModel {
	return &customOrderModel{
		defaultOrderModel: newOrderModel(conn),
	}
}

func (m *customOrderModel) UpdateStatus(ctx context.Context, id, from, to int64) (bool, error) {
	query := fmt.Sprintf("update %s set `status` = ? where `id` = ? and `status` = ?", m.table)
	result, err := m.conn.ExecCtx(ctx, query, to, id, from)
	if err != nil {
		return false, err
	}
	rows, err := result.RowsAffected()
	return rows == 1, err
}
