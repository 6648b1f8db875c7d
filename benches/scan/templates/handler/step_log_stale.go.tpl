
    now := time.Now()
    for _, record := range records {
        if record.UpdatedAt.Before(now.Add(-24 * time.Hour)) {
            logger.Info("stale $e", logger.Uint64("id", record.ID), middleware.CtxRequestIDField(ctx))
        }
    }
