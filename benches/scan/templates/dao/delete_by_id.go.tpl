// DeleteByID delete a record by id
func (d *$eDao) DeleteByID(ctx context.Context, id uint64) error {
    err := d.db.WithContext(ctx).Where("id = ?", id).Delete(&model.$E{}).Error
    if err != nil {
        return err
    }

    // delete cache
    _ = d.deleteCache(ctx, id)

    return nil
}

