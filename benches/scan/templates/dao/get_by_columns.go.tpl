// GetByColumns get paging records by column information,
// Note: query performance degrades when table rows are very large because of the use of offset.
func (d *$eDao) GetByColumns(ctx context.Context, params *query.Params) ([]*model.$E, int64, error) {
    queryStr, args, err := params.ConvertToGormConditions(query.WithWhitelistNames(model.$EColumnNames))
    if err != nil {
        return nil, 0, errors.New("query params error: " + err.Error())
    }

    var total int64
    if params.Sort != "ignore count" { // determine if count is required
        err = d.db.WithContext(ctx).Model(&model.$E{}).Where(queryStr, args...).Count(&total).Error
        if err != nil {
            return nil, 0, err
        }
        if total == 0 {
            return nil, total, nil
        }
    }

    records := []*model.$E{}
    order, limit, offset := params.ConvertToPage()
    err = d.db.WithContext(ctx).Order(order).Limit(limit).Offset(offset).Where(queryStr, args...).Find(&records).Error
    if err != nil {
        return nil, 0, err
    }

    return records, total, err
}

