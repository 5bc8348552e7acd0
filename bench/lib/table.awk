# Turns recorded figures into the markdown table of `make bench`.
#   awk -F '\t' -f table.awk figures.tsv RESULTS
# RESULTS holds one line per measurement: GUEST<TAB>KEY<TAB>VALUE (GUEST osprey or linux).
# Each cell is the median of the runs with [min–max] when they differ; the ratio is
# Osprey's median over Linux's. Most figures are costs (below 1 means Osprey is better);
# throughputs (requests/s, Mbit/s) say "more is better" in their label, and there above 1
# means Osprey is better. With -v recorded_only=1, rows without any figure are left out
# (bench/net_figures.sh run alone prints only its own rows).

function group(n,    s, len) {  # 1234567 -> 1,234,567
    s = sprintf("%.0f", n); len = length(s)
    while (len > 3 && substr(s, len - 3, 1) ~ /[0-9]/) {
        s = substr(s, 1, len - 3) "," substr(s, len - 2); len -= 3
    }
    return s
}
function show(v) {
    if (v >= 100 || v == int(v)) return group(v)
    if (v >= 10) return sprintf("%.1f", v)
    return sprintf("%.2f", v)
}
function sorted(guest, key, arr,    n, i, j, t) {
    n = count[guest, key]
    for (i = 1; i <= n; i++) arr[i] = value[guest, key, i]
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && arr[j - 1] > arr[j]; j--) { t = arr[j]; arr[j] = arr[j - 1]; arr[j - 1] = t }
    return n
}
function median(guest, key, scale,    arr, n) {
    n = sorted(guest, key, arr)
    if (n == 0) return ""
    return (n % 2 ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2) / scale
}
function cell(guest, key, scale,    arr, n, m) {
    n = sorted(guest, key, arr)
    if (n == 0) return "—"
    m = median(guest, key, scale)
    if (arr[1] == arr[n]) return show(m)
    return show(m) " [" show(arr[1] / scale) "–" show(arr[n] / scale) "]"
}
function runs(key,    a, b) {
    a = count["osprey", key] + 0; b = count["linux", key] + 0
    return a == b ? a : a " / " b
}

FNR == NR {
    if ($0 ~ /^#/ || NF < 4) next
    rows[++nrows] = $1; scale[$1] = $2; unit[$1] = $3; label[$1] = $4
    next
}
NF == 3 { value[$1, $2, ++count[$1, $2]] = $3 }
END {
    print "| figure | unit | Osprey | Linux | Osprey ÷ Linux | runs |"
    print "|---|---|---:|---:|---:|---:|"
    for (i = 1; i <= nrows; i++) {
        key = rows[i]
        if (recorded_only && count["osprey", key] + count["linux", key] == 0) continue
        o = median("osprey", key, scale[key]); l = median("linux", key, scale[key])
        ratio = "—"
        if (o != "" && l != "" && l > 0) ratio = sprintf(o / l >= 0.1 ? "%.2f" : "%.2g", o / l)
        printf "| %s | %s | %s | %s | %s | %s |\n", label[key], unit[key],
            cell("osprey", key, scale[key]), cell("linux", key, scale[key]), ratio, runs(key)
    }
}
