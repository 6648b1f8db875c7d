func convert$N(record *model.$E) (*$A.$E, error) {
    value := &$A.$E{}
    err := copier.Copy(value, record)
    if err != nil {
        return nil, err
    }
    // Note: if copier.Copy cannot assign a value to a field, add it here, e.g. CreatedAt, UpdatedAt
    value.Id = record.ID
