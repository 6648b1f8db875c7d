// Create a record, insert the record and the id value is written back to the table
func (d *$eDao) Create(ctx context.Context, table *model.$E) error {
    return d.db.WithContext(ctx).Create(table).Error
}

