// GetByID get a record by id
func (d *$eDao) GetByID(ctx context.Context, id uint64) (*model.$E, error) {
    // no cache
    if d.cache == nil {
        record := &model.$E{}
        err := d.db.WithContext(ctx).Where("id = ?", id).First(record).Error
        return record, err
    }

    // get from cache
    record, err := d.cache.Get(ctx, id)
    if err == nil {
        return record, nil
    }

    // get from database
    if errors.Is(err, database.ErrCacheNotFound) {
        // for the same id, prevent high concurrent simultaneous access to database
        val, err, _ := d.sfg.Do(utils.Uint64ToStr(id), func() (interface{}, error) {
            table := &model.$E{}
            err = d.db.WithContext(ctx).Where("id = ?", id).First(table).Error
            if err != nil {
                if errors.Is(err, database.ErrRecordNotFound) {
                    // set placeholder cache to prevent cache penetration, default expiration time 10 minutes
                    if err = d.cache.SetPlaceholder(ctx, id); err != nil {
                        logger.Warn("cache.SetPlaceholder error", logger.Err(err), logger.Any("id", id))
                    }
                    return nil, database.ErrRecordNotFound
                }
                return nil, err
            }
            // set cache
            if err = d.cache.Set(ctx, id, table, cache.$EExpireTime); err != nil {
                logger.Warn("cache.Set error", logger.Err(err), logger.Any("id", id))
            }
            return table, nil
        })
        if err != nil {
            return nil, err
        }
        table, ok := val.(*model.$E)
        if !ok {
            return nil, database.ErrRecordNotFound
        }
        return table, nil
    }

    if d.cache.IsPlaceholderErr(err) {
        return nil, database.ErrRecordNotFound
    }

    return nil, err
}

