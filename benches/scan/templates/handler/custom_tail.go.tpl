
    return &$A.$NReply{Total: total}, nil
}

