// $N $D
func (d *$eDao) $N(ctx context.Context, column string, values []string, limit int) ([]*model.$E, error) {
    if !model.$EColumnNames[column] {
        return nil, fmt.Errorf("$N: unknown column %q", column)
    }
    if limit <= 0 || limit > 1000 {
        limit = 1000
    }

    records := []*model.$E{}
    err := d.db.WithContext(ctx).
        Where(fmt.Sprintf("%s IN ?", column), values).
        Order("id DESC").
        Limit(limit).
        Find(&records).Error
    if err != nil {
        return nil, err
    }

    for _, record := range records {
        record.$F = strings.TrimSpace(record.$F)
    }

    return records, nil
}

