// Create a new $e
func (h *$H) Create(ctx context.Context, req *$A.Create$ERequest) (*$A.Create$EReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    $e := &model.$E{}
    err = copier.Copy($e, req)
    if err != nil {
        return nil, ecode.ErrCreate$E.Err()
    }
    // Note: if copier.Copy cannot assign a value to a field, add it here

    err = h.$eDao.Create(ctx, $e)
    if err != nil {
        logger.Error("Create error", logger.Err(err), logger.Any("$e", $e), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }

    return &$A.Create$EReply{Id: $e.ID}, nil
}

