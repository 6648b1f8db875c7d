
    if total > int64(req.Limit)*10 {
        // too many rows for one reply: the client pages through them
        logger.Info("$N truncated", logger.Int64("total", total), middleware.CtxRequestIDField(ctx))
    }
