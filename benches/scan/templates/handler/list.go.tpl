// List of $e by query parameters
func (h *$H) List(ctx context.Context, req *$A.List$ERequest) (*$A.List$EReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    params := &query.Params{}
    err = copier.Copy(params, req.Params)
    if err != nil {
        return nil, ecode.ErrList$E.Err()
    }
    // Note: if copier.Copy cannot assign a value to a field, add it here

    records, total, err := h.$eDao.GetByColumns(ctx, params)
    if err != nil {
        if strings.Contains(err.Error(), "query params error:") {
            logger.Warn("GetByColumns error", logger.Err(err), logger.Any("params", params), middleware.CtxRequestIDField(ctx))
            return nil, ecode.InvalidParams.Err()
        }
        logger.Error("GetByColumns error", logger.Err(err), logger.Any("params", params), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }

    $es := []*$A.$E{}
    for _, record := range records {
        data, err := convert$E(record)
        if err != nil {
            logger.Warn("convert$E error", logger.Err(err), logger.Any("id", record.ID), middleware.CtxRequestIDField(ctx))
            continue
        }
        $es = append($es, data)
    }

    return &$A.List$EReply{Total: total, $Es: $es}, nil
}

