
    ids := make([]uint64, 0, len(records))
    for _, record := range records {
        if record.DeletedAt != nil {
            continue
        }
        ids = append(ids, record.ID)
    }
