
    select {
    case <-ctx.Done():
        return nil, ctx.Err()
    default:
    }
