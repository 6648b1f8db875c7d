package order

import (
	"context"

	"shop/app/order/cmd/api/internal/svc"
	"shop/app/order/cmd/api/internal/types"

	"github.com/zeromicro/go-zero/core/logx"
)

type GetOrderLogic struct {
	logx.Logger
	ctx    context.Context
	svcCtx *svc.ServiceContext
}

func NewGetOrderLogic(ctx context.Context, svcCtx *svc.ServiceContext) *GetOrderLogic {
	return &GetOrderLogic{
		Logger: logx.WithContext(ctx),
		ctx:    ctx,
		svcCtx: svcCtx,
	}
}

func (l *GetOrderLogic) GetOrder(req types.GetOrderReq) (*types.GetOrderResp, error) {
	// todo: add your logic here and delete this line

	return &types.GetOrderResp{}, nil
}
