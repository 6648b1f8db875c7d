package model

import (
	"context"
	"fmt"

	"github.com/zeromicro/go-zero/core/stores/sqlx"
)

var _ UserModel = (*customUserModel)(nil)

type (
	// UserModel is an interface to be customized, add more methods here,
	// and implement the added methods in customUserModel.
	UserModel interface {
		userModel
		// CountByMobilePrefix counts the users whose mobile starts with prefix.
		CountByMobilePrefix(ctx context.Context, prefix string) (int64, error)
	}

	customUserModel struct {
		*defaultUserModel
	}
)

// NewUserModel returns a model for the database table.
func NewUserModel(conn sqlx.SqlConn) UserModel {
	return &customUserModel{
		defaultUserModel: newUserModel(conn),
	}
}

func (m *customUserModel) CountByMobilePrefix(ctx context.Context, prefix string) (int64, error) {
	var count int64
	query := fmt.Sprintf("select count(*) from %s where `mobile` like ?", m.table)
	err := m.conn.QueryRowCtx(ctx, &count, query, prefix+"%")
	return count, err
}
