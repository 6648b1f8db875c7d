// UpdateByID update a $e by id
func (h *$H) UpdateByID(ctx context.Context, req *$A.Update$EByIDRequest) (*$A.Update$EByIDReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    $e := &model.$E{}
    err = copier.Copy($e, req)
    if err != nil {
        return nil, ecode.ErrUpdateByID$E.Err()
    }
    // Note: if copier.Copy cannot assign a value to a field, add it here
    $e.ID = req.Id

    err = h.$eDao.UpdateByID(ctx, $e)
    if err != nil {
        logger.Error("UpdateByID error", logger.Err(err), logger.Any("$e", $e), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }

    return &$A.Update$EByIDReply{}, nil
}

