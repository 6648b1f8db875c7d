    value.CreatedAt = utils.FormatDateTimeRFC3339(*record.CreatedAt)
    value.UpdatedAt = utils.FormatDateTimeRFC3339(*record.UpdatedAt)

    return value, nil
}

