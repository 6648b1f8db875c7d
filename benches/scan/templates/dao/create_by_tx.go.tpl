// CreateByTx create a record in the database using the provided transaction
func (d *$eDao) CreateByTx(ctx context.Context, tx *gorm.DB, table *model.$E) (uint64, error) {
    err := tx.WithContext(ctx).Create(table).Error
    return table.ID, err
}

// DeleteByTx delete a record by id in the database using the provided transaction
func (d *$eDao) DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error {
    update := map[string]interface{}{
        "deleted_at": time.Now(),
    }
    err := tx.WithContext(ctx).Model(&model.$E{}).Where("id = ?", id).Updates(update).Error
    if err != nil {
        return err
    }

    // delete cache
    _ = d.deleteCache(ctx, id)

    return nil
}

// UpdateByTx update a record by id in the database using the provided transaction
func (d *$eDao) UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.$E) error {
    err := d.updateDataByID(ctx, tx, table)

    // delete cache
    _ = d.deleteCache(ctx, table.ID)

    return err
}

