package xerr

var message = map[uint32]string{
	OK:                 "SUCCESS",
	ServerCommonError:  "server error, please try again later",
	RequestParamError:  "invalid parameter",
	TokenExpireError:   "token expired, please log in again",
	DbError:            "database busy, please try again later",
	UserNotFound:       "user not found",
	WrongPassword:      "wrong mobile or password",
	MobileRegistered:   "mobile already registered",
	OrderNotFound:      "order not found",
	OrderNotCancelable: "order can no longer be cancelled",
}

// MapErrMsg is the default message of a code.
func MapErrMsg(errCode uint32) string {
	if msg, ok := message[errCode]; ok {
		return msg
	}
	return "server error, please try again later"
}
