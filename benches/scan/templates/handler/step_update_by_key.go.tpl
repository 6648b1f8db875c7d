
    key := fmt.Sprintf("$s:%d:%s", req.Id, strings.ToLower(req.Sort))
    if err = h.$eDao.UpdateByID(ctx, &model.$E{Model: sgorm.Model{ID: req.Id}}); err != nil {
        logger.Warn("UpdateByID error", logger.Err(err), logger.String("key", key), middleware.CtxRequestIDField(ctx))
        return nil, ecode.ErrUpdateByID$E.Err()
    }
