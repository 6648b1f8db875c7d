package logic

import (
	"context"
	"time"

	"shop/app/usercenter/cmd/rpc/internal/svc"
	"shop/app/usercenter/cmd/rpc/pb"
	"shop/pkg/xerr"

	"github.com/golang-jwt/jwt/v4"
	"github.com/pkg/errors"
	"github.com/zeromicro/go-zero/core/logx"
)

type GenerateTokenLogic struct {
	ctx    context.Context
	svcCtx *svc.ServiceContext
	logx.Logger
}

func NewGenerateTokenLogic(ctx context.Context, svcCtx *svc.ServiceContext) *GenerateTokenLogic {
	return &GenerateTokenLogic{
		ctx:    ctx,
		svcCtx: svcCtx,
		Logger: logx.WithContext(ctx),
	}
}

// GenerateToken signs a JWT for the user with the configured secret and expiry.
func (l *GenerateTokenLogic) GenerateToken(in *pb.GenerateTokenReq) (*pb.GenerateTokenResp, error) {
	now := time.Now().Unix()
	expire := l.svcCtx.Config.JwtAuth.AccessExpire
	claims := jwt.MapClaims{"exp": now + expire, "iat": now, "userId": in.UserId}
	token := jwt.New(jwt.SigningMethodHS256)
	token.Claims = claims
	accessToken, err := token.SignedString([]byte(l.svcCtx.Config.JwtAuth.AccessSecret))
	if err != nil {
		return nil, errors.Wrapf(xerr.NewErrCode(xerr.ServerCommonError), "sign token for user %d: %v", in.UserId, err)
	}
	return &pb.GenerateTokenResp{
		AccessToken:  accessToken,
		AccessExpire: now + expire,
		RefreshAfter: now + expire/2,
	}, nil
}
