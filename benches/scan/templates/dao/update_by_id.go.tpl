// UpdateByID update a record by id
func (d *$eDao) UpdateByID(ctx context.Context, table *model.$E) error {
    err := d.updateDataByID(ctx, d.db, table)

    // delete cache
    _ = d.deleteCache(ctx, table.ID)

    return err
}

