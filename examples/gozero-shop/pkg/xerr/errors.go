package xerr

import "fmt"

// CodeError is an error with a code the gateway maps to a response.
type CodeError struct {
	errCode uint32
	errMsg  string
}

// GetErrCode returns the code.
func (e *CodeError) GetErrCode() uint32 {
	return e.errCode
}

// GetErrMsg returns the message shown to the caller.
func (e *CodeError) GetErrMsg() string {
	return e.errMsg
}

func (e *CodeError) Error() string {
	return fmt.Sprintf("ErrCode:%d, ErrMsg:%s", e.errCode, e.errMsg)
}

// NewErrCodeMsg is an error with a code and its own message.
func NewErrCodeMsg(errCode uint32, errMsg string) *CodeError {
	return &CodeError{errCode: errCode, errMsg: errMsg}
}

// NewErrCode is an error with a code and the code's default message.
func NewErrCode(errCode uint32) *CodeError {
	return &CodeError{errCode: errCode, errMsg: MapErrMsg(errCode)}
}

// NewErrMsg is a common server error with a message.
func NewErrMsg(errMsg string) *CodeError {
	return &CodeError{errCode: ServerCommonError, errMsg: errMsg}
}
