
    data := make([]*$A.$E, 0, len(records))
    for _, record := range records {
        item, err := convert$E(record)
        if err != nil {
            logger.Warn("convert$E error", logger.Err(err), logger.Any("id", record.ID), middleware.CtxRequestIDField(ctx))
            continue
        }
        data = append(data, item)
    }
    _ = data
