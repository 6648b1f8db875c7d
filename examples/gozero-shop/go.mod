module shop

go 1.21

require (
	github.com/golang-jwt/jwt/v4 v4.5.0
	github.com/pkg/errors v0.9.1
	github.com/zeromicro/go-zero v1.7.3
	google.golang.org/grpc v1.67.1
	google.golang.org/protobuf v1.35.1
)
