// $N $D
type $NOptions struct {
    Name     string
    Retries  int
    Interval time.Duration
    Labels   map[string]string
}

func (o *$NOptions) apply(opts ...func(*$NOptions)) {
    for _, fn := range opts {
        fn(o)
    }
    if o.Retries <= 0 {
        o.Retries = 3
    }
    if o.Interval == 0 {
        o.Interval = 200 * time.Millisecond
    }
}

