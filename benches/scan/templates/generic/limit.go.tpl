// $N $D
func $N(ctx context.Context, items []string, limit int) ([]string, error) {
    if limit <= 0 {
        limit = len(items)
    }
    out := make([]string, 0, limit)
    for i, item := range items {
        if i >= limit {
            break
        }
        item = strings.TrimSpace(item)
        if item == "" {
            continue
        }
        out = append(out, item)
    }
    if err := ctx.Err(); err != nil {
        return nil, fmt.Errorf("$N: %w", err)
    }
    return out, nil
}

