
    if len(records) == 0 {
        return &$A.$NReply{}, nil
    }
