
    // keep the newest first, the client shows them in this order
    sort.Slice(records, func(i, j int) bool {
        return records[i].UpdatedAt.After(*records[j].UpdatedAt)
    })
