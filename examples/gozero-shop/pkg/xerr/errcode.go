package xerr

// OK is success.
const OK uint32 = 200

// Global error codes.
const (
	ServerCommonError uint32 = 100001
	RequestParamError uint32 = 100002
	TokenExpireError  uint32 = 100003
	DbError           uint32 = 100005
)

// User service error codes.
const (
	UserNotFound     uint32 = 200001
	WrongPassword    uint32 = 200002
	MobileRegistered uint32 = 200003
)

// Order service error codes.
const (
	OrderNotFound      uint32 = 300001
	OrderNotCancelable uint32 = 300002
)
