// $N $D
func $N(values map[string]int64, threshold int64) (keys []string, sum int64) {
    for k, v := range values {
        if v < threshold {
            continue
        }
        keys = append(keys, k)
        sum += v
    }
    sort.Strings(keys)
    return keys, sum
}

