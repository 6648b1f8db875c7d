// $N $D
func (h *$H) $N(ctx context.Context, req *$A.$NRequest) (*$A.$NReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    records, total, err := h.$eDao.GetByColumns(ctx, &query.Params{
        Page:  int(req.Page),
        Limit: int(req.Limit),
        Sort:  req.Sort,
    })
    if err != nil {
        logger.Error("$N error", logger.Err(err), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }
