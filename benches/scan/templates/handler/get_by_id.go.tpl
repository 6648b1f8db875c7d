// GetByID get a $e by id
func (h *$H) GetByID(ctx context.Context, req *$A.Get$EByIDRequest) (*$A.Get$EByIDReply, error) {
    err := req.Validate()
    if err != nil {
        logger.Warn("req.Validate error", logger.Err(err), logger.Any("req", req), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InvalidParams.Err()
    }
    ctx = middleware.WrapCtx(ctx)

    record, err := h.$eDao.GetByID(ctx, req.Id)
    if err != nil {
        if errors.Is(err, database.ErrRecordNotFound) {
            logger.Warn("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
            return nil, ecode.NotFound.Err()
        }
        logger.Error("GetByID error", logger.Err(err), logger.Any("id", req.Id), middleware.CtxRequestIDField(ctx))
        return nil, ecode.InternalServerError.Err()
    }

    data, err := convert$E(record)
    if err != nil {
        logger.Warn("convert$E error", logger.Err(err), logger.Any("$e", record), middleware.CtxRequestIDField(ctx))
        return nil, ecode.ErrGetByID$E.Err()
    }

    return &$A.Get$EByIDReply{
        $E: data,
    }, nil
}

