// DeleteByID delete a $e by id
func (h *$H) DeleteByID(ctx context.Context, req *$A.Delete$EByIDRequest) (*$A.Delete$EByIDReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    err = h.$eDao.DeleteByID(ctx, req.Id)
    if err != nil {
        logger.Warn("DeleteByID error", logger.Err(err), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }

    return &$A.Delete$EByIDReply{}, nil
}

